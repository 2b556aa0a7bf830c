/* Sealed responses and signed hub orders (fieldsync/seal.h). */
#include "fieldsync/seal.h"

#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fieldsync/authorize.h"
#include "fieldsync/backend.h"
#include "fieldsync/records.h"
#include "rows.h"
#include "store_internal.h"

#include <zlib.h>

#define B64 sodium_base64_VARIANT_ORIGINAL
#define SK_B64_MAX 44  /* BASE64(32-byte X25519 secret key) */
#define SIGN_SK_B64_MAX 88

static int need_sodium(fs_err *err)
{
	if (sodium_init() < 0)
		return fs_err_set(err, FS_EGENERIC, "seal: libsodium failed to initialise");
	return 0;
}

void fs_seal_key_id(char out[FS_SEAL_KEYID_LEN + 1], const unsigned char pk[32])
{
	unsigned char h[FS_SEAL_KEYID_LEN / 2];

	crypto_generichash(h, sizeof(h), pk, 32, NULL, 0);
	sodium_bin2hex(out, FS_SEAL_KEYID_LEN + 1, h, sizeof(h));
}

/* Decode exactly n bytes of base64 text (no whitespace, padding required). */
static int b64_exact(unsigned char *out, size_t n, const char *text, size_t len)
{
	size_t got = 0;
	const char *end = NULL;

	if (sodium_base642bin(out, n, text, len, NULL, &got, &end, B64) != 0 || got != n ||
	    end != text + len)
		return -1;
	return 0;
}

