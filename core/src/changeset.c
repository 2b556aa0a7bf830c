/* Change sets: encoding, and decoding with every check of docs/changeset.md.
 *
 * Decoding is on the hub's hot path (tens of thousands of changes a second),
 * so it parses once with Jansson, walks each change's keys once, keeps the
 * parsed values by reference and allocates nothing per change. Encoding
 * writes the envelope of each change by hand and streams its value straight
 * into the output buffer, so no JSON tree of the whole set is ever built. */
#include "fieldsync/changeset.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fieldsync/erase.h"
#include "fieldsync/gzip.h"
#include "fieldsync/questionnaire.h"
#include "fieldsync/tables.h"
#include "json_scan.h"

#define MAX_DEPTH 32
/* A value sits under the root object, the changes array and its change. */
#define VALUE_DEPTH 4
#define VALUE_FLAGS (JSON_COMPACT | JSON_ENCODE_ANY)
#define GZIP_LEVEL  6
#define NAME_RULE   "must match [a-z0-9][a-z0-9-]{0,63}"

void fs_codec_limits_default(fs_codec_limits *out)
{
	out->max_inflated = (size_t)8 * 1024 * 1024;
	out->max_changes = 20000;
	out->max_value_bytes = (size_t)256 * 1024;
	out->max_decode_bytes = (size_t)48 * 1024 * 1024;
}

void fs_changeset_init(fs_changeset *cs)
{
	memset(cs, 0, sizeof(*cs));
}

void fs_changeset_free(fs_changeset *cs)
{
	size_t i;

	for (i = 0; i < cs->count; i++)
		json_decref(cs->changes[i].value);
	free(cs->changes);
	fs_changeset_init(cs);
}

int fs_changeset_add(fs_changeset *cs, const fs_change *c, fs_err *err)
{
	if (cs->count == cs->alloc) {
		size_t want = cs->alloc ? cs->alloc * 2 : 64;
		fs_change *p = NULL;

		if (want <= SIZE_MAX / sizeof(*p))
			p = realloc(cs->changes, want * sizeof(*p));
		if (p == NULL) {
			json_decref(c->value);
			return fs_err_set(err, FS_ENOMEM, "changeset: out of memory");
		}
		cs->changes = p;
		cs->alloc = want;
	}
	cs->changes[cs->count++] = *c;
	return 0;
}

void fs_conflict_id(char out[FS_ID_MAX + 1], const char *record, const char *field,
                    fs_hlc loser_hlc, const char *loser_site)
{
	char hlc[FS_HLC_TEXT_LEN + 1];

	fs_hlc_format(hlc, loser_hlc);
	snprintf(out, FS_ID_MAX + 1, "%s/%s/%s/%s", record, field, hlc, loser_site);
}

int fs_conflict_id_parse(const char *id, char record[FS_UUID_LEN + 1],
                         char field[FS_CONTACT_FIELD_MAX], fs_hlc *loser_hlc,
                         char loser_site[FS_NAME_MAX + 1])
{
	char expect[FS_ID_MAX + 1], hlc[FS_HLC_TEXT_LEN + 1];
	const char *p = id, *slash;
	size_t n, i;

	if (id == NULL || strlen(id) > FS_ID_MAX || strlen(id) < FS_UUID_LEN + 1 ||
	    id[FS_UUID_LEN] != '/')
		return FS_EINVAL;
	memcpy(record, id, FS_UUID_LEN);
	record[FS_UUID_LEN] = '\0';
	if (!fs_uuid_is_valid(record))
		return FS_EINVAL;
	p = id + FS_UUID_LEN + 1;
	slash = strchr(p, '/');
	n = slash ? (size_t)(slash - p) : 0;
	if (n == 0 || n >= FS_CONTACT_FIELD_MAX)
		return FS_EINVAL;
	memcpy(field, p, n);
	field[n] = '\0';
	for (i = 0; fs_contact_fields[i] != NULL; i++)
		if (strcmp(field, fs_contact_fields[i]) == 0)
			break;
	if (fs_contact_fields[i] == NULL)
		return FS_EINVAL;
	p = slash + 1;
	slash = strchr(p, '/');
	if (slash == NULL || (size_t)(slash - p) != FS_HLC_TEXT_LEN)
		return FS_EINVAL;
	memcpy(hlc, p, FS_HLC_TEXT_LEN);
	hlc[FS_HLC_TEXT_LEN] = '\0';
	if (fs_hlc_parse(loser_hlc, hlc, NULL) != 0 || !fs_name_is_valid(slash + 1))
		return FS_EINVAL;
	snprintf(loser_site, FS_NAME_MAX + 1, "%s", slash + 1);
	/* Only the one spelling fs_conflict_id makes. */
	fs_conflict_id(expect, record, field, *loser_hlc, loser_site);
	return strcmp(expect, id) == 0 ? 0 : FS_EINVAL;
}

/* ---- encoding ---- */

/* Output with a sticky error: after the first failed append nothing more
 * is written and rc keeps the code. */
typedef struct encoder {
	fs_buf *out;
	int rc;
} encoder;

static void put_mem(encoder *e, const char *p, size_t n)
{
	if (e->rc == 0)
		e->rc = fs_buf_append(e->out, p, n);
}

static void put(encoder *e, const char *s)
{
	put_mem(e, s, strlen(s));
}

/* s as a JSON string. Names and ids are plain ASCII once checked, but the
 * encoder does not rely on that to produce valid JSON. */
static void put_string(encoder *e, const char *s)
{
	const char *run = s;
	char esc[8];

	put_mem(e, "\"", 1);
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		put_mem(e, run, (size_t)(s - run));
		if (c == '"' || c == '\\')
			snprintf(esc, sizeof(esc), "\\%c", c);
		else
			snprintf(esc, sizeof(esc), "\\u%04x", c);
		put(e, esc);
		run = s + 1;
	}
	put_mem(e, run, (size_t)(s - run));
	put_mem(e, "\"", 1);
}

/* ,"key":"text" */
static void put_key_string(encoder *e, const char *key, const char *text)
{
	put_mem(e, ",\"", 2);
	put(e, key);
	put_mem(e, "\":", 2);
	put_string(e, text);
}

static void put_key_hlc(encoder *e, const char *key, fs_hlc h)
{
	char text[FS_HLC_TEXT_LEN + 1];

	fs_hlc_format(text, h);
	put_key_string(e, key, text);
}

