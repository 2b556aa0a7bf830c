/* Tests for core/src/receipt.c: receipt codes (making, reading back
 * forgivingly, the check character) and the hash stores keep. */
#include "fieldsync/receipt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test.h"

static const char alphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

static void receipt_new_is_shown_grouped_and_checks(void)
{
	char code[FS_RECEIPT_SHOWN_LEN + 1], data[FS_RECEIPT_DATA_LEN + 1];
	fs_err err = {0};
	int i;

	for (i = 0; i < 200; i++) {
		CHECK(fs_receipt_new(code, &err) == 0);
		CHECK(strlen(code) == FS_RECEIPT_SHOWN_LEN);
		CHECK(code[4] == '-' && code[9] == '-' && code[14] == '-');
		CHECK_MSG(fs_receipt_parse(code, data, &err) == 0, "%s", err.msg);
	}
}

static void receipt_new_is_random(void)
{
	char a[FS_RECEIPT_SHOWN_LEN + 1], b[FS_RECEIPT_SHOWN_LEN + 1];

	CHECK(fs_receipt_new(a, NULL) == 0);
	CHECK(fs_receipt_new(b, NULL) == 0);
	CHECK(strcmp(a, b) != 0);
}

/* A known vector: value 0 checks with '0'; value 1 with '1'. */
static void receipt_known_checks(void)
{
	char out[FS_RECEIPT_SHOWN_LEN + 1], data[FS_RECEIPT_DATA_LEN + 1];

	CHECK(fs_receipt_show("000000000000", out, NULL) == 0);
	CHECK_STR(out, "0000-0000-0000-0");
	CHECK(fs_receipt_show("000000000001", out, NULL) == 0);
	CHECK_STR(out, "0000-0000-0001-1");
	/* 36 -> check symbol 'U' (value 36 = 0b100100 = "14") */
	CHECK(fs_receipt_show("000000000014", out, NULL) == 0);
	CHECK_STR(out, "0000-0000-0014-U");
	CHECK(fs_receipt_parse("0000 0000 0014 u", data, NULL) == 0);
	CHECK_STR(data, "000000000014");
}

static void receipt_parse_forgives(void)
{
	char code[FS_RECEIPT_SHOWN_LEN + 1], data[FS_RECEIPT_DATA_LEN + 1];
	char typed[64], want[FS_RECEIPT_DATA_LEN + 1];
	fs_err err = {0};
	size_t i, o = 0;

	CHECK(fs_receipt_show("0011ABCDEFGH", code, NULL) == 0);
	/* lowercase, O for 0, I and L for 1, spaces instead of dashes */
	snprintf(typed, sizeof(typed), " oO iL ab cd  ef gh %c ", code[15]);
	CHECK_MSG(fs_receipt_parse(typed, data, &err) == 0, "%s", err.msg);
	CHECK_STR(data, "0011ABCDEFGH");
	for (i = 0; code[i]; i++)
		if (code[i] != '-' && o < FS_RECEIPT_DATA_LEN)
			want[o++] = code[i];
	want[o] = '\0';
	CHECK_STR(data, want);
}

/* Every single-character substitution and every swap of two neighbours
 * is caught by the check character. */
static void receipt_parse_catches_typos(void)
{
	char code[FS_RECEIPT_SHOWN_LEN + 1], bad[FS_RECEIPT_SHOWN_LEN + 1];
	char data[FS_RECEIPT_DATA_LEN + 1];
	int round, pos, k, caught = 0;

	for (round = 0; round < 20; round++) {
		CHECK(fs_receipt_new(code, NULL) == 0);
		for (pos = 0; pos < 15; pos++) {
			if (code[pos] == '-')
				continue;
			for (k = 0; k < 32; k++) {
				if (alphabet[k] == code[pos])
					continue;
				memcpy(bad, code, sizeof(bad));
				bad[pos] = alphabet[k];
				CHECK_MSG(fs_receipt_parse(bad, data, NULL) < 0, "%s", bad);
				caught++;
			}
			if (pos + 1 < 14 && code[pos + 1] != '-' && code[pos + 1] != code[pos]) {
				memcpy(bad, code, sizeof(bad));
				bad[pos] = code[pos + 1];
				bad[pos + 1] = code[pos];
				CHECK_MSG(fs_receipt_parse(bad, data, NULL) < 0, "%s", bad);
			}
		}
	}
	CHECK(caught > 0);
}

