/* fieldsync-hub conflicts | resolve: conflicts in plain words (conflicts.h)
 * and an admin's resolution (core/include/fieldsync/resolve.h). */
#include "conflicts.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "audit.h"
#include "cli.h"
#include "fieldsync/records.h"
#include "commands.h"
#include "registry.h"

/* Values longer than this are cut in the one-line summary (the "text" of
 * each side stays whole). */
#define SUMMARY_VALUE_MAX 120
/* The largest --value accepted (the largest field, notes, is 4,000
 * characters; escaped JSON may be longer). */
#define VALUE_ARG_MAX (64u << 10)

/* ---- plain words ---- */

/* ms since the epoch as local time: ISO 8601 with offset, or short. */
static void local_iso(char *out, size_t len, uint64_t ms)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	char zone[8];
	size_t n;

	if (localtime_r(&t, &tm) == NULL ||
	    (n = strftime(out, len, "%Y-%m-%dT%H:%M:%S", &tm)) == 0 ||
	    strftime(zone, sizeof(zone), "%z", &tm) != 5) {
		snprintf(out, len, "?");
		return;
	}
	/* +hhmm as +hh:mm */
	snprintf(out + n, len - n, "%.3s:%.2s", zone, zone + 3);
}

static void local_short(char *out, size_t len, uint64_t ms)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	if (localtime_r(&t, &tm) == NULL || strftime(out, len, "%e %b %H:%M", &tm) == 0)
		snprintf(out, len, "?");
	else if (out[0] == ' ')
		memmove(out, out + 1, strlen(out));
}

static uint64_t hlc_ms_of(const json_t *obj)
{
	fs_hlc h = 0;

	if (fs_hlc_parse(&h, json_string_value(json_object_get(obj, "hlc")), NULL) != 0)
		return 0;
	return fs_hlc_ms(h);
}

/* A contact field's value as text (new reference; NULL: out of memory). */
static json_t *value_text(const json_t *v)
{
	fs_buf b;
	json_t *out, *item;
	size_t i;

	if (json_is_string(v))
		return json_string(json_string_value(v));
	if (json_is_null(v) || v == NULL)
		return json_string("(empty)");
	if (json_is_boolean(v))
		return json_string(json_is_true(v) ? "yes" : "no");
	if (json_is_integer(v)) {
		char n[32];

		snprintf(n, sizeof(n), "%lld", (long long)json_integer_value(v));
		return json_string(n);
	}
	if (!json_is_array(v) || json_array_size(v) == 0)
		return json_string(json_is_array(v) ? "(none)" : "?");
	fs_buf_init(&b, 1u << 20);
	json_array_foreach (v, i, item) {
		const char *s = json_string_value(item);

		if ((i > 0 && fs_buf_append(&b, ", ", 2) != 0) ||
		    fs_buf_append(&b, s ? s : "?", strlen(s ? s : "?")) != 0) {
			fs_buf_free(&b);
			return NULL;
		}
	}
	out = json_string(b.data);
	fs_buf_free(&b);
	return out;
}

/* The device name of site: the registry's, "the hub", or the site. */
static const char *name_of(const json_t *names, const char *site)
{
	const char *n = json_string_value(json_object_get(names, site ? site : ""));

	if (n != NULL)
		return n;
	if (site != NULL && strcmp(site, HUB_SITE) == 0)
		return "the hub";
	return site ? site : "?";
}

/* "text", "at" and kiosk_key (the writer's name) in a side object. */
static int describe_side(json_t *side, const json_t *names, const char *kiosk_key)
{
	char at[40];
	json_t *text;

	if (!json_is_object(side))
		return 0;
	text = value_text(json_object_get(side, "value"));
	local_iso(at, sizeof(at), hlc_ms_of(side));
	if (text == NULL || json_object_set_new(side, "text", text) != 0 ||
	    json_object_set_new(side, "at", json_string(at)) != 0 ||
	    json_object_set_new(side, kiosk_key,
	                        json_string(name_of(names, json_string_value(json_object_get(
	                                                       side, "site"))))) != 0)
		return FS_ENOMEM;
	return 0;
}

