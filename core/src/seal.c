/* Sealed responses and signed hub orders (fieldsync/seal.h). */
#include "fieldsync/seal.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fieldsync/authorize.h"
#include "fieldsync/backend.h"
#include "rows.h"
#include "store_internal.h"

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

int fs_seal_text(char **out, const char *pin, const void *plain, size_t n, fs_err *err)
{
	unsigned char pk[32], *sealed = NULL;
	size_t slen = n + crypto_box_SEALBYTES, blen, head = strlen(FS_SEAL_PREFIX) + FS_SEAL_KEYID_LEN + 1;
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
	memcpy(text, FS_SEAL_PREFIX, strlen(FS_SEAL_PREFIX));
	memcpy(text + strlen(FS_SEAL_PREFIX), pin, FS_SEAL_KEYID_LEN);
	text[head - 1] = ':';
	sodium_bin2base64(text + head, blen, sealed, slen, B64);
	*out = text;
	text = NULL;
cleanup:
	free(sealed);
	free(text);
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

int fs_seal_answers(fs_store *s, char **answers, fs_err *err)
{
	char pin[FS_SEAL_PIN_MAX + 2], *sealed = NULL, *text;
	json_t *o;
	int rc = meta_text(s, FS_SEAL_META_PIN, pin, sizeof(pin), err);

	if (rc == FS_ENOTFOUND) {
		fs_err_clear(err);
		return 0;
	}
	if (rc != 0)
		return rc;
	rc = fs_seal_text(&sealed, pin, *answers, strlen(*answers), err);
	if (rc != 0)
		return rc; /* a damaged pin: nothing is stored, in clear or not */
	o = json_pack("{s:s}", FS_SEAL_MARK, sealed);
	text = o ? json_dumps(o, FS_CANON_FLAGS) : NULL;
	json_decref(o);
	free(sealed);
	if (text == NULL)
		return fs_err_set(err, FS_ENOMEM, "seal: out of memory");
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
static int open_one(fs_store *s, key_cache *k, const char *text, json_t **plain, char *reason,
                    size_t rlen, fs_err *err)
{
	size_t plen = strlen(FS_SEAL_PREFIX), n = strlen(text), max, got = 0;
	unsigned char *box = NULL, *clear = NULL;
	const char *b64, *end = NULL;
	char id[FS_SEAL_KEYID_LEN + 1];
	int rc = 0;

	*plain = NULL;
	if (n < plen + FS_SEAL_KEYID_LEN + 1 || memcmp(text, FS_SEAL_PREFIX, plen) != 0 ||
	    !keyid_ok(text + plen, FS_SEAL_KEYID_LEN) || text[plen + FS_SEAL_KEYID_LEN] != ':') {
		snprintf(reason, rlen, "sealed answers: not " FS_SEAL_PREFIX "KEYID:BASE64");
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
	*plain = json_loadb((const char *)clear, got - crypto_box_SEALBYTES,
	                    JSON_REJECT_DUPLICATES, NULL);
	if (!json_is_object(*plain) || fs_seal_answers_text(*plain) != NULL) {
		json_decref(*plain);
		*plain = NULL;
		snprintf(reason, rlen, "sealed answers (key %s): opened, but not a JSON object of "
		                       "answers", id);
	}
	sodium_memzero(clear, got - crypto_box_SEALBYTES);
cleanup:
	free(box);
	free(clear);
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
			rc = open_one(hub, &k, text, &plain, reason, sizeof(reason), err);
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
