/* `status`: what a worker or an admin on the phone needs to know about this
 * kiosk, as text or JSON. Reads only; works offline. */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>

#include "cli.h"
#include "commands.h"
#include "config.h"
#include "fieldsync/seal.h"
#include "fieldsync/sync.h"
#include "fieldsync/records.h"
#include "syncer.h"

static void usage(void)
{
	printf("usage: " AGENT_PROG " status --data DIR [--json]\n"
	       "\n"
	       "Site, region, hub, changes not yet acknowledged by the hub, the last\n"
	       "successful sync, the last error, the clock offset learned from the hub,\n"
	       "whether saved answers are sealed to the hub (responses_sealed) and the\n"
	       "records held. --json prints one JSON object instead.\n");
}

static json_t *time_or_null(uint64_t ms)
{
	char text[21];

	if (ms == 0)
		return json_null();
	fs_timestamp_format(text, ms);
	return json_string(text);
}

static json_t *status_json(const agent_kiosk *k, const agent_state *st, long pending,
                           const fs_store_counts *n)
{
	json_t *err = json_null();

	if (st->last_error_at != 0) {
		json_decref(err);
		err = json_pack("{s:o, s:i, s:s}", "at", time_or_null(st->last_error_at), "exit",
		                st->last_error_exit, "message", st->last_error);
	}
	return json_pack("{s:s, s:s, s:s?, s:s, s:I, s:o, s:o, s:o, s:I, s:b, s:{s:I, s:I, s:I, "
	                 "s:I, s:I, s:I}}",
	                 "site", k->cfg.site, "region", k->cfg.region, "name",
	                 k->cfg.name[0] ? k->cfg.name : NULL, "hub", k->cfg.hub, "pending",
	                 (json_int_t)pending, "last_sync", time_or_null(st->last_sync),
	                 "last_attempt", time_or_null(st->last_attempt), "last_error", err,
	                 "clock_offset_ms", (json_int_t)fs_store_clock_offset(k->store),
	                 "responses_sealed", fs_seal_pinned(k->store), "records",
	                 "questionnaires", (json_int_t)n->questionnaires, "responses",
	                 (json_int_t)n->responses, "contacts", (json_int_t)n->contacts, "conflicts",
	                 (json_int_t)n->conflicts, "conflicts_open", (json_int_t)n->conflicts_open,
	                 "quarantined", (json_int_t)n->quarantined);
}

static void status_text(const agent_kiosk *k, const agent_state *st, long pending,
                        const fs_store_counts *n)
{
	char when[21];

	printf("site:         %s\n", k->cfg.site);
	printf("region:       %s\n", k->cfg.region);
	if (k->cfg.name[0])
		printf("name:         %s\n", k->cfg.name);
	printf("hub:          %s\n", k->cfg.hub);
	printf("pending:      %ld change(s) not yet acknowledged by the hub\n", pending);
	if (st->last_sync != 0) {
		fs_timestamp_format(when, st->last_sync);
		printf("last sync:    %s (sent %ld, received %ld)\n", when, st->last_sent,
		       st->last_received);
	} else {
		printf("last sync:    never\n");
	}
	if (st->last_error_at != 0) {
		fs_timestamp_format(when, st->last_error_at);
		printf("last error:   %s %s\n", when, st->last_error);
	} else {
		printf("last error:   none\n");
	}
	printf("clock offset: %+lld ms\n", (long long)fs_store_clock_offset(k->store));
	printf("answers:      %s\n", fs_seal_pinned(k->store)
	                                  ? "sealed to the hub when saved (this kiosk cannot read them)"
	                                  : "kept in clear (no hub key pinned at enrollment)");
	printf("records:      %ld questionnaire(s), %ld response(s), %ld contact(s), "
	       "%ld conflict(s) (%ld open), %ld quarantined\n",
	       n->questionnaires, n->responses, n->contacts, n->conflicts, n->conflicts_open,
	       n->quarantined);
}

int agent_cmd_status(int argc, char **argv, const char *data)
{
	agent_kiosk k;
	agent_state st;
	fs_store_counts n;
	fs_err e = {0, ""};
	long pending = 0;
	int as_json = 0, exit;

	exit = agent_parse_simple(argc, argv, "status", usage, &data, &as_json);
	if (exit >= 0)
		return exit;
	exit = AGENT_EXIT_OK;
	if (agent_kiosk_open(&k, data, &e) != 0)
		return agent_fail_err("status", &e);
	if (agent_state_load(&st, k.dir, &e) != 0 ||
	    fs_sync_kiosk_pending(k.store, FS_SYNC_HUB_PEER, &pending, &e) != 0 ||
	    fs_store_count(k.store, &n, &e) != 0) {
		exit = agent_fail_err("status", &e);
	} else if (as_json) {
		json_t *o = status_json(&k, &st, pending, &n);

		if (o == NULL || agent_json_print(o, 1) != 0)
			exit = agent_fail(AGENT_EXIT_LOCAL, "status: cannot print");
		json_decref(o);
	} else {
		status_text(&k, &st, pending, &n);
	}
	agent_kiosk_close(&k);
	return exit;
}