/* 'text' cut to SUMMARY_VALUE_MAX bytes (on a UTF-8 boundary) into out. */
static int put_quoted(fs_buf *out, const json_t *side)
{
	const char *t = json_string_value(json_object_get(side, "text"));
	size_t n = t ? strlen(t) : 0;
	int cut = n > SUMMARY_VALUE_MAX;

	if (cut) {
		n = SUMMARY_VALUE_MAX;
		while (n > 0 && ((unsigned char)t[n] & 0xC0) == 0x80)
			n--;
	}
	if (fs_buf_append(out, "'", 1) != 0 || fs_buf_append(out, t ? t : "", n) != 0 ||
	    fs_buf_append(out, cut ? "...'" : "'", cut ? 4 : 1) != 0)
		return FS_ENOMEM;
	return 0;
}

static int put_side(fs_buf *out, const json_t *side)
{
	char when[32], tail[FS_NAME_MAX + 80];

	local_short(when, sizeof(when), hlc_ms_of(side));
	snprintf(tail, sizeof(tail), " at %s on %s",
	         json_string_value(json_object_get(side, "kiosk")), when);
	if (put_quoted(out, side) != 0 || fs_buf_append(out, tail, strlen(tail)) != 0)
		return FS_ENOMEM;
	return 0;
}

/* The one sentence about item (already described). */
static int summary(json_t *item)
{
	const json_t *w = json_object_get(item, "winner"), *l = json_object_get(item, "loser");
	const json_t *res = json_object_get(item, "resolution");
	const char *ws = json_string_value(json_object_get(w, "site"));
	const char *ls = json_string_value(json_object_get(l, "site"));
	char head[256], when[32];
	fs_buf b;
	int rc = 0;

	fs_buf_init(&b, 1u << 16);
	/* The earlier write first, as it happened. */
	if (hlc_ms_of(l) > hlc_ms_of(w)) {
		const json_t *t = w;

		w = l;
		l = t;
	}
	snprintf(head, sizeof(head), "%s changed %s of contact %s while offline: ",
	         (ws && strcmp(ws, HUB_SITE) == 0) || (ls && strcmp(ls, HUB_SITE) == 0)
	             ? "The hub and a kiosk"
	             : "Two kiosks",
	         json_string_value(json_object_get(item, "field")),
	         json_string_value(json_object_get(item, "record")));
	if (fs_buf_append(&b, head, strlen(head)) != 0 || put_side(&b, l) != 0 ||
	    fs_buf_append(&b, ", ", 2) != 0 || put_side(&b, w) != 0 ||
	    fs_buf_append(&b, ". Kept: ", 8) != 0 ||
	    put_quoted(&b, json_object_get(item, "winner")) != 0 || fs_buf_append(&b, ".", 1) != 0)
		rc = FS_ENOMEM;
	if (rc == 0 && json_is_object(res)) {
		const char *chosen = json_string_value(json_object_get(res, "chosen"));

		local_short(when, sizeof(when), hlc_ms_of(res));
		snprintf(head, sizeof(head), " Resolved on %s by %s: %s ", when,
		         json_string_value(json_object_get(res, "by")),
		         strcmp(chosen, "new") == 0 ? "wrote" : "kept");
		if (fs_buf_append(&b, head, strlen(head)) != 0 || put_quoted(&b, res) != 0 ||
		    fs_buf_append(&b, ".", 1) != 0)
			rc = FS_ENOMEM;
	}
	if (rc == 0 && json_object_set_new(item, "summary", json_string(b.data)) != 0)
		rc = FS_ENOMEM;
	fs_buf_free(&b);
	return rc;
}

/* site -> name of every device in the registry ({} without one). */
static int device_names(fs_store *s, json_t **out, fs_err *err)
{
	json_t *list = NULL, *d;
	size_t i;
	int rc;

	*out = json_object();
	if (*out == NULL)
		return fs_err_set(err, FS_ENOMEM, "out of memory");
	if (fs_store_registry(s) == NULL)
		return 0;
	rc = hub_device_list(s, &list, err);
	if (rc != 0)
		return rc;
	json_array_foreach (list, i, d)
		json_object_set(*out, json_string_value(json_object_get(d, "site")),
		                json_object_get(d, "name"));
	json_decref(list);
	return 0;
}