static int dump_to_encoder(const char *buffer, size_t size, void *data)
{
	encoder *e = data;

	put_mem(e, buffer, size);
	return e->rc == 0 ? 0 : -1;
}

/* ,"key":<value> streamed by Jansson into the output. */
static void put_key_value(encoder *e, const char *key, const json_t *v)
{
	put_mem(e, ",\"", 2);
	put(e, key);
	put_mem(e, "\":", 2);
	if (e->rc == 0 && json_dump_callback(v, dump_to_encoder, e, VALUE_FLAGS) != 0 && e->rc == 0)
		e->rc = FS_EGENERIC;
}

/* A record table's column carried at at (FS_AT_ID, FS_AT_REGION), or NULL. */
static const fs_column *col_at(const fs_table_desc *t, fs_col_at at)
{
	int k;

	for (k = 0; k < t->ncols; k++)
		if (t->cols[k].at == at)
			return &t->cols[k];
	return NULL;
}

static int encode_change(encoder *e, const fs_change *c, size_t i, fs_err *err)
{
	const fs_table_desc *t = fs_table_desc_of(c->table);
	const char *table = t ? t->name : NULL;
	char num[32];

	if (table == NULL)
		return fs_err_set(err, FS_EINVAL, "changes[%zu].table: unknown table %d", i,
		                  (int)c->table);
	if (c->value == NULL && !(c->deleted && (c->table == FS_TABLE_QUESTIONNAIRES ||
	                                         c->table == FS_TABLE_RESPONSES || t->tombstones)))
		return fs_err_set(err, FS_EINVAL, "changes[%zu]: a %s change needs a value", i,
		                  table);
	put(e, i == 0 ? "{\"table\":\"" : ",{\"table\":\"");
	put(e, table);
	put_mem(e, "\"", 1);
	put_key_string(e, "id", c->id);
	put_key_hlc(e, "hlc", c->hlc);
	put_key_string(e, "site", c->site);
	switch (c->table) {
	case FS_TABLE_QUESTIONNAIRES:
		snprintf(num, sizeof(num), ",\"version\":%" PRId64, c->version);
		put(e, num);
		if (c->deleted)
			put(e, ",\"deleted\":true");
		else
			put_key_value(e, "doc", c->value);
		break;
	case FS_TABLE_RESPONSES:
		if (c->deleted)
			put(e, ",\"deleted\":true");
		else
			put_key_value(e, "response", c->value);
		break;
	case FS_TABLE_CONTACTS:
		put_key_string(e, "region", c->region);
		put_key_string(e, "field", c->field);
		put_key_value(e, "value", c->value);
		if (c->prev_site[0] != '\0') {
			put(e, ",\"prev\":{\"hlc\":\"");
			fs_hlc_format(num, c->prev_hlc);
			put(e, num);
			put(e, "\"");
			put_key_string(e, "site", c->prev_site);
			put(e, "}");
		}
		break;
	case FS_TABLE_CONFLICTS:
		put_key_string(e, "region", c->region);
		put_key_value(e, "conflict", c->value);
		break;
	case FS_TABLE_ERASURES:
		put_key_value(e, "erasure", c->value);
		break;
	case FS_TABLE_RESOLUTIONS:
		put_key_string(e, "region", c->region);
		put_key_value(e, "resolution", c->value);
		break;
	default: /* a record table (tables.h) */
		if (col_at(t, FS_AT_REGION) != NULL)
			put_key_string(e, "region", c->region);
		if (c->deleted)
			put(e, ",\"deleted\":true");
		else
			put_key_value(e, t->body, c->value);
		break;
	}
	put_mem(e, "}", 1);
	return 0;
}

int fs_changeset_encode(fs_buf *out, const fs_changeset *cs, fs_err *err)
{
	encoder e = {out, 0};
	size_t start = out->len, i;
	char num[128];
	int rc = 0;

	put(&e, "{\"format\":\"" FS_CHANGESET_FORMAT "\"");
	put_key_string(&e, "site", cs->site);
	snprintf(num, sizeof(num), ",\"from\":%" PRId64 ",\"to\":%" PRId64 ",\"more\":%s", cs->from,
	         cs->to, cs->more ? "true" : "false");
	put(&e, num);
	snprintf(num, sizeof(num), ",\"time\":%" PRIu64 ",\"changes\":[", cs->time_ms);
	put(&e, num);
	for (i = 0; i < cs->count && e.rc == 0 && rc == 0; i++)
		rc = encode_change(&e, &cs->changes[i], i, err);
	put(&e, "]}");
	if (rc == 0 && e.rc != 0) {
		if (e.rc == FS_ETOOBIG)
			rc = fs_err_set(
			    err, e.rc, "changeset: encoding passes the cap of %zu bytes", out->cap);
		else
			rc = fs_err_set(err, e.rc, "changeset: cannot encode (out of memory)");
	}
	if (rc != 0 && out->data != NULL) {
		out->len = start;
		out->data[start] = '\0';
	}
	return rc;
}

int fs_changeset_pack(fs_buf *out, const fs_changeset *cs, fs_err *err)
{
	fs_buf text;
	int rc;

	/* The JSON may be far larger than out's cap; only the gzip must fit. */
	fs_buf_init(&text, SIZE_MAX / 2);
	rc = fs_changeset_encode(&text, cs, err);
	if (rc == 0)
		rc = fs_gzip_compress(out, text.data, text.len, GZIP_LEVEL, err);
	fs_buf_free(&text);
	return rc;
}

/* ---- decoding ---- */

/* Set err to "changes[i].path: message" (path may be NULL). */
static int change_err(fs_err *err, int code, size_t i, const char *path, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 5, 6)))
#endif
    ;

