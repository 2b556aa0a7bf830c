/* The hub's seal and signing keys (keys.h). */
#include "keys.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "fieldsync/backend.h"

#define B64 sodium_base64_VARIANT_ORIGINAL
#define SEAL_SK_B64 44
#define SIGN_SK_B64 88

static int meta_get(fs_store *s, const char *key, char *out, size_t len, fs_err *err)
{
	return fs_store_ops(s)->meta_get(fs_store_backend(s), key, out, len, err);
}

static int meta_put(fs_store *s, const char *key, const char *value, fs_err *err)
{
	return fs_store_ops(s)->meta_put(fs_store_backend(s), key, value, err);
}

/* A new seal key pair, stored, made current; in the caller's transaction. */
static int seal_key_new(fs_store *s, char keyid[FS_SEAL_KEYID_LEN + 1], fs_err *err)
{
	unsigned char pk[crypto_box_PUBLICKEYBYTES], sk[crypto_box_SECRETKEYBYTES];
	char name[sizeof(FS_SEAL_META_SECRET) + FS_SEAL_KEYID_LEN], b64[SEAL_SK_B64 + 1];
	int rc;

	crypto_box_keypair(pk, sk);
	fs_seal_key_id(keyid, pk);
	snprintf(name, sizeof(name), FS_SEAL_META_SECRET "%.16s", keyid);
	sodium_bin2base64(b64, sizeof(b64), sk, sizeof(sk), B64);
	rc = meta_put(s, name, b64, err);
	if (rc == 0)
		rc = meta_put(s, FS_SEAL_META_CURRENT, keyid, err);
	sodium_memzero(sk, sizeof(sk));
	sodium_memzero(b64, sizeof(b64));
	return rc;
}

static int sign_key_new(fs_store *s, fs_err *err)
{
	unsigned char pk[crypto_sign_PUBLICKEYBYTES], sk[crypto_sign_SECRETKEYBYTES];
	char b64[SIGN_SK_B64 + 1];
	int rc;

	crypto_sign_keypair(pk, sk);
	sodium_bin2base64(b64, sizeof(b64), sk, sizeof(sk), B64);
	rc = meta_put(s, FS_SIGN_META_SECRET, b64, err);
	sodium_memzero(sk, sizeof(sk));
	sodium_memzero(b64, sizeof(b64));
	return rc;
}

/* Is key present? 1, 0, or a negative error. */
static int has(fs_store *s, const char *key, fs_err *err)
{
	char v[SIGN_SK_B64 + 2];
	int rc = meta_get(s, key, v, sizeof(v), err);

	sodium_memzero(v, sizeof(v));
	if (rc == FS_ENOTFOUND) {
		fs_err_clear(err);
		return 0;
	}
	return rc == 0 ? 1 : rc;
}

/* Run fn in one write transaction (create-if-absent, rotate). */
static int in_write(fs_store *s, int (*fn)(fs_store *, void *, fs_err *), void *ctx, fs_err *err)
{
	const fs_backend_ops *ops = fs_store_ops(s);
	int rc;

	if (sodium_init() < 0)
		return fs_err_set(err, FS_EGENERIC, "hub keys: libsodium failed to initialise");
	rc = ops->begin(fs_store_backend(s), FS_TXN_WRITE, err);
	if (rc != 0)
		return rc;
	rc = fn(s, ctx, err);
	if (rc == 0)
		rc = ops->commit(fs_store_backend(s), err);
	else
		ops->rollback(fs_store_backend(s));
	return rc;
}

static int ensure_in(fs_store *s, void *ctx, fs_err *err)
{
	char keyid[FS_SEAL_KEYID_LEN + 1];
	int rc = has(s, FS_SEAL_META_CURRENT, err);

	(void)ctx;
	if (rc == 0)
		rc = seal_key_new(s, keyid, err);
	else if (rc == 1)
		rc = 0;
	if (rc == 0) {
		rc = has(s, FS_SIGN_META_SECRET, err);
		if (rc == 0)
			rc = sign_key_new(s, err);
		else if (rc == 1)
			rc = 0;
	}
	return rc;
}