int hub_conflicts_describe(fs_store *s, const fs_conflict_filter *filter, json_t **out,
                           fs_err *err)
{
	json_t *list = NULL, *names = NULL, *item;
	size_t i;
	int rc;

	*out = NULL;
	rc = device_names(s, &names, err);
	if (rc == 0)
		rc = fs_conflict_select(s, filter, &list, err);
	json_array_foreach (list, i, item) {
		json_t *res = json_object_get(item, "resolution");
		char at[40];
		fs_hlc h = 0;

		if (rc != 0)
			break;
		fs_hlc_parse(&h, json_string_value(json_object_get(item, "detected")), NULL);
		local_iso(at, sizeof(at), fs_hlc_ms(h));
		if (json_object_set_new(item, "state",
		                        json_string(json_is_null(res) ? "open" : "resolved")) != 0 ||
		    json_object_set(item, "contact", json_object_get(item, "record")) != 0 ||
		    json_object_set_new(item, "detected_at", json_string(at)) != 0 ||
		    json_object_set_new(
		        item, "detected_by_name",
		        json_string(name_of(names, json_string_value(
		                                       json_object_get(item, "detected_by"))))) != 0)
			rc = FS_ENOMEM;
		if (rc == 0)
			rc = describe_side(json_object_get(item, "winner"), names, "kiosk");
		if (rc == 0)
			rc = describe_side(json_object_get(item, "loser"), names, "kiosk");
		if (rc == 0)
			rc = describe_side(json_object_get(item, "current"), names, "kiosk");
		if (rc == 0)
			rc = describe_side(res, names, "by");
		if (rc == 0)
			rc = summary(item);
		if (rc == FS_ENOMEM)
			rc = fs_err_set(err, FS_ENOMEM, "conflicts: out of memory");
	}
	json_decref(names);
	if (rc != 0) {
		json_decref(list);
		return rc;
	}
	*out = list;
	return 0;
}

/* ---- resolving, audited ---- */

typedef struct resolve_ctx {
	const char *actor;
	int (*allow)(void *ctx, const char *region, fs_err *err);
	void *allow_ctx;
} resolve_ctx;

static int allow_region(void *ctx, const char *region, fs_err *err)
{
	resolve_ctx *x = ctx;

	return x->allow != NULL ? x->allow(x->allow_ctx, region, err) : 0;
}

static int audit_resolution(void *ctx, fs_store *s, const fs_resolution *r, fs_err *err)
{
	resolve_ctx *x = ctx;
	json_t *d = json_pack("{s:s, s:s, s:s, s:s, s:s}", "conflict", r->conflict, "contact",
	                      r->contact, "field", r->field, "region", r->region, "chosen",
	                      fs_resolve_choice_name(r->chosen));
	int rc;

	if (d == NULL)
		return fs_err_set(err, FS_ENOMEM, "audit entry: out of memory");
	rc = hub_audit_add_in(s, x->actor, "conflict_resolve", d, err);
	json_decref(d);
	return rc;
}

int hub_conflict_resolve(fs_store *s, const char *actor, const char *id,
                         fs_resolve_choice choice, const json_t *value,
                         int (*allow)(void *ctx, const char *region, fs_err *err),
                         void *allow_ctx, fs_resolution *out, fs_err *err)
{
	resolve_ctx x = {actor, allow, allow_ctx};
	fs_resolve_hooks h = {allow_region, audit_resolution, &x};

	return fs_conflict_resolve(s, id, choice, value, &h, out, err);
}

/* ---- the commands ---- */

static const char conflicts_usage[] =
    "usage: fieldsync-hub conflicts [--data DIR | --db URI] [--open] [--region R] [--json]\n"
    "\n"
    "List the conflicts the hub holds, newest first: two kiosks changed the same\n"
    "field of a contact while offline, and the later write was kept. Each is shown\n"
    "in plain words: the contact, the field, both values as text, when each was\n"
    "written and at which kiosk (its name), when it was detected, and whether and\n"
    "how it was resolved. Times are local (TZ), ISO 8601 with the offset. The id\n"
    "on each entry's first line is what 'fieldsync-hub resolve' takes.\n"
    "\n"
    "  --data DIR        data directory (default: $FIELDSYNC_DATA)\n"
    "  --db URI          PostgreSQL store, postgresql://USER@HOST/DB (default:\n"
    "                    $FIELDSYNC_DB); the data directory is then not used\n"
    "  --open            only conflicts not resolved yet\n"
    "  --region R        only region R's\n"
    "  --json            print a JSON array (the same facts, and the raw values\n"
    "                    and stamps)\n"
    "  -h, --help        show this help\n";