static int keyid_ok(const char *s, size_t n)
{
	size_t i;

	if (n != FS_SEAL_KEYID_LEN)
		return 0;
	for (i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return 1;
}

int fs_seal_pin_parse(const char *pin, unsigned char pk[32], fs_err *err)
{
	unsigned char key[32];
	char id[FS_SEAL_KEYID_LEN + 1];
	const char *colon = pin ? strchr(pin, ':') : NULL;
	int rc = need_sodium(err);

	if (rc != 0)
		return rc;
	if (colon == NULL || !keyid_ok(pin, (size_t)(colon - pin)) ||
	    b64_exact(key, sizeof(key), colon + 1, strlen(colon + 1)) != 0)
		return fs_err_set(err, FS_EINVAL,
		                  "seal key: expected KEYID:BASE64 (16 hex digits, a 32-byte key)");
	fs_seal_key_id(id, key);
	if (memcmp(id, pin, FS_SEAL_KEYID_LEN) != 0)
		return fs_err_set(err, FS_EINVAL, "seal key: key id %.16s does not match the key",
		                  pin);
	if (pk != NULL)
		memcpy(pk, key, sizeof(key));
	return 0;
}

static int seal_with(char **out, const char *prefix, const char *pin, const void *plain, size_t n,
                     fs_err *err);

int fs_seal_text(char **out, const char *pin, const void *plain, size_t n, fs_err *err)
{
	return seal_with(out, FS_SEAL_PREFIX, pin, plain, n, err);
}

static int seal_with(char **out, const char *prefix, const char *pin, const void *plain, size_t n,
                     fs_err *err)
{
	unsigned char pk[32], *sealed = NULL;
	size_t slen = n + crypto_box_SEALBYTES, blen, head = strlen(prefix) + FS_SEAL_KEYID_LEN + 1;
	char *text = NULL;
	int rc;

	*out = NULL;
	rc = fs_seal_pin_parse(pin, pk, err);
	if (rc != 0)
		return rc;
	if (n > (SIZE_MAX - crypto_box_SEALBYTES) / 2)
		return fs_err_set(err, FS_EINVAL, "seal: %zu bytes is too large", n);
	blen = sodium_base64_encoded_len(slen, B64);
	sealed = malloc(slen);
	text = malloc(head + blen);
	if (sealed == NULL || text == NULL) {
		rc = fs_err_set(err, FS_ENOMEM, "seal: out of memory");
		goto cleanup;
	}
	if (crypto_box_seal(sealed, plain, n, pk) != 0) {
		rc = fs_err_set(err, FS_EGENERIC, "seal: crypto_box_seal failed");
		goto cleanup;
	}
	memcpy(text, prefix, strlen(prefix));
	memcpy(text + strlen(prefix), pin, FS_SEAL_KEYID_LEN);
	text[head - 1] = ':';
	sodium_bin2base64(text + head, blen, sealed, slen, B64);
	*out = text;
	text = NULL;
cleanup:
	free(sealed);
	free(text);
	return rc;
}

/* ---- compression before sealing (fs2) ---- */

#define DICT_MAX (32u << 10) /* deflate's window: more would not be used */

static void dict_add(char *d, size_t *n, const char *a, const char *b, const char *c)
{
	const char *parts[3] = {a, b, c};
	int i;

	for (i = 0; i < 3; i++) {
		size_t k = parts[i] ? strlen(parts[i]) : 0;

		if (k == 0)
			continue;
		if (*n + k > DICT_MAX)
			return;
		memcpy(d + *n, parts[i], k);
		*n += k;
	}
}

/* The preset dictionary of a questionnaire's answers: each question id as
 * it opens an answer ("id":) and each option value as a string ("v",), in
 * document order, with the literals every answers text has. Built from the
 * document's structure, not its text, so a kiosk and a hub agree whatever
 * their JSON writer does with spacing or numbers. *out is malloc'd. */
static int answers_dict(const json_t *doc, char **out, size_t *n)
{
	const json_t *qs = json_object_get(doc, "questions"), *q, *o;
	size_t i, j;

	*n = 0;
	*out = malloc(DICT_MAX);
	if (*out == NULL)
		return FS_ENOMEM;
	dict_add(*out, n, "true,false,null,[]{}", NULL, NULL);
	json_array_foreach (qs, i, q) {
		dict_add(*out, n, "\"", json_string_value(json_object_get(q, "id")), "\":");
		json_array_foreach (json_object_get(q, "options"), j, o)
			if (json_is_string(json_object_get(o, "value")))
				dict_add(*out, n, "\"", json_string_value(json_object_get(o, "value")),
				         "\",");
	}
	return 0;
}

/* Raw deflate (level 9) of n bytes with doc's dictionary: *out malloc'd. */
static int deflate_answers(unsigned char **out, size_t *outlen, const json_t *doc,
                           const char *plain, size_t n, fs_err *err)
{
	char *dict = NULL;
	size_t dn = 0, cap;
	z_stream z;
	int rc;

	*out = NULL;
	if (answers_dict(doc, &dict, &dn) != 0)
		return fs_err_set(err, FS_ENOMEM, "seal: out of memory");
	memset(&z, 0, sizeof(z));
	if (deflateInit2(&z, 9, Z_DEFLATED, -15, 9, Z_DEFAULT_STRATEGY) != Z_OK) {
		free(dict);
		return fs_err_set(err, FS_ENOMEM, "seal: deflate failed to initialise");
	}
	cap = deflateBound(&z, (uLong)n);
	*out = malloc(cap);
	rc = *out == NULL ? FS_ENOMEM : 0;
	if (rc == 0 && dn > 0 && deflateSetDictionary(&z, (const Bytef *)dict, (uInt)dn) != Z_OK)
		rc = FS_EGENERIC;
	if (rc == 0) {
		z.next_in = (Bytef *)plain;
		z.avail_in = (uInt)n;
		z.next_out = *out;
		z.avail_out = (uInt)cap;
		if (deflate(&z, Z_FINISH) != Z_STREAM_END)
			rc = FS_EGENERIC;
		*outlen = cap - z.avail_out;
	}
	deflateEnd(&z);
	free(dict);
	if (rc != 0) {
		free(*out);
		*out = NULL;
		return fs_err_set(err, rc, "seal: deflate failed");
	}
	return 0;
}

/* Inflate what deflate_answers made, at most max bytes: *out malloc'd
 * (NUL-terminated). -1: not valid, or larger than max. */
static int inflate_answers(char **out, size_t *outlen, const json_t *doc, const unsigned char *in,
                           size_t n, size_t max)
{
	char *dict = NULL;
	size_t dn = 0;
	z_stream z;
	int rc = 0, zr;

	*out = NULL;
	if (answers_dict(doc, &dict, &dn) != 0)
		return FS_ENOMEM;
	memset(&z, 0, sizeof(z));
	if (inflateInit2(&z, -15) != Z_OK) {
		free(dict);
		return FS_ENOMEM;
	}
	*out = malloc(max + 1);
	if (*out == NULL)
		rc = FS_ENOMEM;
	if (rc == 0 && dn > 0 && inflateSetDictionary(&z, (const Bytef *)dict, (uInt)dn) != Z_OK)
		rc = -1;
	if (rc == 0) {
		z.next_in = (Bytef *)in;
		z.avail_in = (uInt)n;
		z.next_out = (Bytef *)*out;
		z.avail_out = (uInt)max;
		zr = inflate(&z, Z_FINISH);
		/* Raw deflate asks for the dictionary through Z_NEED_DICT only
		 * with a zlib header: set above, before the first call. */
		if (zr != Z_STREAM_END || z.avail_in != 0)
			rc = -1;
		*outlen = max - z.avail_out;
		(*out)[*outlen] = '\0';
	}
	inflateEnd(&z);
	free(dict);
	if (rc != 0) {
		free(*out);
		*out = NULL;
	}
	return rc;
}

const char *fs_seal_answers_text(const json_t *answers)
{
	if (!json_is_object(answers) || json_object_size(answers) != 1)
		return NULL;
	return json_string_value(json_object_get(answers, FS_SEAL_MARK));
}

static int meta_text(fs_store *s, const char *key, char *out, size_t len, fs_err *err)
{
	return s->ops->meta_get(s->b, key, out, len, err);
}

int fs_seal_pinned(fs_store *s)
{
	char pin[FS_SEAL_PIN_MAX + 2];

	return meta_text(s, FS_SEAL_META_PIN, pin, sizeof(pin), NULL) == 0;
}

int fs_seal_answers_with(char **out, const char *pin, const json_t *doc, const char *answers,
                         fs_err *err)
{
	unsigned char *packed = NULL;
	size_t plen = 0;
	char *sealed = NULL;
	json_t *o;
	int rc;

	*out = NULL;
	rc = deflate_answers(&packed, &plen, doc, answers, strlen(answers), err);
	if (rc == 0)
		rc = seal_with(&sealed, FS_SEAL_PREFIX_DEFLATE, pin, packed, plen, err);
	if (packed != NULL)
		sodium_memzero(packed, plen);
	free(packed);
	if (rc != 0)
		return rc; /* a damaged pin: nothing is stored, in clear or not */
	o = json_pack("{s:s}", FS_SEAL_MARK, sealed);
	*out = o ? json_dumps(o, FS_CANON_FLAGS) : NULL;
	json_decref(o);
	free(sealed);
	return *out == NULL ? fs_err_set(err, FS_ENOMEM, "seal: out of memory") : 0;
}

int fs_seal_answers(fs_store *s, const json_t *doc, char **answers, fs_err *err)
{
	char pin[FS_SEAL_PIN_MAX + 2], *text = NULL;
	int rc = meta_text(s, FS_SEAL_META_PIN, pin, sizeof(pin), err);

	if (rc == FS_ENOTFOUND) {
		fs_err_clear(err);
		return 0;
	}
	if (rc != 0)
		return rc;
	rc = fs_seal_answers_with(&text, pin, doc, *answers, err);
	if (rc != 0)
		return rc;
	sodium_memzero(*answers, strlen(*answers));
	free(*answers);
	*answers = text;
	return 0;
}

static int meta_put_txn(fs_store *s, const char *k1, const char *v1, const char *k2,
                        const char *v2, fs_err *err)
{
	int rc = s->ops->begin(s->b, FS_TXN_WRITE, err);

	if (rc != 0)
		return rc;
	rc = s->ops->meta_put(s->b, k1, v1, err);
	if (rc == 0 && k2 != NULL)
		rc = s->ops->meta_put(s->b, k2, v2, err);
	if (rc == 0)
		return s->ops->commit(s->b, err);
	s->ops->rollback(s->b);
	return rc;
}

int fs_seal_pin_keys(fs_store *s, const char *seal_pin, const char *sign_pk, fs_err *err)
{
	unsigned char pk[crypto_sign_PUBLICKEYBYTES];
	int rc = fs_seal_pin_parse(seal_pin, NULL, err);

	if (rc != 0)
		return rc;
	if (sign_pk == NULL || b64_exact(pk, sizeof(pk), sign_pk, strlen(sign_pk)) != 0)
		return fs_err_set(err, FS_EINVAL, "sign key: expected BASE64 of a 32-byte key");
	return meta_put_txn(s, FS_SEAL_META_PIN, seal_pin, FS_SIGN_META_PIN, sign_pk, err);
}

static int pinned_sign_key(fs_store *s, char out[FS_SIGN_KEY_B64_MAX + 2], fs_err *err)
{
	int rc = meta_text(s, FS_SIGN_META_PIN, out, FS_SIGN_KEY_B64_MAX + 2, err);

	if (rc == FS_ENOTFOUND) {
		fs_err_clear(err);
		return fs_err_set(err, FS_ENOTFOUND, "no hub signing key is pinned here");
	}
	return rc;
}

int fs_seal_adopt_key(fs_store *s, const char *header, int *changed, fs_err *err)
{
	char sign[FS_SIGN_KEY_B64_MAX + 2], pin[FS_SEAL_PIN_MAX + 1], have[FS_SEAL_PIN_MAX + 2];
	const char *sig = header ? strrchr(header, ':') : NULL;
	size_t n = sig ? (size_t)(sig - header) : 0;
	int rc;

	*changed = 0;
	if (sig == NULL || n >= sizeof(pin))
		return fs_err_set(err, FS_EINVAL, "seal key header: expected KEYID:BASE64:SIGNATURE");
	memcpy(pin, header, n);
	pin[n] = '\0';
	rc = fs_seal_pin_parse(pin, NULL, err);
	if (rc == 0)
		rc = pinned_sign_key(s, sign, err);
	if (rc == 0)
		rc = fs_sign_verify(sign, FS_SIGN_SEAL_KEY_PREFIX, pin, sig + 1, err);
	if (rc != 0)
		return rc;
	if (meta_text(s, FS_SEAL_META_PIN, have, sizeof(have), NULL) == 0 && strcmp(have, pin) == 0)
		return 0;
	rc = meta_put_txn(s, FS_SEAL_META_PIN, pin, NULL, NULL, err);
	if (rc == 0)
		*changed = 1;
	return rc;
}

int fs_seal_verify_wipe(fs_store *s, const char *sig, fs_err *err)
{
	char sign[FS_SIGN_KEY_B64_MAX + 2];
	int rc = pinned_sign_key(s, sign, err);

	if (rc != 0)
		return rc;
	if (s->site[0] == '\0')
		return fs_err_set(err, FS_EINVAL, "this store has no site identity");
	return fs_sign_verify(sign, FS_SIGN_WIPE_PREFIX, s->site, sig, err);
}

/* ---- opening at the hub ---- */

/* The secret key of the last key id looked up. */
typedef struct key_cache {
	char id[FS_SEAL_KEYID_LEN + 1];
	int found;
	unsigned char pk[32], sk[32];
} key_cache;

static int key_lookup(fs_store *s, key_cache *k, const char *id, fs_err *err)
{
	char name[sizeof(FS_SEAL_META_SECRET) + FS_SEAL_KEYID_LEN], b64[SK_B64_MAX + 2];
	int rc;

	if (strcmp(k->id, id) == 0)
		return 0;
	snprintf(k->id, sizeof(k->id), "%s", id);
	k->found = 0;
	snprintf(name, sizeof(name), FS_SEAL_META_SECRET "%s", id);
	rc = meta_text(s, name, b64, sizeof(b64), err);
	if (rc == FS_ENOTFOUND) {
		fs_err_clear(err);
		return 0;
	}
	if (rc != 0) {
		k->id[0] = '\0';
		return rc;
	}
	if (b64_exact(k->sk, sizeof(k->sk), b64, strlen(b64)) != 0) {
		sodium_memzero(b64, sizeof(b64));
		k->id[0] = '\0';
		return fs_err_set(err, FS_EGENERIC, "this hub's seal key %s is damaged in its store",
		                  id);
	}
	sodium_memzero(b64, sizeof(b64));
	crypto_scalarmult_base(k->pk, k->sk);
	k->found = 1;
	return 0;
}

/* Open one sealed text: *plain gets the parsed answers object. A problem
 * with the value sets reason (and returns 0, *plain NULL); a failure of
 * the hub itself returns its code. */
static int open_one(fs_store *s, key_cache *k, const json_t *doc, const char *text,
                    json_t **plain, char *reason, size_t rlen, fs_err *err)
{
	size_t plen = strlen(FS_SEAL_PREFIX), n = strlen(text), max, got = 0, clen = 0;
	unsigned char *box = NULL, *clear = NULL;
	char *inflated = NULL;
	const char *b64, *end = NULL;
	char id[FS_SEAL_KEYID_LEN + 1];
	int rc = 0, deflated;

	*plain = NULL;
	deflated = n >= plen && memcmp(text, FS_SEAL_PREFIX_DEFLATE, plen) == 0;
	if (n < plen + FS_SEAL_KEYID_LEN + 1 ||
	    (!deflated && memcmp(text, FS_SEAL_PREFIX, plen) != 0) ||
	    !keyid_ok(text + plen, FS_SEAL_KEYID_LEN) || text[plen + FS_SEAL_KEYID_LEN] != ':') {
		snprintf(reason, rlen, "sealed answers: not fs1: or fs2:KEYID:BASE64");
		return 0;
	}
	if (deflated && doc == NULL) {
		snprintf(reason, rlen, "sealed answers: their questionnaire version is not known here");
		return 0;
	}
	memcpy(id, text + plen, FS_SEAL_KEYID_LEN);
	id[FS_SEAL_KEYID_LEN] = '\0';
	rc = key_lookup(s, k, id, err);
	if (rc != 0)
		return rc;
	if (!k->found) {
		snprintf(reason, rlen, "answers sealed to unknown key %s", id);
		return 0;
	}
	b64 = text + plen + FS_SEAL_KEYID_LEN + 1;
	n = strlen(b64);
	max = n / 4 * 3 + 3; /* the decoded size is at most this: bounded by the value cap */
	box = malloc(max);
	if (box == NULL)
		return fs_err_set(err, FS_ENOMEM, "open sealed answers: out of memory");
	if (sodium_base642bin(box, max, b64, n, NULL, &got, &end, B64) != 0 || end != b64 + n) {
		snprintf(reason, rlen, "sealed answers (key %s): bad base64", id);
		goto cleanup;
	}
	if (got < crypto_box_SEALBYTES) {
		snprintf(reason, rlen, "sealed answers (key %s): too short to be sealed", id);
		goto cleanup;
	}
	clear = malloc(got - crypto_box_SEALBYTES + 1);
	if (clear == NULL) {
		rc = fs_err_set(err, FS_ENOMEM, "open sealed answers: out of memory");
		goto cleanup;
	}
	if (crypto_box_seal_open(clear, box, got, k->pk, k->sk) != 0) {
		snprintf(reason, rlen,
		         "sealed answers (key %s): cannot be opened (altered, or sealed to another "
		         "key)",
		         id);
		goto cleanup;
	}
	clen = got - crypto_box_SEALBYTES;
	if (deflated) {
		rc = inflate_answers(&inflated, &clen, doc, clear, clen, FS_SEAL_PLAIN_MAX);
		sodium_memzero(clear, got - crypto_box_SEALBYTES);
		if (rc == FS_ENOMEM) {
			rc = fs_err_set(err, FS_ENOMEM, "open sealed answers: out of memory");
			goto cleanup;
		}
		if (rc != 0) {
			rc = 0;
			snprintf(reason, rlen,
			         "sealed answers (key %s): opened, but not deflated answers of at "
			         "most %u bytes",
			         id, FS_SEAL_PLAIN_MAX);
			goto cleanup;
		}
	}
	*plain = json_loadb(deflated ? inflated : (const char *)clear, clen,
	                    JSON_REJECT_DUPLICATES, NULL);
	if (!json_is_object(*plain) || fs_seal_answers_text(*plain) != NULL) {
		json_decref(*plain);
		*plain = NULL;
		snprintf(reason, rlen, "sealed answers (key %s): opened, but not a JSON object of "
		                       "answers", id);
	}
	if (deflated)
		sodium_memzero(inflated, clen);
	else
		sodium_memzero(clear, clen);
cleanup:
	free(box);
	free(clear);
	free(inflated);
	return rc;
}

/* A response change that could not be opened, quarantined in the merge's
 * transaction. */
typedef struct unopened {
	size_t index; /* in the received set */
	char reason[160];
} unopened;

typedef struct seal_merge {
	const fs_changeset *cs; /* as received */
	const fs_merge_opts *opts;
	unopened *bad;
	size_t nbad;
} seal_merge;

static int quarantine_unopened(void *ctx, fs_store *s, const fs_changeset *cs, fs_err *err)
{
	seal_merge *m = ctx;
	size_t i;
	int rc = 0;

	for (i = 0; i < m->nbad && rc == 0; i++) {
		const fs_change *c = &m->cs->changes[m->bad[i].index];
		char *text = json_dumps(c->value, FS_CANON_FLAGS);

		if (text == NULL)
			return fs_err_set(err, FS_ENOMEM, "quarantine: out of memory");
		rc = fs_rows_quarantine(s, m->cs->site, "responses", c->id, m->bad[i].reason, text,
		                        err);
		free(text);
	}
	if (rc == 0 && m->opts->on_commit != NULL)
		rc = m->opts->on_commit(m->opts->on_commit_ctx, s, cs, err);
	return rc;
}

/* The questionnaire of the last sealed response opened (its dictionary). */
typedef struct doc_cache {
	char id[FS_ID_MAX + 1];
	int64_t version;
	json_t *doc; /* NULL: not held here */
} doc_cache;

static int doc_of(fs_store *hub, doc_cache *dc, const json_t *body, fs_err *err)
{
	const char *id = json_string_value(json_object_get(body, "questionnaire"));
	int64_t version = json_integer_value(json_object_get(body, "version"));
	fs_err qerr = {0, ""};
	int rc;

	if (id == NULL)
		id = "";
	if (dc->version == version && strcmp(dc->id, id) == 0)
		return 0;
	json_decref(dc->doc);
	dc->doc = NULL;
	snprintf(dc->id, sizeof(dc->id), "%s", id);
	dc->version = version;
	rc = version > 0 ? fs_questionnaire_get(hub, &dc->doc, id, version, &qerr) : FS_ENOTFOUND;
	if (rc == FS_ENOTFOUND)
		return 0;
	if (rc != 0) {
		dc->id[0] = '\0';
		dc->version = 0;
		return fs_err_set(err, rc, "%s", qerr.msg);
	}
	return 0;
}

static int is_sealed_change(const fs_change *c)
{
	return c->table == FS_TABLE_RESPONSES && !c->deleted &&
	       json_object_get(json_object_get(c->value, "answers"), FS_SEAL_MARK) != NULL;
}

int fs_seal_merge(fs_store *hub, const fs_changeset *cs, const fs_merge_opts *opts,
                  fs_merge_result *res, fs_err *err)
{
	fs_merge_opts none = {0, NULL, NULL, NULL, NULL}, o;
	fs_changeset open;
	seal_merge m = {cs, NULL, NULL, 0};
	doc_cache dc = {"", 0, NULL};
	key_cache k;
	size_t i, sealed = 0;
	int rc = 0;

	if (opts == NULL)
		opts = &none;
	for (i = 0; i < cs->count; i++)
		sealed += (size_t)is_sealed_change(&cs->changes[i]);
	if (sealed == 0)
		return fs_merge_apply(hub, cs, opts, res, err);
	rc = need_sodium(err);
	if (rc != 0)
		return rc;
	memset(&k, 0, sizeof(k));
	open = *cs;
	open.count = 0;
	open.alloc = cs->count;
	open.changes = calloc(cs->count, sizeof(*open.changes));
	m.bad = calloc(sealed, sizeof(*m.bad));
	if (open.changes == NULL || m.bad == NULL) {
		rc = fs_err_set(err, FS_ENOMEM, "open sealed answers: out of memory");
		goto cleanup;
	}
	for (i = 0; i < cs->count && rc == 0; i++) {
		const fs_change *c = &cs->changes[i];
		const char *text;
		json_t *plain = NULL, *v;
		char reason[sizeof(m.bad[0].reason)] = "";

		if (!is_sealed_change(c)) {
			open.changes[open.count] = *c;
			open.changes[open.count++].value = json_incref(c->value);
			continue;
		}
		/* Authorized like any change of the set, opened or not. */
		rc = fs_authorize_change(opts->authz, i, c, err);
		if (rc != 0)
			break;
		text = fs_seal_answers_text(json_object_get(c->value, "answers"));
		if (text == NULL)
			snprintf(reason, sizeof(reason),
			         "sealed answers: \"" FS_SEAL_MARK "\" must be the only key, a string");
		else
			rc = doc_of(hub, &dc, c->value, err);
		if (rc == 0 && text != NULL)
			rc = open_one(hub, &k, dc.doc, text, &plain, reason, sizeof(reason), err);
		if (rc != 0)
			break;
		if (plain == NULL) {
			m.bad[m.nbad].index = i;
			memcpy(m.bad[m.nbad++].reason, reason, sizeof(reason));
			continue;
		}
		v = json_copy(c->value);
		if (v == NULL || json_object_set_new(v, "answers", plain) != 0) {
			json_decref(v);
			rc = fs_err_set(err, FS_ENOMEM, "open sealed answers: out of memory");
			break;
		}
		open.changes[open.count] = *c;
		open.changes[open.count++].value = v;
	}
	if (rc == 0) {
		o = *opts;
		m.opts = opts;
		if (m.nbad > 0) {
			o.on_commit = quarantine_unopened;
			o.on_commit_ctx = &m;
		}
		rc = fs_merge_apply(hub, &open, &o, res, err);
		if (rc == 0 && res != NULL)
			res->quarantined += (long)m.nbad;
	}
cleanup:
	json_decref(dc.doc);
	sodium_memzero(&k, sizeof(k));
	for (i = 0; i < open.count; i++)
		json_decref(open.changes[i].value);
	free(open.changes);
	free(m.bad);
	return rc;
}

/* ---- signatures ---- */

static int signed_message(unsigned char **out, size_t *n, const char *prefix,
                          const char *subject, fs_err *err)
{
	size_t a = strlen(prefix), b = strlen(subject);

	*out = malloc(a + b + 1);
	if (*out == NULL)
		return fs_err_set(err, FS_ENOMEM, "sign: out of memory");
	memcpy(*out, prefix, a);
	memcpy(*out + a, subject, b);
	*n = a + b;
	return 0;
}

int fs_sign_verify(const char *pk_b64, const char *prefix, const char *subject,
                   const char *sig_b64, fs_err *err)
{
	unsigned char pk[crypto_sign_PUBLICKEYBYTES], sig[crypto_sign_BYTES], *msg = NULL;
	size_t n = 0;
	int rc = need_sodium(err);

	if (rc != 0)
		return rc;
	if (pk_b64 == NULL || b64_exact(pk, sizeof(pk), pk_b64, strlen(pk_b64)) != 0)
		return fs_err_set(err, FS_EINVAL, "no valid pinned hub signing key");
	if (sig_b64 == NULL || b64_exact(sig, sizeof(sig), sig_b64, strlen(sig_b64)) != 0)
		return fs_err_set(err, FS_EINVAL, "signature missing or not 64 bytes of base64");
	rc = signed_message(&msg, &n, prefix, subject, err);
	if (rc != 0)
		return rc;
	if (crypto_sign_verify_detached(sig, msg, n, pk) != 0)
		rc = fs_err_set(err, FS_EINVAL, "signature does not verify with the pinned hub key");
	free(msg);
	return rc;
}

int fs_sign_make(char out[FS_SIGN_SIG_B64_MAX + 1], const char *sk_b64, const char *prefix,
                 const char *subject, fs_err *err)
{
	unsigned char sk[crypto_sign_SECRETKEYBYTES], sig[crypto_sign_BYTES], *msg = NULL;
	size_t n = 0;
	int rc = need_sodium(err);

	out[0] = '\0';
	if (rc != 0)
		return rc;
	if (b64_exact(sk, sizeof(sk), sk_b64, strlen(sk_b64)) != 0)
		return fs_err_set(err, FS_EGENERIC, "this hub's signing key is damaged in its store");
	rc = signed_message(&msg, &n, prefix, subject, err);
	if (rc == 0) {
		crypto_sign_detached(sig, NULL, msg, n, sk);
		sodium_bin2base64(out, FS_SIGN_SIG_B64_MAX + 1, sig, sizeof(sig), B64);
	}
	sodium_memzero(sk, sizeof(sk));
	free(msg);
	return rc;
}
