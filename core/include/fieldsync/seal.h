/* fieldsync: sealed responses and signed hub orders (docs/design.md
 * "Sealed responses").
 *
 * A kiosk seals each response's answers to the hub's X25519 public key
 * (libsodium crypto_box_seal) before the row is written, so a kiosk can
 * never read a response once it is saved. The stored answers become
 *
 *     {"$sealed": "fs2:KEYID:BASE64(crypto_box_seal(deflate(canonical answers)))"}
 *
 * (deflate: raw, with a dictionary made from the questionnaire; "fs1:" is
 * the same without it, and opens too: docs/changeset.md)
 * ("$" cannot begin a question id, docs/questionnaire-format.md). KEYID is
 * the first 8 bytes of BLAKE2b of the public key, as 16 lower-case hex
 * digits; BASE64 is standard base64 with padding. The hub opens the
 * answers before its merge with the secret key of that id, kept in its
 * store's meta (hub/keys.c makes and rotates them), and merges the plain
 * answers; what cannot be opened is quarantined with a reason naming the
 * problem, never refused (fs_seal_merge).
 *
 * The hub also holds an Ed25519 key pair to sign orders a kiosk must be
 * able to trust beyond the TLS channel: the wipe order to a revoked kiosk
 * and a new seal key. Kiosks pin both public keys at enrollment. */
#ifndef FIELDSYNC_SEAL_H
#define FIELDSYNC_SEAL_H

#include <jansson.h>
#include <stddef.h>

#include "fieldsync/error.h"
#include "fieldsync/merge.h"
#include "fieldsync/store.h"

#define FS_SEAL_KEYID_LEN 16 /* hex digits */
/* "KEYID:BASE64(32-byte public key)" */
#define FS_SEAL_PIN_MAX (FS_SEAL_KEYID_LEN + 1 + 44)
#define FS_SIGN_KEY_B64_MAX 44 /* BASE64(32-byte Ed25519 public key) */
#define FS_SIGN_SIG_B64_MAX 88 /* BASE64(64-byte signature) */
/* The answers key that marks sealed answers, and the value's prefix. */
#define FS_SEAL_MARK   "$sealed"
#define FS_SEAL_PREFIX "fs1:"         /* sealed canonical answers */
#define FS_SEAL_PREFIX_DEFLATE "fs2:" /* sealed raw deflate of them, with the
                                       * questionnaire's dictionary */
/* Opened answers larger than this are refused (the change set value cap). */
#define FS_SEAL_PLAIN_MAX (256u << 10)

/* Kiosk store meta: the pinned hub keys (absent: not enrolled with a hub
 * that seals; answers are then stored in clear). */
#define FS_SEAL_META_PIN "hub_seal_key" /* "KEYID:BASE64" */
#define FS_SIGN_META_PIN "hub_sign_key" /* BASE64 */
/* Hub store meta (hub/keys.c writes them, fs_seal_merge reads them). */
#define FS_SEAL_META_CURRENT "seal_current"   /* KEYID of the current key */
#define FS_SEAL_META_SECRET  "seal_secret:"   /* + KEYID: BASE64(secret key) */
#define FS_SIGN_META_SECRET  "sign_secret"    /* BASE64(64-byte Ed25519 key) */

/* What a signature covers: a domain prefix and the order's subject. */
#define FS_SIGN_WIPE_PREFIX     "fieldsync-wipe/1:"     /* + site */
#define FS_SIGN_SEAL_KEY_PREFIX "fieldsync-seal-key/1:" /* + pin text */

/* The key id of a 32-byte X25519 public key, NUL-terminated. */
void fs_seal_key_id(char out[FS_SEAL_KEYID_LEN + 1], const unsigned char pk[32]);

/* Parse and check a pin "KEYID:BASE64": the key decodes to 32 bytes and
 * its id is KEYID. pk may be NULL. FS_EINVAL naming what is wrong. */
int fs_seal_pin_parse(const char *pin, unsigned char pk[32], fs_err *err);

/* Seal n bytes of plain to the pinned key: *out gets the malloc'd text
 * "fs1:KEYID:BASE64". FS_EINVAL (bad pin), FS_ENOMEM. */