static const char resolve_usage[] =
    "usage: fieldsync-hub resolve [--data DIR | --db URI] CONFLICT_ID\n"
    "                             (--keep winner|loser | --value JSON)\n"
    "\n"
    "Resolve a conflict: keep the value that was kept (winner), the one it\n"
    "replaced (loser), or write a new value (JSON, checked like a worker's edit of\n"
    "that field: a string in quotes, true/false, a list, a number, null). The value\n"
    "is written as the hub's own edit of the field, newer than both sides, and the\n"
    "resolution goes with it to every kiosk of the contact's region at its next\n"
    "sync: the conflict is then closed everywhere. A kiosk's edit made after that\n"
    "wins as usual. A conflict can be resolved once; one whose field has changed\n"
    "since can only be resolved with --value; a contact that was erased has none.\n"
    "Audited (conflict_resolve: the conflict, contact, field and choice, never a\n"
    "value).\n"
    "\n"
    "  --data DIR        data directory (default: $FIELDSYNC_DATA)\n"
    "  --db URI          PostgreSQL store, postgresql://USER@HOST/DB (default:\n"
    "                    $FIELDSYNC_DB); the data directory is then not used\n"
    "  --keep SIDE       winner or loser\n"
    "  --value JSON      the new value\n"
    "  -h, --help        show this help\n";

typedef struct args {
	const char *region, *keep, *value, *id;
	int open, json;
	hub_where where;
} args;

/* Options (allowed: their names, separated by spaces) and at most npos
 * positional arguments (the first into a->id). 0, -1 after --help, or an
 * exit status. */
static int parse(args *a, int argc, char **argv, const char *cmd, const char *allowed, int npos,
                 const char *usage)
{
	const hub_opt all[] = {
	    {.name = "open", .flag = &a->open},      {.name = "region", .value = &a->region},
	    {.name = "json", .flag = &a->json},      {.name = "keep", .value = &a->keep},
	    {.name = "value", .value = &a->value},
	};
	hub_opt opts[HUB_OPTS_MAX + 1];

	memset(a, 0, sizeof(*a));
	hub_opts_pick(opts, all, sizeof(all) / sizeof(all[0]), allowed);
	return hub_args_parse(argc, argv, cmd, usage, opts, &a->where, &a->id, npos, NULL);
}

static void print_side(const char *label, const json_t *side, const char *who_key)
{
	printf("  %-9s %s  (%s, %s)\n", label, json_string_value(json_object_get(side, "text")),
	       json_string_value(json_object_get(side, who_key)),
	       json_string_value(json_object_get(side, "at")));
}

static void print_conflict(const json_t *c)
{
	const json_t *res = json_object_get(c, "resolution"), *cur = json_object_get(c, "current");

	printf("%s  %s\n", json_string_value(json_object_get(c, "id")),
	       json_string_value(json_object_get(c, "state")));
	printf("  contact %s, field %s, region %s; detected %s at %s\n",
	       json_string_value(json_object_get(c, "contact")),
	       json_string_value(json_object_get(c, "field")),
	       json_string_value(json_object_get(c, "region")),
	       json_string_value(json_object_get(c, "detected_at")),
	       json_string_value(json_object_get(c, "detected_by_name")));
	print_side("kept:", json_object_get(c, "winner"), "kiosk");
	print_side("replaced:", json_object_get(c, "loser"), "kiosk");
	if (json_is_object(res)) {
		const char *chosen = json_string_value(json_object_get(res, "chosen"));

		printf("  resolved: %s %s  (%s, %s)\n",
		       strcmp(chosen, "winner") == 0  ? "kept the kept value"
		       : strcmp(chosen, "loser") == 0 ? "kept the replaced value"
		                                      : "wrote a new value",
		       json_string_value(json_object_get(res, "text")),
		       json_string_value(json_object_get(res, "by")),
		       json_string_value(json_object_get(res, "at")));
	} else if (json_is_object(cur)) {
		print_side("now:", cur, "kiosk");
	}
}