static int change_err(fs_err *err, int code, size_t i, const char *path, const char *fmt, ...)
{
	char msg[FS_ERR_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return fs_err_set(err, code, "changes[%zu]%s%s: %s", i, path ? "." : "", path ? path : "",
	                  msg);
}

/* The text of a string without NUL characters, or NULL. */
static const char *text_of(const json_t *v, size_t *len)
{
	const char *s;

	if (!json_is_string(v))
		return NULL;
	s = json_string_value(v);
	*len = json_string_length(v);
	return memchr(s, '\0', *len) == NULL ? s : NULL;
}

/* Copy a site or region name into out (FS_NAME_MAX + 1 bytes). */
static int take_name(char *out, const json_t *v)
{
	size_t len;
	const char *s = text_of(v, &len);

	if (s == NULL || !fs_name_is_valid(s))
		return -1;
	memcpy(out, s, len + 1);
	return 0;
}

static int take_hlc(fs_hlc *out, const json_t *v, size_t i, const char *path, fs_err *err)
{
	fs_err inner;
	size_t len;
	const char *s = text_of(v, &len);

	if (s == NULL)
		return change_err(err, FS_EINVAL, i, path,
		                  "must be a string of 16 lowercase hex digits");
	fs_err_clear(&inner);
	if (fs_hlc_parse(out, s, &inner) != 0)
		return change_err(err, FS_EINVAL, i, path, "%s", inner.msg);
	return 0;
}

/* Walk a value whose top sits at depth: fail when it nests deeper than
 * MAX_DEPTH, and add to *bound an upper bound of its compact serialized
 * size (every string byte escaped as \u00XX at worst). */
static int walk_value(const json_t *v, int depth, size_t *bound)
{
	const char *key;
	json_t *m;
	size_t i;

	switch (json_typeof(v)) {
	case JSON_OBJECT:
		if (depth > MAX_DEPTH)
			return -1;
		*bound += 2;
		json_object_foreach((json_t *)v, key, m)
		{
			*bound += 6 * strlen(key) + 4;
			if (walk_value(m, depth + 1, bound) != 0)
				return -1;
		}
		return 0;
	case JSON_ARRAY:
		if (depth > MAX_DEPTH)
			return -1;
		*bound += 2;
		for (i = 0; i < json_array_size(v); i++) {
			*bound += 1;
			if (walk_value(json_array_get(v, i), depth + 1, bound) != 0)
				return -1;
		}
		return 0;
	case JSON_STRING:
		*bound += 6 * json_string_length(v) + 2;
		return 0;
	default:
		*bound += 32;
		return 0;
	}
}

/* Nesting and size caps of one value. Serializes it only when the cheap
 * bound says it might pass the cap. */
static int check_value_caps(const json_t *v, size_t i, const char *path,
                            const fs_codec_limits *limits, fs_err *err)
{
	size_t bound = 0, size;

	if (walk_value(v, VALUE_DEPTH, &bound) != 0)
		return change_err(err, FS_EINVAL, i, path, "nests deeper than %d levels",
		                  MAX_DEPTH);
	if (bound <= limits->max_value_bytes)
		return 0;
	size = json_dumpb(v, NULL, 0, VALUE_FLAGS);
	if (size > limits->max_value_bytes)
		return change_err(err, FS_ETOOBIG, i, path,
		                  "%zu bytes serialized, more than the cap of %zu", size,
		                  limits->max_value_bytes);
	return 0;
}

/* The keys a change may have; a change's keys are collected in one pass
 * into slots indexed by these, and as bits of a mask. */
enum change_key {
	KEY_TABLE,
	KEY_ID,
	KEY_HLC,
	KEY_SITE,
	KEY_VERSION,
	KEY_DOC,
	KEY_DELETED,
	KEY_RESPONSE,
	KEY_REGION,
	KEY_FIELD,
	KEY_VALUE,
	KEY_PREV,
	KEY_CONFLICT,
	KEY_ERASURE,
	KEY_RESOLUTION,
	KEY_COUNT /* then each record table's body key (tables.h) */
};

static const char *const change_keys[KEY_COUNT] = {
    "table",    "id",     "hlc",   "site",  "version", "doc",     "deleted",
    "response", "region", "field", "value", "prev",    "conflict", "erasure",
    "resolution"};

#define BIT(k)   (1u << (k))
_Static_assert(KEY_COUNT + FS_TABLES_MAX <= 32, "a change's keys are bits of a mask");
#define K_COMMON (BIT(KEY_TABLE) | BIT(KEY_ID) | BIT(KEY_HLC) | BIT(KEY_SITE))

typedef struct table_rule {
	fs_table table;
	const char *name;
	unsigned allowed, required;
} table_rule;

static const table_rule table_rules[] = {
    {FS_TABLE_QUESTIONNAIRES, "questionnaires",
     K_COMMON | BIT(KEY_VERSION) | BIT(KEY_DOC) | BIT(KEY_DELETED), K_COMMON | BIT(KEY_VERSION)},
    {FS_TABLE_RESPONSES, "responses", K_COMMON | BIT(KEY_RESPONSE) | BIT(KEY_DELETED), K_COMMON},
    {FS_TABLE_CONTACTS, "contacts",
     K_COMMON | BIT(KEY_REGION) | BIT(KEY_FIELD) | BIT(KEY_VALUE) | BIT(KEY_PREV),
     K_COMMON | BIT(KEY_REGION) | BIT(KEY_FIELD) | BIT(KEY_VALUE)},
    {FS_TABLE_CONFLICTS, "conflicts", K_COMMON | BIT(KEY_REGION) | BIT(KEY_CONFLICT),
     K_COMMON | BIT(KEY_REGION) | BIT(KEY_CONFLICT)},
    {FS_TABLE_ERASURES, "erasures", K_COMMON | BIT(KEY_ERASURE), K_COMMON | BIT(KEY_ERASURE)},
    {FS_TABLE_RESOLUTIONS, "resolutions", K_COMMON | BIT(KEY_REGION) | BIT(KEY_RESOLUTION),
     K_COMMON | BIT(KEY_REGION) | BIT(KEY_RESOLUTION)},
};

/* Key k: one of change_keys, or after them the body key of the record
 * table fs_tables[k - KEY_COUNT] (NULL: that table is none). */
static const char *key_name(int k)
{
	return k < KEY_COUNT ? change_keys[k] : fs_tables[k - KEY_COUNT].body;
}

/* change_keys first, by a loop of constant bound (the hot path). */
static int key_index(const char *key)
{
	int k;

	for (k = 0; k < KEY_COUNT; k++)
		if (strcmp(key, change_keys[k]) == 0)
			return k;
	for (k = 0; k < fs_table_count; k++)
		if (fs_tables[k].body != NULL && strcmp(key, fs_tables[k].body) == 0)
			return KEY_COUNT + k;
	return -1;
}

static int is_contact_field(const char *s)
{
	size_t i;

	for (i = 0; fs_contact_fields[i] != NULL; i++)
		if (strcmp(s, fs_contact_fields[i]) == 0)
			return 1;
	return 0;
}

/* "doc" or "deleted": true (and likewise "response", a record's body). */
static int check_body_or_tombstone(fs_change *c, const json_t *body, const json_t *deleted,
                                   const char *name, size_t i, fs_err *err)
{
	if (body != NULL && deleted != NULL)
		return change_err(err, FS_EINVAL, i, NULL, "has both \"%s\" and \"deleted\"", name);
	if (deleted != NULL) {
		if (!json_is_true(deleted))
			return change_err(err, FS_EINVAL, i, "deleted", "must be true");
		c->deleted = 1;
		return 0;
	}
	if (body == NULL)
		return change_err(err, FS_EINVAL, i, NULL, "needs \"%s\" or \"deleted\": true",
		                  name);
	return 0;
}

static int decode_questionnaire(fs_change *c, json_t **slot, size_t i,
                                const fs_codec_limits *limits, fs_err *err)
{
	const json_t *doc, *v;
	fs_err inner;
	size_t len;
	const char *s = text_of(slot[KEY_ID], &len);
	int rc;

	if (s == NULL || !fs_name_is_valid(s))
		return change_err(err, FS_EINVAL, i, "id", NAME_RULE);
	memcpy(c->id, s, len + 1);
	if (!json_is_integer(slot[KEY_VERSION]) || json_integer_value(slot[KEY_VERSION]) < 1)
		return change_err(err, FS_EINVAL, i, "version", "must be an integer of at least 1");
	c->version = json_integer_value(slot[KEY_VERSION]);
	rc = check_body_or_tombstone(c, slot[KEY_DOC], slot[KEY_DELETED], "doc", i, err);
	if (rc != 0 || c->deleted)
		return rc;
	doc = slot[KEY_DOC];
	rc = check_value_caps(doc, i, "doc", limits, err);
	if (rc != 0)
		return rc;
	fs_err_clear(&inner);
	if (fs_questionnaire_validate(doc, &inner) != 0)
		return change_err(err, FS_EINVAL, i, "doc", "%s", inner.msg);
	s = text_of(json_object_get(doc, "id"), &len);
	if (s == NULL || strcmp(s, c->id) != 0)
		return change_err(err, FS_EINVAL, i, "doc.id", "does not match the change's id");
	v = json_object_get(doc, "version");
	if (!json_is_integer(v) || json_integer_value(v) != c->version)
		return change_err(err, FS_EINVAL, i, "doc.version",
		                  "does not match the change's version");
	c->value = json_incref((json_t *)doc);
	return 0;
}

static int decode_response(fs_change *c, json_t **slot, size_t i, const fs_codec_limits *limits,
                           fs_err *err)
{
	fs_err inner;
	size_t len;
	const char *s = text_of(slot[KEY_ID], &len);
	int rc;

	if (s == NULL || !fs_uuid_is_valid(s))
		return change_err(err, FS_EINVAL, i, "id", "must be a lowercase UUID");
	memcpy(c->id, s, len + 1);
	rc = check_body_or_tombstone(c, slot[KEY_RESPONSE], slot[KEY_DELETED], "response", i, err);
	if (rc != 0 || c->deleted)
		return rc;
	rc = check_value_caps(slot[KEY_RESPONSE], i, "response", limits, err);
	if (rc != 0)
		return rc;
	fs_err_clear(&inner);
	if (fs_response_check_shape(slot[KEY_RESPONSE], &inner) != 0)
		return change_err(err, FS_EINVAL, i, "response", "%s", inner.msg);
	c->value = json_incref(slot[KEY_RESPONSE]);
	return 0;
}

static int decode_field_name(char *out, const json_t *v, size_t i, const char *path, fs_err *err)
{
	size_t len;
	const char *s = text_of(v, &len);

	if (s == NULL || !is_contact_field(s))
		return change_err(err, FS_EINVAL, i, path, "not a contact field");
	memcpy(out, s, len + 1);
	return 0;
}

static int decode_contact(fs_change *c, json_t **slot, unsigned mask, size_t i,
                          const fs_codec_limits *limits, fs_err *err)
{
	const char *key;
	json_t *prev, *v;
	fs_err inner;
	size_t len;
	const char *s = text_of(slot[KEY_ID], &len);
	int rc;

	if (s == NULL || !fs_uuid_is_valid(s))
		return change_err(err, FS_EINVAL, i, "id", "must be a lowercase UUID");
	memcpy(c->id, s, len + 1);
	if (take_name(c->region, slot[KEY_REGION]) != 0)
		return change_err(err, FS_EINVAL, i, "region", NAME_RULE);
	rc = decode_field_name(c->field, slot[KEY_FIELD], i, "field", err);
	if (rc != 0)
		return rc;
	rc = check_value_caps(slot[KEY_VALUE], i, "value", limits, err);
	if (rc != 0)
		return rc;
	fs_err_clear(&inner);
	if (fs_contact_field_check(c->field, slot[KEY_VALUE], &inner) != 0)
		return change_err(err, FS_EINVAL, i, "value", "%s", inner.msg);
	if (mask & BIT(KEY_PREV)) {
		prev = slot[KEY_PREV];
		if (!json_is_object(prev))
			return change_err(err, FS_EINVAL, i, "prev",
			                  "must be an object with hlc and site");
		json_object_foreach(prev, key, v)
		{
			if (strcmp(key, "hlc") != 0 && strcmp(key, "site") != 0)
				return change_err(err, FS_EINVAL, i, "prev",
				                  "unknown key \"%.40s\"", key);
		}
		v = json_object_get(prev, "hlc");
		if (v == NULL)
			return change_err(err, FS_EINVAL, i, "prev.hlc", "required key is missing");
		rc = take_hlc(&c->prev_hlc, v, i, "prev.hlc", err);
		if (rc != 0)
			return rc;
		v = json_object_get(prev, "site");
		if (v == NULL)
			return change_err(err, FS_EINVAL, i, "prev.site",
			                  "required key is missing");
		if (take_name(c->prev_site, v) != 0)
			return change_err(err, FS_EINVAL, i, "prev.site", NAME_RULE);
	}
	c->value = json_incref(slot[KEY_VALUE]);
	return 0;
}

/* One side of a conflict: {"value", "hlc", "site"}; out_hlc and out_site
 * receive its write. */
static int decode_conflict_side(fs_hlc *out_hlc, char *out_site, const json_t *side,
                                const char *field, size_t i, const char *name, fs_err *err)
{
	static const char *const keys[] = {"value", "hlc", "site", NULL};
	char path[32];
	const char *key;
	json_t *v;
	fs_err inner;
	size_t k;
	int rc;

	snprintf(path, sizeof(path), "conflict.%s", name);
	if (!json_is_object(side))
		return change_err(err, FS_EINVAL, i, path, "must be an object");
	json_object_foreach((json_t *)side, key, v)
	{
		for (k = 0; keys[k] != NULL; k++)
			if (strcmp(key, keys[k]) == 0)
				break;
		if (keys[k] == NULL)
			return change_err(err, FS_EINVAL, i, path, "unknown key \"%.40s\"", key);
	}
	for (k = 0; keys[k] != NULL; k++)
		if (json_object_get(side, keys[k]) == NULL)
			return change_err(err, FS_EINVAL, i, path, "required key \"%s\" is missing",
			                  keys[k]);
	snprintf(path, sizeof(path), "conflict.%s.value", name);
	fs_err_clear(&inner);
	if (fs_contact_field_check(field, json_object_get(side, "value"), &inner) != 0)
		return change_err(err, FS_EINVAL, i, path, "%s", inner.msg);
	snprintf(path, sizeof(path), "conflict.%s.hlc", name);
	rc = take_hlc(out_hlc, json_object_get(side, "hlc"), i, path, err);
	if (rc != 0)
		return rc;
	snprintf(path, sizeof(path), "conflict.%s.site", name);
	if (take_name(out_site, json_object_get(side, "site")) != 0)
		return change_err(err, FS_EINVAL, i, path, NAME_RULE);
	return 0;
}

static int decode_conflict(fs_change *c, json_t **slot, size_t i, const fs_codec_limits *limits,
                           fs_err *err)
{
	static const char *const keys[] = {"table", "record", "field", "winner", "loser", NULL};
	char field[FS_CONTACT_FIELD_MAX], site[FS_NAME_MAX + 1], expect[FS_ID_MAX + 1];
	const json_t *body = slot[KEY_CONFLICT], *v;
	const char *key, *s, *record;
	json_t *m;
	fs_hlc hlc;
	size_t k, len;
	int rc;

	if (take_name(c->region, slot[KEY_REGION]) != 0)
		return change_err(err, FS_EINVAL, i, "region", NAME_RULE);
	rc = check_value_caps(body, i, "conflict", limits, err);
	if (rc != 0)
		return rc;
	if (!json_is_object(body))
		return change_err(err, FS_EINVAL, i, "conflict", "must be an object");
	json_object_foreach((json_t *)body, key, m)
	{
		for (k = 0; keys[k] != NULL; k++)
			if (strcmp(key, keys[k]) == 0)
				break;
		if (keys[k] == NULL)
			return change_err(err, FS_EINVAL, i, "conflict", "unknown key \"%.40s\"",
			                  key);
	}
	for (k = 0; keys[k] != NULL; k++)
		if (json_object_get(body, keys[k]) == NULL)
			return change_err(err, FS_EINVAL, i, "conflict",
			                  "required key \"%s\" is missing", keys[k]);
	s = text_of(json_object_get(body, "table"), &len);
	if (s == NULL || strcmp(s, "contacts") != 0)
		return change_err(err, FS_EINVAL, i, "conflict.table", "must be contacts");
	record = text_of(json_object_get(body, "record"), &len);
	if (record == NULL || !fs_uuid_is_valid(record))
		return change_err(err, FS_EINVAL, i, "conflict.record", "must be a lowercase UUID");
	rc = decode_field_name(field, json_object_get(body, "field"), i, "conflict.field", err);
	if (rc != 0)
		return rc;
	/* The loser goes second so that hlc and site end up naming it. */
	rc = decode_conflict_side(&hlc, site, json_object_get(body, "winner"), field, i, "winner",
	                          err);
	if (rc != 0)
		return rc;
	rc = decode_conflict_side(&hlc, site, json_object_get(body, "loser"), field, i, "loser",
	                          err);
	if (rc != 0)
		return rc;
	v = slot[KEY_ID];
	s = text_of(v, &len);
	if (s == NULL)
		return change_err(err, FS_EINVAL, i, "id", "must be a string");
	fs_conflict_id(expect, record, field, hlc, site);
	if (strcmp(s, expect) != 0)
		return change_err(err, FS_EINVAL, i, "id",
		                  "must be record/field/loser hlc/loser site of the conflict");
	memcpy(c->id, s, len + 1);
	c->value = json_incref((json_t *)body);
	return 0;
}

/* An erasure: {"table": "contacts"|"responses", "region": name|null,
 * "holder": name|null, "request": UUID, "kind": admin|delete|retention|
 * withdraw}, every key required, no other; the change's id is the erased
 * record's (a UUID). */
static int decode_erasure(fs_change *c, json_t **slot, size_t i, fs_err *err)
{
	static const char *const keys[] = {"table", "region", "holder", "request", "kind", NULL};
	const json_t *body = slot[KEY_ERASURE], *v;
	char holder[FS_NAME_MAX + 1];
	const char *key, *s;
	json_t *m;
	size_t k, len;

	s = text_of(slot[KEY_ID], &len);
	if (s == NULL || !fs_uuid_is_valid(s))
		return change_err(err, FS_EINVAL, i, "id", "must be a lowercase UUID");
	memcpy(c->id, s, len + 1);
	if (!json_is_object(body))
		return change_err(err, FS_EINVAL, i, "erasure", "must be an object");
	json_object_foreach((json_t *)body, key, m)
	{
		for (k = 0; keys[k] != NULL; k++)
			if (strcmp(key, keys[k]) == 0)
				break;
		if (keys[k] == NULL)
			return change_err(err, FS_EINVAL, i, "erasure", "unknown key \"%.40s\"",
			                  key);
	}
	for (k = 0; keys[k] != NULL; k++)
		if (json_object_get(body, keys[k]) == NULL)
			return change_err(err, FS_EINVAL, i, "erasure",
			                  "required key \"%s\" is missing", keys[k]);
	s = text_of(json_object_get(body, "table"), &len);
	if (s == NULL || (strcmp(s, "contacts") != 0 && strcmp(s, "responses") != 0))
		return change_err(err, FS_EINVAL, i, "erasure.table", "must be contacts or responses");
	v = json_object_get(body, "region");
	if (!json_is_null(v) && take_name(c->region, v) != 0)
		return change_err(err, FS_EINVAL, i, "erasure.region", "null or " NAME_RULE);
	v = json_object_get(body, "holder");
	if (!json_is_null(v) && take_name(holder, v) != 0)
		return change_err(err, FS_EINVAL, i, "erasure.holder", "null or " NAME_RULE);
	s = text_of(json_object_get(body, "request"), &len);
	if (s == NULL || !fs_uuid_is_valid(s))
		return change_err(err, FS_EINVAL, i, "erasure.request", "must be a lowercase UUID");
	s = text_of(json_object_get(body, "kind"), &len);
	if (s == NULL || !fs_erasure_kind_is_valid(s))
		return change_err(err, FS_EINVAL, i, "erasure.kind",
		                  "must be admin, delete, retention or withdraw");
	c->value = json_incref((json_t *)body);
	return 0;
}

/* A resolution: {"chosen": "winner"|"loser"|"new", "value": the value
 * written}, both required, no other key; the change's id is the conflict's
 * (record/field/loser hlc/loser site), and value must be one that field
 * may hold (records.h fs_contact_field_check). */
static int decode_resolution(fs_change *c, json_t **slot, size_t i,
                             const fs_codec_limits *limits, fs_err *err)
{
	static const char *const keys[] = {"chosen", "value", NULL};
	char record[FS_UUID_LEN + 1], field[FS_CONTACT_FIELD_MAX], site[FS_NAME_MAX + 1];
	const json_t *body = slot[KEY_RESOLUTION];
	const char *key, *s;
	fs_err inner;
	fs_hlc hlc;
	json_t *m;
	size_t k, len;
	int rc;

	s = text_of(slot[KEY_ID], &len);
	if (s == NULL || fs_conflict_id_parse(s, record, field, &hlc, site) != 0)
		return change_err(err, FS_EINVAL, i, "id",
		                  "must be a conflict's id (record/field/loser hlc/loser site)");
	memcpy(c->id, s, len + 1);
	if (take_name(c->region, slot[KEY_REGION]) != 0)
		return change_err(err, FS_EINVAL, i, "region", NAME_RULE);
	rc = check_value_caps(body, i, "resolution", limits, err);
	if (rc != 0)
		return rc;
	if (!json_is_object(body))
		return change_err(err, FS_EINVAL, i, "resolution", "must be an object");
	json_object_foreach((json_t *)body, key, m)
	{
		for (k = 0; keys[k] != NULL; k++)
			if (strcmp(key, keys[k]) == 0)
				break;
		if (keys[k] == NULL)
			return change_err(err, FS_EINVAL, i, "resolution", "unknown key \"%.40s\"",
			                  key);
	}
	for (k = 0; keys[k] != NULL; k++)
		if (json_object_get(body, keys[k]) == NULL)
			return change_err(err, FS_EINVAL, i, "resolution",
			                  "required key \"%s\" is missing", keys[k]);
	s = text_of(json_object_get(body, "chosen"), &len);
	if (s == NULL || (strcmp(s, "winner") != 0 && strcmp(s, "loser") != 0 &&
	                  strcmp(s, "new") != 0))
		return change_err(err, FS_EINVAL, i, "resolution.chosen",
		                  "must be winner, loser or new");
	fs_err_clear(&inner);
	if (fs_contact_field_check(field, json_object_get(body, "value"), &inner) != 0)
		return change_err(err, FS_EINVAL, i, "resolution.value", "%s", inner.msg);
	c->value = json_incref((json_t *)body);
	return 0;
}

static int is_valid(const fs_column *col, const char *s)
{
	return s != NULL && (col->valid ? col->valid(s) : fs_name_is_valid(s));
}

/* A record table's change (tables.h): the id and region columns, then
 * "deleted": true (tables with tombstones) or the body, an object of
 * exactly the body columns, each checked by its column's rule, then the
 * rule across columns. */
static int decode_record(fs_change *c, const fs_table_desc *t, json_t **slot, const json_t *body,
                         size_t i, const fs_codec_limits *limits, fs_err *err)
{
	const fs_column *id = col_at(t, FS_AT_ID), *region = col_at(t, FS_AT_REGION);
	char path[FS_ERR_MSG_MAX / 4];
	fs_record_row row;
	const char *key, *s;
	json_t *m;
	size_t len;
	int k, rc;

	s = text_of(slot[KEY_ID], &len);
	if (s == NULL || len > FS_ID_MAX || !is_valid(id, s))
		return change_err(err, FS_EINVAL, i, "id", "%s", id->rule);
	memcpy(c->id, s, len + 1);
	if (region != NULL && take_name(c->region, slot[KEY_REGION]) != 0)
		return change_err(err, FS_EINVAL, i, "region", "%s", region->rule);
	if (t->tombstones) {
		rc = check_body_or_tombstone(c, body, slot[KEY_DELETED], t->body, i, err);
		if (rc != 0 || c->deleted)
			return rc;
	}
	rc = check_value_caps(body, i, t->body, limits, err);
	if (rc != 0)
		return rc;
	if (!json_is_object(body))
		return change_err(err, FS_EINVAL, i, t->body, "must be an object");
	json_object_foreach((json_t *)body, key, m)
	{
		for (k = 0; k < t->ncols; k++)
			if (t->cols[k].at == FS_AT_BODY && strcmp(key, t->cols[k].name) == 0)
				break;
		if (k == t->ncols)
			return change_err(err, FS_EINVAL, i, t->body, "unknown key \"%.40s\"", key);
	}
	for (k = 0; k < t->ncols; k++)
		if (t->cols[k].at == FS_AT_BODY && json_object_get(body, t->cols[k].name) == NULL)
			return change_err(err, FS_EINVAL, i, t->body, "required key \"%s\" is missing",
			                  t->cols[k].name);
	for (k = 0; k < t->ncols; k++) {
		const fs_column *col = &t->cols[k];
		const json_t *v = json_object_get(body, col->name);

		snprintf(path, sizeof(path), "%s.%s", t->body, col->name);
		if (col->at == FS_AT_BODY && (col->type == FS_COL_BOOL ? !json_is_boolean(v)
		                                                       : !is_valid(col, text_of(v, &len))))
			return change_err(err, FS_EINVAL, i, path, "%s", col->rule);
	}
	c->value = (json_t *)body; /* borrowed until every check passed */
	fs_record_from_change(t, c, &row);
	c->value = NULL;
	k = t->check ? t->check(&row) : -1;
	if (k >= 0) {
		snprintf(path, sizeof(path), "%s.%s", t->body, t->cols[k].name);
		return change_err(err, FS_EINVAL, i, path, "%s", t->cols[k].rule);
	}
	if (t->scoped && region == NULL) {
		s = row.col[t->region_col].text;
		snprintf(c->region, sizeof(c->region), "%s",
		         t->every_region && strcmp(s, t->every_region) == 0 ? "" : s);
	}
	c->value = json_incref((json_t *)body);
	return 0;
}

/* "must be one of questionnaires, responses, ..." */
static int table_unknown(size_t i, fs_err *err)
{
	char names[FS_ERR_MSG_MAX / 2] = "";
	size_t n = 0;
	int t;

	for (t = 0; t < fs_table_count; t++) {
		snprintf(names + n, sizeof(names) - n, "%s%s", t ? ", " : "", fs_tables[t].name);
		n += strlen(names + n);
	}
	return change_err(err, FS_EINVAL, i, "table", "must be one of %s", names);
}

static int decode_change(fs_change *c, json_t *obj, size_t i, const fs_codec_limits *limits,
                         fs_err *err)
{
	json_t *slot[KEY_COUNT + FS_TABLES_MAX] = {NULL}, *v;
	const fs_table_desc *desc;
	const table_rule *rule = NULL;
	table_rule record;
	const char *key, *s;
	unsigned mask = 0;
	size_t len, r;
	int k;

	if (!json_is_object(obj))
		return change_err(err, FS_EINVAL, i, NULL, "must be an object");
	json_object_foreach(obj, key, v)
	{
		k = key_index(key);
		if (k < 0)
			return change_err(err, FS_EINVAL, i, NULL, "unknown key \"%.40s\"", key);
		slot[k] = v;
		mask |= BIT(k);
	}
	if (slot[KEY_TABLE] == NULL)
		return change_err(err, FS_EINVAL, i, "table", "required key is missing");
	s = text_of(slot[KEY_TABLE], &len);
	desc = s != NULL ? fs_table_named(s) : NULL;
	if (desc == NULL)
		return table_unknown(i, err);
	for (r = 0; r < sizeof(table_rules) / sizeof(table_rules[0]); r++)
		if (table_rules[r].table == desc->table)
			rule = &table_rules[r];
	if (rule == NULL) { /* a record table: its body, region, "deleted" */
		k = KEY_COUNT + (int)(desc - fs_tables);
		record.table = desc->table;
		record.name = desc->name;
		record.allowed = K_COMMON | BIT(k) | (desc->tombstones ? BIT(KEY_DELETED) : 0);
		record.required = K_COMMON | (desc->tombstones ? 0 : BIT(k));
		if (col_at(desc, FS_AT_REGION) != NULL) {
			record.allowed |= BIT(KEY_REGION);
			record.required |= BIT(KEY_REGION);
		}
		rule = &record;
	}
	for (k = 0; k < KEY_COUNT + fs_table_count; k++) {
		if ((mask & BIT(k)) && !(rule->allowed & BIT(k)))
			return change_err(err, FS_EINVAL, i, NULL,
			                  "key \"%s\" does not belong in a %s change", key_name(k),
			                  rule->name);
		if (!(mask & BIT(k)) && (rule->required & BIT(k)))
			return change_err(err, FS_EINVAL, i, key_name(k), "required key is missing");
	}
	memset(c, 0, sizeof(*c));
	c->table = rule->table;
	if (take_hlc(&c->hlc, slot[KEY_HLC], i, "hlc", err) != 0)
		return FS_EINVAL;
	if (take_name(c->site, slot[KEY_SITE]) != 0)
		return change_err(err, FS_EINVAL, i, "site", NAME_RULE);
	switch (rule->table) {
	case FS_TABLE_QUESTIONNAIRES:
		return decode_questionnaire(c, slot, i, limits, err);
	case FS_TABLE_RESPONSES:
		return decode_response(c, slot, i, limits, err);
	case FS_TABLE_CONTACTS:
		return decode_contact(c, slot, mask, i, limits, err);
	case FS_TABLE_CONFLICTS:
		return decode_conflict(c, slot, i, limits, err);
	case FS_TABLE_ERASURES:
		return decode_erasure(c, slot, i, err);
	case FS_TABLE_RESOLUTIONS:
		return decode_resolution(c, slot, i, limits, err);
	default:
		return decode_record(c, desc, slot, slot[KEY_COUNT + (desc - fs_tables)], i, limits,
		                     err);
	}
}

/* *out is the value of root[key] when it is an integer from 0 to max, and 0
 * on every error: set first, so no caller can read it unset (GCC at -O3
 * on arm64 cannot see that fs_err_set never returns 0, and warned so). */
static int get_count(int64_t *out, const json_t *root, const char *key, int64_t max, fs_err *err)
{
	const json_t *v = json_object_get(root, key);

	*out = 0;
	if (v == NULL)
		return fs_err_set(err, FS_EINVAL, "%s: required key is missing", key);
	if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > max)
		return fs_err_set(err, FS_EINVAL, "%s: must be an integer from 0 to %" PRId64, key,
		                  max);
	*out = json_integer_value(v);
	return 0;
}