static void receipt_parse_refuses_malformed(void)
{
	char data[FS_RECEIPT_DATA_LEN + 1];
	fs_err err = {0};
	char longer[200];

	CHECK(fs_receipt_parse(NULL, data, NULL) == FS_EINVAL);
	CHECK(fs_receipt_parse("", data, NULL) == FS_EINVAL);
	CHECK(fs_receipt_parse("0000-0000-000", data, NULL) == FS_EINVAL);
	CHECK(fs_receipt_parse("0000-0000-0000-00", data, NULL) == FS_EINVAL);
	CHECK(fs_receipt_parse("0000-0000-000U-0", data, NULL) == FS_EINVAL);
	CHECK(fs_receipt_parse("0000-0000-0000-!", data, NULL) == FS_EINVAL);
	CHECK(fs_receipt_parse("0000-0000-0000-1", data, &err) == FS_EINVAL);
	CHECK(strstr(err.msg, "0000") == NULL); /* never repeats the code */
	memset(longer, ' ', sizeof(longer) - 1);
	longer[sizeof(longer) - 1] = '\0';
	CHECK(fs_receipt_parse(longer, data, NULL) == FS_EINVAL);
	CHECK(data[0] == '\0');
}

static void receipt_hash_is_domain_separated_and_normalised(void)
{
	char h1[FS_RECEIPT_HASH_HEX + 1], h2[FS_RECEIPT_HASH_HEX + 1];
	char data[FS_RECEIPT_DATA_LEN + 1], code[FS_RECEIPT_SHOWN_LEN + 1];

	CHECK(fs_receipt_hash("0011ABCDEFGH", h1, NULL) == 0);
	CHECK(fs_receipt_hash_valid(h1, strlen(h1)));
	CHECK(fs_receipt_show("0011ABCDEFGH", code, NULL) == 0);
	code[0] = 'o';
	code[2] = 'i';
	CHECK(fs_receipt_parse(code, data, NULL) == 0);
	CHECK(fs_receipt_hash(data, h2, NULL) == 0);
	CHECK_STR(h1, h2);
	CHECK(fs_receipt_hash("0011ABCDEFGJ", h2, NULL) == 0);
	CHECK(strcmp(h1, h2) != 0);
	/* not normalised: refused, never hashed to a second value */
	CHECK(fs_receipt_hash("0o11abcdefgh", h2, NULL) == FS_EINVAL);
	CHECK(fs_receipt_hash("0011ABCDEFG", h2, NULL) == FS_EINVAL);
}

/* A fixed vector, computed independently (Python's hashlib.blake2b,
 * digest_size=32, of b"fieldsync-receipt/1\x00" + b"000000000000"), so
 * the JavaScript or another implementation can be held to the same. */
static void receipt_hash_vector(void)
{
	char h[FS_RECEIPT_HASH_HEX + 1];

	CHECK(fs_receipt_hash("0000000000000", h, NULL) == FS_EINVAL);
	CHECK(fs_receipt_hash("000000000000", h, NULL) == 0);
	CHECK_STR(h, "f114349ad47745d44a13f9dca87c73bef16fb4f295022c991534e7415731dc1c");
}

static void receipt_hash_valid_rule(void)
{
	const char *ok = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

	CHECK(fs_receipt_hash_valid(ok, 64));
	CHECK(!fs_receipt_hash_valid(ok, 63));
	CHECK(!fs_receipt_hash_valid("0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef", 64));
	CHECK(!fs_receipt_hash_valid("0123456789abcdeg0123456789abcdef0123456789abcdef0123456789abcdef", 64));
	CHECK(!fs_receipt_hash_valid(NULL, 64));
}

int main(void)
{
	RUN(receipt_new_is_shown_grouped_and_checks);
	RUN(receipt_new_is_random);
	RUN(receipt_known_checks);
	RUN(receipt_parse_forgives);
	RUN(receipt_parse_catches_typos);
	RUN(receipt_parse_refuses_malformed);
	RUN(receipt_hash_is_domain_separated_and_normalised);
	RUN(receipt_hash_vector);
	RUN(receipt_hash_valid_rule);
	return TEST_DONE();
}
