/* fieldsync-demo: the engine end to end without a network. A hub and two
 * kiosks of the region "north" each keep their own store; the kiosks work
 * offline, then change sets (gzip JSON, exactly as they would travel over
 * HTTP) go kiosk -> hub -> kiosk, and the merged result is printed.
 * The real hub and agent programs replace this (docs/design.md). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fieldsync/changeset.h"
#include "fieldsync/records.h"
#include "fieldsync/sync.h"

static const char *const questionnaire_json =
	"{\"format\": \"fieldsync-questionnaire/1\", \"id\": \"visit-feedback\", \"version\": 1,"
	" \"languages\": [\"en\", \"cy\"],"
	" \"title\": {\"en\": \"Tell us about your visit\", \"cy\": \"Dywedwch wrthym am eich "
	"ymweliad\"},"
	" \"questions\": ["
	"  {\"id\": \"overall\", \"type\": \"scale\", \"min\": 1, \"max\": 5, \"required\": true,"
	"   \"label\": {\"en\": \"How was your visit?\", \"cy\": \"Sut oedd eich ymweliad?\"}},"
	"  {\"id\": \"comment\", \"type\": \"text\", \"label\": {\"en\": \"Anything else?\"}}]}";

#define FAIL(what, e)                                                                    \
	do {                                                                             \
		fprintf(stderr, "fieldsync-demo: %s: %s\n", what, (e).msg);              \
		exit(1);                                                                 \
	} while (0)

static size_t wire_bytes;

/* Sync rounds of a kiosk with the hub until nothing is left: the kiosk's
 * round (fs_sync_round) over the in-process transport, which packs and
 * unpacks every change set exactly as it would travel over HTTP. */
static void sync_kiosk(fs_store *kiosk, fs_store *hub)
{
	fs_sync_local t;
	fs_sync_limits lim;
	fs_sync_result res;
	fs_err e = {0, ""};

	fs_sync_local_init(&t, &lim, hub, fs_store_site(kiosk), fs_store_region(kiosk), 1000,
			   256 << 10);
	do {
		if (fs_sync_round(kiosk, fs_store_site(hub), fs_sync_local_send, &t, &lim, &res,
				  &e) != 0)
			FAIL("sync", e);
		printf("  %-9s sent %zu change(s), received %ld\n", fs_store_site(kiosk),
		       res.pushed, res.received);
	} while (res.more);
	wire_bytes += (size_t)(t.bytes_up + t.bytes_down);
	fs_sync_local_free(&t);
}

static fs_store *open_store(const char *dir, const char *site, const char *region)
{
	char path[4096];
	fs_store *s = NULL;
	fs_err e = {0, ""};

	snprintf(path, sizeof(path), "%s/%s.db", dir, site);
	if (fs_store_open(&s, path, &e) != 0 || fs_store_set_identity(s, site, region, &e) != 0)
		FAIL("open store", e);
	return s;
}

static void respond(fs_store *k, int overall, const char *mode, const char *worker)
{
	char id[FS_UUID_LEN + 1];
	fs_err e = {0, ""};
	json_t *body = json_pack("{s:s, s:i, s:s, s:s, s:s, s:s, s:{s:i}}", "questionnaire",
				 "visit-feedback", "version", 1, "language", "en", "mode", mode,
				 "started_at", "2026-11-27T10:00:00Z", "submitted_at",
				 "2026-11-27T10:02:00Z", "answers", "overall", overall);

	if (worker)
		json_object_set_new(body, "worker", json_string(worker));
	if (fs_response_add(k, id, body, &e) != 0)
		FAIL("store response", e);
	printf("  %-9s saved response %s\n", fs_store_site(k), id);
	json_decref(body);
}

static void edit_contact(fs_store *k, const char *id, const char *json)
{
	char out[FS_UUID_LEN + 1];
	fs_err e = {0, ""};
	json_t *f = json_loads(json, 0, NULL);

	if (fs_contact_put(k, out, id, NULL, f, &e) != 0)
		FAIL("edit contact", e);
	printf("  %-9s edited contact: %s\n", fs_store_site(k), json);
	json_decref(f);
}