static int decode_root(fs_changeset *out, json_t *root, const fs_codec_limits *limits, fs_err *err)
{
	static const char *const keys[] = {"format", "site", "from",    "to",
	                                   "more",   "time", "changes", NULL};
	const char *key;
	json_t *v, *changes;
	int64_t time_ms;
	size_t i, n, len;
	int rc;

	if (!json_is_object(root))
		return fs_err_set(err, FS_EINVAL, "changeset: must be a JSON object");
	/* The format first: a newer format may differ in anything else. */
	v = json_object_get(root, "format");
	if (v == NULL)
		return fs_err_set(err, FS_EVERSION,
		                  "format: required key is missing (not a fieldsync change set)");
	key = text_of(v, &len);
	if (key == NULL || len != strlen(FS_CHANGESET_FORMAT) ||
	    memcmp(key, FS_CHANGESET_FORMAT, len) != 0)
		return fs_err_set(err, FS_EVERSION,
		                  "format: unsupported; this fieldsync reads \"%s\" only",
		                  FS_CHANGESET_FORMAT);
	json_object_foreach(root, key, v)
	{
		for (i = 0; keys[i] != NULL; i++)
			if (strcmp(key, keys[i]) == 0)
				break;
		if (keys[i] == NULL)
			return fs_err_set(err, FS_EINVAL, "changeset: unknown key \"%.40s\"", key);
	}
	v = json_object_get(root, "site");
	if (v == NULL)
		return fs_err_set(err, FS_EINVAL, "site: required key is missing");
	if (take_name(out->site, v) != 0)
		return fs_err_set(err, FS_EINVAL, "site: " NAME_RULE);
	rc = get_count(&out->from, root, "from", INT64_MAX, err);
	if (rc == 0)
		rc = get_count(&out->to, root, "to", INT64_MAX, err);
	if (rc != 0)
		return rc;
	if (out->from > out->to)
		return fs_err_set(err, FS_EINVAL, "from: must not be greater than to");
	v = json_object_get(root, "more");
	if (v == NULL)
		return fs_err_set(err, FS_EINVAL, "more: required key is missing");
	if (!json_is_boolean(v))
		return fs_err_set(err, FS_EINVAL, "more: must be true or false");
	out->more = json_is_true(v);
	rc = get_count(&time_ms, root, "time", (int64_t)FS_HLC_MS_MAX, err);
	if (rc != 0)
		return rc;
	out->time_ms = (uint64_t)time_ms;

	changes = json_object_get(root, "changes");
	if (changes == NULL)
		return fs_err_set(err, FS_EINVAL, "changes: required key is missing");
	if (!json_is_array(changes))
		return fs_err_set(err, FS_EINVAL, "changes: must be an array");
	n = json_array_size(changes);
	if (n > limits->max_changes)
		return fs_err_set(err, FS_ETOOBIG, "changes: %zu changes, more than the cap of %zu",
		                  n, limits->max_changes);
	if (n == 0)
		return 0;
	if (n > SIZE_MAX / sizeof(fs_change))
		return fs_err_set(err, FS_ENOMEM, "changeset: out of memory");
	out->changes = malloc(n * sizeof(fs_change));
	if (out->changes == NULL)
		return fs_err_set(err, FS_ENOMEM, "changeset: out of memory");
	out->alloc = n;
	for (i = 0; i < n; i++) {
		/* count moves on only once a change (and its value) is complete. */
		rc = decode_change(&out->changes[i], json_array_get(changes, i), i, limits, err);
		if (rc != 0)
			return rc;
		out->count++;
	}
	return 0;
}