int hub_cmd_conflicts(int argc, char **argv)
{
	args a;
	fs_conflict_filter f = {0, NULL, -1};
	fs_store *s = NULL;
	fs_err e = {0, ""};
	json_t *list = NULL, *c;
	size_t i;
	int rc = parse(&a, argc, argv, "conflicts", "open region json", 0, conflicts_usage);

	if (rc != 0)
		return rc < 0 ? HUB_EXIT_OK : rc;
	if (a.region != NULL && !fs_name_is_valid(a.region))
		return hub_usage_fail("conflicts", "--region: not a region name ([a-z0-9-], 1 to "
		                                   "64, not starting with -)");
	f.open_only = a.open;
	f.region = a.region;
	if (hub_store_open(&s, &a.where, &e) != 0)
		return hub_fail("%s", e.msg);
	rc = hub_conflicts_describe(s, &f, &list, &e);
	fs_store_close(s);
	if (rc != 0)
		return hub_fail("conflicts: %s", e.msg);
	if (a.json) {
		char *text = json_dumps(list, JSON_INDENT(2) | JSON_ENSURE_ASCII);

		if (text == NULL) {
			json_decref(list);
			return hub_fail("conflicts: out of memory");
		}
		puts(text);
		free(text);
	} else if (json_array_size(list) == 0) {
		printf("no %sconflicts%s%s\n", a.open ? "open " : "", a.region ? " in region " : "",
		       a.region ? a.region : "");
	} else {
		json_array_foreach (list, i, c) {
			if (i > 0)
				putchar('\n');
			print_conflict(c);
		}
	}
	json_decref(list);
	return hub_finish_output();
}

int hub_cmd_resolve(int argc, char **argv)
{
	args a;
	fs_resolve_choice choice = FS_RESOLVE_NEW;
	fs_resolution r;
	fs_store *s = NULL;
	fs_err e = {0, ""};
	json_error_t je;
	json_t *value = NULL;
	char actor[HUB_AUDIT_ACTOR_MAX + 1];
	int rc = parse(&a, argc, argv, "resolve", "keep value", 1, resolve_usage);

	if (rc != 0)
		return rc < 0 ? HUB_EXIT_OK : rc;
	if (a.id == NULL)
		return hub_usage_fail("resolve", "name the conflict (its id, from 'fieldsync-hub "
		                                 "conflicts')");
	if (fs_conflict_id_parse(a.id, r.contact, r.field, &r.hlc, r.site) != 0)
		return hub_usage_fail("resolve", "%.200s is not a conflict id (CONTACT/FIELD/HLC/"
		                                 "SITE, as 'fieldsync-hub conflicts' lists them)",
		                      a.id);
	if ((a.keep != NULL) == (a.value != NULL))
		return hub_usage_fail("resolve", "give one of --keep winner|loser or --value JSON");
	if (a.keep != NULL && (fs_resolve_choice_parse(a.keep, &choice) != 0 ||
	                       choice == FS_RESOLVE_NEW))
		return hub_usage_fail("resolve", "--keep: winner or loser");
	if (a.value != NULL) {
		if (strlen(a.value) > VALUE_ARG_MAX)
			return hub_usage_fail("resolve", "--value: over %u bytes", VALUE_ARG_MAX);
		value = json_loads(a.value, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, &je);
		if (value == NULL)
			return hub_usage_fail("resolve",
			                      "--value: not JSON (%s at character %d); a text "
			                      "value goes in double quotes: '\"text\"'",
			                      je.text, je.position);
	}
	if (hub_store_open(&s, &a.where, &e) != 0) {
		json_decref(value);
		return hub_fail("%s", e.msg);
	}
	hub_audit_actor_cli(actor, sizeof(actor));
	rc = hub_conflict_resolve(s, actor, a.id, choice, value, NULL, NULL, &r, &e);
	fs_store_close(s);
	json_decref(value);
	if (rc != 0)
		return hub_fail("%s", e.msg);
	printf("conflict %s resolved: %s; the kiosks of region %s receive it at their next "
	       "sync\n",
	       r.conflict,
	       r.chosen == FS_RESOLVE_WINNER  ? "kept the kept value"
	       : r.chosen == FS_RESOLVE_LOSER ? "kept the replaced value"
	                                      : "wrote the new value",
	       r.region);
	return hub_finish_output();
}