static void show(fs_store *s, const char *id)
{
	fs_digest_scope scope = {NULL, "north", 0, 1, 1};
	fs_store_counts n;
	fs_err e = {0, ""};
	json_t *c = NULL;
	uint64_t digest = 0;
	char *text;

	if (fs_contact_get(s, &c, id, &e) != 0 || fs_store_count(s, &n, &e) != 0 ||
	    fs_store_digest(s, &scope, &digest, &e) != 0)
		FAIL("read", e);
	json_object_del(c, "id");
	text = json_dumps(c, JSON_SORT_KEYS | JSON_COMPACT);
	printf("  %-9s responses=%ld conflicts=%ld region digest=%016llx\n            contact "
	       "%s\n",
	       fs_store_site(s), n.responses, n.conflicts, (unsigned long long)digest, text);
	free(text);
	json_decref(c);
}

int main(int argc, char **argv)
{
	char tmpl[] = "/tmp/fieldsync-demo-XXXXXX";
	const char *dir = argc > 1 ? argv[1] : getenv("FIELDSYNC_DATA");
	fs_store *hub, *a, *b;
	fs_err e = {0, ""};
	json_t *doc, *conflicts = NULL, *f;
	char contact[FS_UUID_LEN + 1];
	size_t i;

	if (argc > 1 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		printf("usage: fieldsync-demo [DIR]\n"
		       "Runs a hub and two kiosks of one region on stores in DIR (default: "
		       "$FIELDSYNC_DATA or a new temporary directory), makes offline edits,\n"
		       "exchanges change sets and prints the merged result.\n");
		return 0;
	}
	if (dir == NULL) {
		dir = mkdtemp(tmpl);
		if (dir == NULL) {
			perror("fieldsync-demo: mkdtemp");
			return 1;
		}
	} else if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
		perror("fieldsync-demo: mkdir");
		return 1;
	}
	printf("fieldsync demo: stores in %s\n\n", dir);
	hub = open_store(dir, "hub", NULL);
	a = open_store(dir, "kiosk-a1", "north");
	b = open_store(dir, "kiosk-a2", "north");

	printf("1. The hub publishes a questionnaire; both kiosks sync.\n");
	doc = json_loads(questionnaire_json, 0, NULL);
	if (fs_questionnaire_publish(hub, doc, &e) != 0)
		FAIL("publish", e);
	json_decref(doc);
	sync_kiosk(a, hub);
	sync_kiosk(b, hub);

	printf("\n2. Offline at kiosk-a1: two responses and a peer-support contact.\n");
	respond(a, 4, "self", NULL);
	respond(a, 2, "assisted", "w-amina");
	f = json_loads("{\"person_ref\": \"JB-0142\", \"contact_at\": \"2026-11-27T10:30:00Z\","
		       " \"channel\": \"in_person\", \"worker\": \"w-amina\", \"topics\": "
		       "[\"housing\"], \"follow_up_date\": \"2026-12-04\"}",
		       0, NULL);
	if (fs_contact_put(a, contact, NULL, NULL, f, &e) != 0)
		FAIL("create contact", e);
	json_decref(f);
	printf("  kiosk-a1  created contact %s\n", contact);
	printf("   ...network back: kiosk-a1 and kiosk-a2 sync.\n");
	sync_kiosk(a, hub);
	sync_kiosk(b, hub);

	printf("\n3. Both kiosks offline; the same contact is followed up at both.\n");
	edit_contact(a, contact, "{\"notes\": \"Called back, referred to housing advice.\"}");
	edit_contact(b, contact,
		     "{\"notes\": \"Met at library drop-in.\", \"follow_up_done\": true}");
	respond(b, 5, "self", NULL);

	printf("\n4. Network back: everyone syncs (twice, so every change reaches everyone).\n");
	for (i = 0; i < 2; i++) {
		sync_kiosk(a, hub);
		sync_kiosk(b, hub);
	}

	printf("\n5. Merged result (identical digests mean identical region data):\n");
	show(hub, contact);
	show(a, contact);
	show(b, contact);
	if (fs_conflict_list(hub, &conflicts, 10, &e) != 0)
		FAIL("conflicts", e);
	printf("\n  conflicts kept at the hub for review: %zu\n", json_array_size(conflicts));
	for (i = 0; i < json_array_size(conflicts); i++) {
		json_t *c = json_array_get(conflicts, i);

		printf("    field %s: kept the value from %s, kept aside the value from %s\n",
		       json_string_value(json_object_get(c, "field")),
		       json_string_value(json_object_get(json_object_get(c, "winner"), "site")),
		       json_string_value(json_object_get(json_object_get(c, "loser"), "site")));
	}
	printf("\n  bytes on the wire (gzip change sets): %zu\n", wire_bytes);
	json_decref(conflicts);
	fs_store_close(hub);
	fs_store_close(a);
	fs_store_close(b);
	return 0;
}