/* Jansson's own messages quote the text near the fault, which may be
 * personal data; say what went wrong without it. */
static int parse_error(const json_error_t *je, fs_err *err)
{
	char text[JSON_ERROR_TEXT_LENGTH];
	const char *what = text;
	char *near;

	switch (json_error_code(je)) {
	case json_error_out_of_memory:
		return fs_err_set(err, FS_ENOMEM, "changeset: out of memory");
	case json_error_stack_overflow:
		what = "nests deeper than 32 levels";
		break;
	case json_error_invalid_utf8:
		what = "text is not valid UTF-8";
		break;
	case json_error_null_character:
	case json_error_null_byte_in_key:
		what = "text contains a NUL character (\\u0000)";
		break;
	case json_error_duplicate_key:
		what = "duplicate object key";
		break;
	case json_error_numeric_overflow:
		what = "number out of range";
		break;
	case json_error_end_of_input_expected:
		what = "unexpected text after the JSON document";
		break;
	default:
		snprintf(text, sizeof(text), "%s", je->text);
		near = strstr(text, " near ");
		if (near != NULL)
			*near = '\0';
		break;
	}
	return fs_err_set(err, FS_EBADJSON, "line %d column %d: %s", je->line, je->column, what);
}

/* Parse text that passed the pre-scan and check it into out. */
static int decode_scanned(fs_changeset *out, const char *json, size_t len,
                          const fs_codec_limits *limits, fs_err *err)
{
	json_error_t je;
	json_t *root = NULL;
	int rc;

	if (len == 0)
		return fs_err_set(err, FS_EBADJSON, "changeset: empty");
	root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &je);
	if (root == NULL)
		return parse_error(&je, err);
	rc = decode_root(out, root, limits, err);
	json_decref(root);
	return rc;
}