int fs_seal_text(char **out, const char *pin, const void *plain, size_t n, fs_err *err);

/* The sealed text of answers {"$sealed": TEXT} (exactly that one key), or
 * NULL when answers are not sealed (plain answers). */
const char *fs_seal_answers_text(const json_t *answers);

/* The stored form of sealed answers: *out gets the canonical text of
 * {"$sealed": "fs2:KEYID:BASE64"}, the canonical answers text deflated
 * (raw, level 9) with a preset dictionary made from doc (the question ids
 * and option values), then sealed to pin. The hub inflates with the same
 * questionnaire's dictionary. FS_EINVAL (bad pin), FS_ENOMEM. */
int fs_seal_answers_with(char **out, const char *pin, const json_t *doc, const char *answers,
                         fs_err *err);

/* At a kiosk: when s has a pinned seal key, replace the canonical answers
 * text *answers (malloc'd) of a response to doc by its sealed form
 * (fs_seal_answers_with), freeing the old one; without a pin leave it.
 * 0, FS_EINVAL (a damaged pin: nothing is stored in clear instead),
 * FS_ENOMEM. */
int fs_seal_answers(fs_store *s, const json_t *doc, char **answers, fs_err *err);

/* Does s hold a pinned seal key? 1 or 0. */
int fs_seal_pinned(fs_store *s);

/* At a hub: fs_merge_apply of cs after opening every sealed response
 * (table responses, not a tombstone, answers {"$sealed": ...}) with the
 * store's secret key of its key id: the merge sees the plain answers (as
 * parsed from the sealed canonical text, so a resend is the same write).
 * A response that cannot be opened (malformed value, unknown key id, bad
 * base64, failed MAC, plain text not a JSON object) is taken out of the
 * merge and quarantined in the merge's transaction with a reason naming
 * the problem (not the content; the sealed value is kept as received); it
 * counts in res->quarantined. Such a change is still authorized like any
 * other (fs_authorize_change; refused sets are refused whole). Memory: one
 * opened value at a time beyond the copy of the changes array, each at
 * most the sealed text's size plus its parsed tree. */
int fs_seal_merge(fs_store *hub, const fs_changeset *cs, const fs_merge_opts *opts,
                  fs_merge_result *res, fs_err *err);

/* At a kiosk: pin the hub's keys from its enrollment reply (seal_pin
 * "KEYID:BASE64", sign_pk base64), both checked, in one transaction.
 * FS_EINVAL naming the bad one. */
int fs_seal_pin_keys(fs_store *s, const char *seal_pin, const char *sign_pk, fs_err *err);

/* At a kiosk: a sync reply's Fieldsync-Seal-Key "KEYID:BASE64:SIGNATURE".
 * Adopted (pinned, *changed 1) only when the signature over
 * FS_SIGN_SEAL_KEY_PREFIX + "KEYID:BASE64" verifies with the pinned
 * signing key and it differs from the pinned seal key. FS_EINVAL when it
 * does not verify or is malformed (nothing changes); FS_ENOTFOUND when
 * this store has no pinned signing key. */
int fs_seal_adopt_key(fs_store *s, const char *header, int *changed, fs_err *err);

/* At a kiosk: does sig (base64) sign the wipe order for this store's site
 * with the pinned signing key? 0 when it does; FS_ENOTFOUND without a
 * pinned key; FS_EINVAL otherwise. */
int fs_seal_verify_wipe(fs_store *s, const char *sig, fs_err *err);

/* Verify a base64 Ed25519 signature sig_b64 over prefix + subject with the
 * base64 public key pk_b64. 0 when it verifies; FS_EINVAL otherwise (with
 * a message naming the reason, never the subject). */
int fs_sign_verify(const char *pk_b64, const char *prefix, const char *subject,
                   const char *sig_b64, fs_err *err);

/* Sign prefix + subject with the base64 64-byte Ed25519 secret key:
 * out gets the base64 signature (FS_SIGN_SIG_B64_MAX + 1 bytes). */
int fs_sign_make(char out[FS_SIGN_SIG_B64_MAX + 1], const char *sk_b64, const char *prefix,
                 const char *subject, fs_err *err);

#endif
