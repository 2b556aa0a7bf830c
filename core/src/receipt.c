/* fieldsync: receipt codes (fieldsync/receipt.h). */
#include "fieldsync/receipt.h"

#include <sodium.h>
#include <stdint.h>
#include <string.h>

static const char alphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ*~$=U";

/* Only the 12 data characters and the prefix are hashed, so a shown,
 * typed or lowercase form of one code gives one hash. The NUL ends the
 * prefix so no other use of BLAKE2b on such text can collide with it. */
static const char prefix[] = "fieldsync-receipt/1"; /* hashed with its NUL */

/* c after forgiving what people do when copying: any case, O for 0, I or
 * L for 1. A lowercase u stays U (a check symbol only). */
static int forgive(int c)
{
	if (c >= 'a' && c <= 'z')
		c -= 'a' - 'A';
	if (c == 'O')
		return '0';
	if (c == 'I' || c == 'L')
		return '1';
	return c;
}

/* The value (0-36) of a check character after forgiving, or -1. */
static int check_value(int c)
{
	const char *p;

	c = forgive(c);
	if (c == 0)
		return -1;
	p = strchr(alphabet, c);
	return p != NULL ? (int)(p - alphabet) : -1;
}

/* The value (0-31) of a data character after forgiving, or -1. */
static int data_value(int c)
{
	int v = check_value(c);

	return v < 32 ? v : -1;
}

static uint64_t value_of(const char *data)
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < FS_RECEIPT_DATA_LEN; i++)
		v = (v << 5) | (uint64_t)data_value((unsigned char)data[i]);
	return v;
}

int fs_receipt_show(const char *data, char out[FS_RECEIPT_SHOWN_LEN + 1], fs_err *err)
{
	int i, o = 0;

	for (i = 0; i < FS_RECEIPT_DATA_LEN; i++)
		if (data[i] == '\0' || data_value((unsigned char)data[i]) < 0 ||
		    alphabet[data_value((unsigned char)data[i])] != data[i])
			return fs_err_set(err, FS_EINVAL, "receipt: not 12 normalised data characters");
	if (data[FS_RECEIPT_DATA_LEN] != '\0')
		return fs_err_set(err, FS_EINVAL, "receipt: not 12 normalised data characters");
	for (i = 0; i < FS_RECEIPT_DATA_LEN; i++) {
		if (i > 0 && i % 4 == 0)
			out[o++] = '-';
		out[o++] = data[i];
	}
	out[o++] = '-';
	out[o++] = alphabet[value_of(data) % 37];
	out[o] = '\0';
	return 0;
}

int fs_receipt_new(char out[FS_RECEIPT_SHOWN_LEN + 1], fs_err *err)
{
	unsigned char r[8];
	char data[FS_RECEIPT_DATA_LEN + 1];
	uint64_t v = 0;
	int i;

	if (sodium_init() < 0)
		return fs_err_set(err, FS_EGENERIC, "receipt: libsodium could not be initialised");
	randombytes_buf(r, sizeof(r));
	for (i = 0; i < 8; i++)
		v = (v << 8) | r[i];
	for (i = FS_RECEIPT_DATA_LEN - 1; i >= 0; i--, v >>= 5)
		data[i] = alphabet[v & 31];
	data[FS_RECEIPT_DATA_LEN] = '\0';
	sodium_memzero(r, sizeof(r));
	i = fs_receipt_show(data, out, err);
	sodium_memzero(data, sizeof(data));
	return i;
}

int fs_receipt_parse(const char *typed, char data[FS_RECEIPT_DATA_LEN + 1], fs_err *err)
{
	char got[FS_RECEIPT_DATA_LEN + 1];
	size_t i;
	int n = 0, check = -1, v;

	data[0] = '\0';
	if (typed == NULL)
		return fs_err_set(err, FS_EINVAL, "receipt code: missing");
	for (i = 0; typed[i] != '\0'; i++) {
		int c = (unsigned char)typed[i];

		if (i >= FS_RECEIPT_INPUT_MAX)
			return fs_err_set(err, FS_EINVAL,
			                  "receipt code: too long (a code has 13 characters)");
		if (c == ' ' || c == '-' || c == '\t')
			continue;
		if (check >= 0)
			return fs_err_set(err, FS_EINVAL,
			                  "receipt code: too long (a code has 13 characters)");
		if (n < FS_RECEIPT_DATA_LEN) {
			v = data_value(c);
			if (v < 0)
				return fs_err_set(err, FS_EINVAL,
				                  "receipt code: character %d is not one a code uses",
				                  n + 1);
			got[n++] = alphabet[v];
		} else {
			check = check_value(c);
			if (check < 0)
				return fs_err_set(err, FS_EINVAL,
				                  "receipt code: the last character is not one a code uses");
		}
	}
	if (check < 0)
		return fs_err_set(err, FS_EINVAL,
		                  "receipt code: too short (a code has 13 characters)");
	got[n] = '\0';
	if (value_of(got) % 37 != (uint64_t)check)
		return fs_err_set(err, FS_EINVAL,
		                  "receipt code: it does not check out; look again for a mistyped character");
	memcpy(data, got, sizeof(got));
	sodium_memzero(got, sizeof(got));
	return 0;
}

int fs_receipt_hash(const char *data, char hex[FS_RECEIPT_HASH_HEX + 1], fs_err *err)
{
	crypto_generichash_state st;
	unsigned char h[32];
	char shown[FS_RECEIPT_SHOWN_LEN + 1];

	/* Only normalised data is hashed: one code, one hash. */
	if (fs_receipt_show(data, shown, err) < 0)
		return err != NULL ? err->code : FS_EINVAL;
	if (sodium_init() < 0)
		return fs_err_set(err, FS_EGENERIC, "receipt: libsodium could not be initialised");
	crypto_generichash_init(&st, NULL, 0, sizeof(h));
	crypto_generichash_update(&st, (const unsigned char *)prefix, sizeof(prefix));
	crypto_generichash_update(&st, (const unsigned char *)data, FS_RECEIPT_DATA_LEN);
	crypto_generichash_final(&st, h, sizeof(h));
	sodium_bin2hex(hex, FS_RECEIPT_HASH_HEX + 1, h, sizeof(h));
	sodium_memzero(shown, sizeof(shown));
	return 0;
}

int fs_receipt_hash_valid(const char *s, size_t n)
{
	size_t i;

	if (s == NULL || n != FS_RECEIPT_HASH_HEX)
		return 0;
	for (i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return 1;
}