static void scan_init(fs_json_scan *scan, const fs_codec_limits *limits)
{
	fs_json_scan_init(scan, limits->max_changes, limits->max_decode_bytes, sizeof(fs_change));
}

int fs_changeset_decode(fs_changeset *out, const char *json, size_t len,
                        const fs_codec_limits *limits, fs_err *err)
{
	fs_codec_limits defaults;
	fs_json_scan scan;
	int rc;

	fs_changeset_init(out);
	if (limits == NULL) {
		fs_codec_limits_default(&defaults);
		limits = &defaults;
	}
	if (len > limits->max_inflated)
		return fs_err_set(err, FS_ETOOBIG,
		                  "changeset: %zu bytes of JSON, more than the cap of %zu", len,
		                  limits->max_inflated);
	scan_init(&scan, limits);
	rc = fs_json_scan_feed(&scan, json, len, err);
	if (rc == 0)
		rc = decode_scanned(out, json, len, limits, err);
	if (rc != 0)
		fs_changeset_free(out);
	return rc;
}

/* Inflated text collected and pre-scanned piece by piece. */
typedef struct unpack_sink {
	fs_buf text;
	fs_json_scan scan;
} unpack_sink;

static int unpack_take(void *ctx, const void *data, size_t n, fs_err *err)
{
	unpack_sink *u = ctx;
	int rc = fs_buf_append(&u->text, data, n);

	if (rc == FS_ETOOBIG)
		return fs_err_set(err, rc, "gzip: body inflates past the cap of %zu bytes",
		                  u->text.cap);
	if (rc != 0)
		return fs_err_set(err, rc, "changeset: out of memory");
	return fs_json_scan_feed(&u->scan, data, n, err);
}

int fs_changeset_unpack(fs_changeset *out, const void *gz, size_t n, const fs_codec_limits *limits,
                        fs_err *err)
{
	fs_codec_limits defaults;
	unpack_sink u;
	int rc;

	fs_changeset_init(out);
	if (limits == NULL) {
		fs_codec_limits_default(&defaults);
		limits = &defaults;
	}
	fs_buf_init(&u.text, limits->max_inflated);
	scan_init(&u.scan, limits);
	rc = fs_gzip_inflate_each(gz, n, unpack_take, &u, err);
	if (rc == 0)
		rc = decode_scanned(out, u.text.data, u.text.len, limits, err);
	fs_buf_free(&u.text);
	if (rc != 0)
		fs_changeset_free(out);
	return rc;
}
