/* fieldsync: a person's receipt code (issue 13 item 3, docs/reciprocity.md
 * "Your receipt").
 *
 * A code is 60 random bits (libsodium randombytes), never derived from the
 * response: 12 Crockford base32 characters and one check character (the
 * 60-bit value mod 37, Crockford's check symbols 0-9 A-Z without I L O U,
 * then * ~ $ = U), shown XXXX-XXXX-XXXX-C. Reading one back forgives what
 * people do when copying: any case, O for 0, I or L for 1, spaces and
 * dashes anywhere; the check character catches one mistyped character (and
 * any swap of two neighbours) before anything is sent.
 *
 * Stores hold only the hash: BLAKE2b-256 (crypto_generichash) of the
 * domain prefix "fieldsync-receipt/1\0" and the 12 normalised data
 * characters, as 64 lowercase hex. The code itself is never stored or
 * logged anywhere. */
#ifndef FIELDSYNC_RECEIPT_H
#define FIELDSYNC_RECEIPT_H

#include <stddef.h>

#include "fieldsync/error.h"
#include "fieldsync/store.h"

#define FS_RECEIPT_DATA_LEN 12   /* data characters (60 bits) */
#define FS_RECEIPT_SHOWN_LEN 16  /* XXXX-XXXX-XXXX-C */
#define FS_RECEIPT_HASH_HEX 64   /* BLAKE2b-256 in lowercase hex */
#define FS_RECEIPT_INPUT_MAX 64  /* bytes of typed input read at most */
/* Withdrawals a hub takes in one change set from a kiosk (more: FS_ETOOBIG,
 * the whole set refused before anything is merged). */
#define FS_RECEIPT_WITHDRAWALS_PER_SET 100

/* A new code: out gets FS_RECEIPT_SHOWN_LEN characters and a NUL. Returns 0,
 * or FS_EGENERIC if libsodium cannot be initialised. */
int fs_receipt_new(char out[FS_RECEIPT_SHOWN_LEN + 1], fs_err *err);

/* Reads a typed code (forgiving, see above) into its 12 normalised data
 * characters and a NUL. FS_EINVAL with a message for a person ("the code
 * has 13 characters…", "the last character does not match: check the
 * code") when it is malformed or its check character disagrees. The
 * message never repeats the code. */
int fs_receipt_parse(const char *typed, char data[FS_RECEIPT_DATA_LEN + 1], fs_err *err);

/* The shown form (XXXX-XXXX-XXXX-C) of 12 normalised data characters. */
int fs_receipt_show(const char *data, char out[FS_RECEIPT_SHOWN_LEN + 1], fs_err *err);

/* The hash stores keep of 12 normalised data characters: 64 hex and a NUL. */
int fs_receipt_hash(const char *data, char hex[FS_RECEIPT_HASH_HEX + 1], fs_err *err);

/* 1 if s (length n) is a well-formed receipt hash: exactly 64 lowercase
 * hex digits; the codec's rule for a response's `receipt`. */
int fs_receipt_hash_valid(const char *s, size_t n);

/* A person withdraws the response holding receipt hash_hex (core/src/
 * receipt_store.c): a row of the replicated table withdrawals (key: the
 * hash, nothing else), which the next sync sends to the hub; the hub
 * erases that response on every replica (erasure kind "withdrawn"),
 * even when the withdrawal reaches it first. Durable on return (one
 * write transaction). Idempotent: the same hash again writes nothing.
 * At a hub store (the console's page, `fieldsync-hub receipt`) the
 * response holding it, if any, is erased in the same transaction and the
 * files scrubbed after the commit (FS_EBUSY from the scrub: the
 * withdrawal stands). FS_EINVAL when hash_hex is not a receipt hash or the
 * store has no site yet. The hash is never put in a message. */
int fs_receipt_withdraw(fs_store *s, const char *hash_hex, fs_err *err);

/* What a hub knows of a receipt (POST /v1/receipt, hub/receipt_routes.c):
 *   RECEIVED  a response holds it: its questionnaire, version and day;
 *   WITHDRAWN it was withdrawn and its response erased: the questionnaire
 *             and day noted at the erasure (version 0);
 *   PENDING   a withdrawal is here, its response has not arrived yet;
 *   UNKNOWN   nothing (the same whether or not some kiosk holds it).
 * The day is the response's submitted_at date (YYYY-MM-DD). */
typedef enum fs_receipt_status {
	FS_RECEIPT_UNKNOWN,
	FS_RECEIPT_RECEIVED,
	FS_RECEIPT_WITHDRAWN,
	FS_RECEIPT_PENDING
} fs_receipt_status;

typedef struct fs_receipt_state {
	fs_receipt_status status;
	char questionnaire[FS_NAME_MAX + 1]; /* "" unless received or withdrawn */
	long long version;                   /* received only, else 0 */
	char on[11];                         /* "" unless received or withdrawn */
	char site[FS_NAME_MAX + 1]; /* who holds it: the response's site (received),
	                             * the withdrawal's (pending); "" unknown */
	char region[FS_NAME_MAX + 1]; /* withdrawn: the region of the response's
	                               * kiosk, "" unknown */
} fs_receipt_state;

/* The state of hash_hex at a hub store (FS_EINVAL for a bad hash, or a
 * store that is not a hub's). One read snapshot. */
int fs_receipt_state_get(fs_store *hub, const char *hash_hex, fs_receipt_state *out,
                         fs_err *err);

/* "received", "withdrawn", "pending" or "unknown". */
const char *fs_receipt_status_name(fs_receipt_status st);

/* *withdrawn 1 when this store holds a withdrawal of hash_hex (made here
 * or, at a hub, merged from a kiosk), else 0. FS_EINVAL for a bad hash. */
int fs_receipt_withdrawn(fs_store *s, const char *hash_hex, int *withdrawn, fs_err *err);

#endif