int hub_keys_ensure(fs_store *s, fs_err *err)
{
	/* Most calls find both: no write transaction then. */
	if (has(s, FS_SEAL_META_CURRENT, NULL) == 1 && has(s, FS_SIGN_META_SECRET, NULL) == 1)
		return 0;
	return in_write(s, ensure_in, NULL, err);
}

static int rotate_in(fs_store *s, void *ctx, fs_err *err)
{
	int rc = ensure_in(s, NULL, err);

	return rc == 0 ? seal_key_new(s, ctx, err) : rc;
}

int hub_keys_rotate(fs_store *s, char keyid[FS_SEAL_KEYID_LEN + 1], fs_err *err)
{
	return in_write(s, rotate_in, keyid, err);
}

static int sign_secret(fs_store *s, char b64[SIGN_SK_B64 + 2], fs_err *err)
{
	int rc = hub_keys_ensure(s, err);

	if (rc == 0)
		rc = meta_get(s, FS_SIGN_META_SECRET, b64, SIGN_SK_B64 + 2, err);
	return rc;
}

int hub_keys_public_get(fs_store *s, hub_keys_public *out, fs_err *err)
{
	unsigned char sk[crypto_box_SECRETKEYBYTES], pk[crypto_box_PUBLICKEYBYTES];
	unsigned char ssk[crypto_sign_SECRETKEYBYTES], spk[crypto_sign_PUBLICKEYBYTES];
	char keyid[FS_SEAL_KEYID_LEN + 2], name[sizeof(FS_SEAL_META_SECRET) + FS_SEAL_KEYID_LEN];
	char b64[SIGN_SK_B64 + 2];
	size_t got = 0;
	int rc;

	memset(out, 0, sizeof(*out));
	rc = hub_keys_ensure(s, err);
	if (rc == 0)
		rc = meta_get(s, FS_SEAL_META_CURRENT, keyid, sizeof(keyid), err);
	if (rc != 0)
		return rc;
	snprintf(name, sizeof(name), FS_SEAL_META_SECRET "%.16s", keyid);
	rc = meta_get(s, name, b64, sizeof(b64), err);
	if (rc == 0 && (sodium_base642bin(sk, sizeof(sk), b64, strlen(b64), NULL, &got, NULL,
	                                  B64) != 0 ||
	                got != sizeof(sk)))
		rc = fs_err_set(err, FS_EGENERIC, "this hub's seal key %s is damaged in its store",
		                keyid);
	if (rc == 0) {
		crypto_scalarmult_base(pk, sk);
		snprintf(out->seal, sizeof(out->seal), "%s:", keyid);
		sodium_bin2base64(out->seal + strlen(out->seal), sizeof(out->seal) - strlen(out->seal),
		                  pk, sizeof(pk), B64);
		rc = sign_secret(s, b64, err);
	}
	if (rc == 0 && (sodium_base642bin(ssk, sizeof(ssk), b64, strlen(b64), NULL, &got, NULL,
	                                  B64) != 0 ||
	                got != sizeof(ssk)))
		rc = fs_err_set(err, FS_EGENERIC, "this hub's signing key is damaged in its store");
	if (rc == 0) {
		crypto_sign_ed25519_sk_to_pk(spk, ssk);
		sodium_bin2base64(out->sign, sizeof(out->sign), spk, sizeof(spk), B64);
		rc = fs_sign_make(out->seal_sig, b64, FS_SIGN_SEAL_KEY_PREFIX, out->seal, err);
	}
	sodium_memzero(sk, sizeof(sk));
	sodium_memzero(ssk, sizeof(ssk));
	sodium_memzero(b64, sizeof(b64));
	return rc;
}

int hub_keys_sign_wipe(fs_store *s, const char *site, char out[FS_SIGN_SIG_B64_MAX + 1],
                       fs_err *err)
{
	char b64[SIGN_SK_B64 + 2];
	int rc = sign_secret(s, b64, err);

	out[0] = '\0';
	if (rc == 0)
		rc = fs_sign_make(out, b64, FS_SIGN_WIPE_PREFIX, site, err);
	sodium_memzero(b64, sizeof(b64));
	return rc;
}
