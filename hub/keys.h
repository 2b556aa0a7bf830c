/* fieldsync-hub: the hub's keys (docs/design.md "Sealed responses"), kept
 * in the hub store's meta through the backend (fieldsync/seal.h names the
 * keys): an X25519 key pair responses are sealed to, and an Ed25519 key
 * pair that signs the hub's orders (a revoked kiosk's wipe order, a new
 * seal key). Made on the hub's first use in one write transaction, so hub
 * processes sharing one PostgreSQL database end with one key. The store
 * holds every response in clear already, so the keys are exactly as safe
 * as the data they open; a backup of the store includes them; losing the
 * store loses them. */
#ifndef HUB_KEYS_H
#define HUB_KEYS_H

#include "fieldsync/error.h"
#include "fieldsync/seal.h"
#include "fieldsync/store.h"

/* What a kiosk pins: the current seal key "KEYID:BASE64" and the signing
 * public key (base64). */
typedef struct hub_keys_public {
	char seal[FS_SEAL_PIN_MAX + 1];
	char sign[FS_SIGN_KEY_B64_MAX + 1];
	/* FS_SIGN_SEAL_KEY_PREFIX + seal, signed: lets a kiosk adopt a new
	 * seal key from a sync reply (Fieldsync-Seal-Key). */
	char seal_sig[FS_SIGN_SIG_B64_MAX + 1];
} hub_keys_public;

/* Make whichever key pair is missing (create-if-absent in one
 * FS_TXN_WRITE). */
int hub_keys_ensure(fs_store *s, fs_err *err);

/* The public keys (made first when missing). */
int hub_keys_public_get(fs_store *s, hub_keys_public *out, fs_err *err);

/* A new current seal key; every earlier secret key is kept, so what was
 * sealed to it still opens. *keyid gets the new key's id. */
int hub_keys_rotate(fs_store *s, char keyid[FS_SEAL_KEYID_LEN + 1], fs_err *err);

/* The wipe order for site: base64 Ed25519 signature over
 * FS_SIGN_WIPE_PREFIX + site. */
int hub_keys_sign_wipe(fs_store *s, const char *site, char out[FS_SIGN_SIG_B64_MAX + 1],
                       fs_err *err);

#endif
