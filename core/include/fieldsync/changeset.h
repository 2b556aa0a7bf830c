/* fieldsync: change sets, the unit of sync.
 *
 * A change set is a versioned JSON document (docs/changeset.md,
 * schema/changeset.schema.json) sent gzip-compressed. Decoding checks
 * everything and refuses the whole set with one message at the first
 * fault; nothing of a refused set is used. */
#ifndef FIELDSYNC_CHANGESET_H
#define FIELDSYNC_CHANGESET_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "fieldsync/buf.h"
#include "fieldsync/error.h"
#include "fieldsync/hlc.h"
#include "fieldsync/records.h"
#include "fieldsync/store.h"

#define FS_CHANGESET_FORMAT "fieldsync-changeset/1"

typedef enum fs_table {
	FS_TABLE_QUESTIONNAIRES = 1,
	FS_TABLE_RESPONSES = 2,
	FS_TABLE_CONTACTS = 4,
	FS_TABLE_CONFLICTS = 8,
	FS_TABLE_ERASURES = 16,    /* erase.h: sent by a hub only */
	FS_TABLE_RESOLUTIONS = 32, /* resolve.h: sent by a hub only */
	FS_TABLE_WORKERS = 64,     /* worker.h: sent by a hub only, to the worker's region */
	FS_TABLE_OFFERS = 128,     /* offers.h: sent by a hub only, "*" rows to every region */
	FS_TABLE_WITHDRAWALS = 1024 /* receipt.h: sent by kiosks only (a person's withdrawal) */
} fs_table;
#define FS_TABLES_ALL 0xffffffffu /* every table, today's and later ones */

/* The table's name on the wire ("responses"); NULL for no table. */
const char *fs_table_name(fs_table t);

/* Record ids: questionnaire ids (<= 64), UUIDs (36), conflict ids
 * (uuid/field/hlc/site, <= 36+1+23+1+16+1+64). */
#define FS_ID_MAX 160

/* One change. value is an owned reference (released by
 * fs_changeset_free): the questionnaire document, the response body, the
 * contact field value, the conflict body, the erasure body ({"table",
 * "region", "holder", "request", "kind"}, region and holder null or a
 * name), the resolution body ({"chosen", "value"}), a worker's
 * ({"pin_hash"}, id the worker's name) or a questionnaire offer's
 * ({"target", "offered", "retired"}, id the questionnaire's, region the
 * target's or "" for "*"); NULL for a
 * tombstone. */
typedef struct fs_change {
	fs_table table;
	char id[FS_ID_MAX + 1];
	int64_t version;                        /* questionnaires */
	fs_hlc hlc;
	char site[FS_NAME_MAX + 1];             /* the site that made this write */
	int deleted;                            /* questionnaires, responses, workers */
	char region[FS_NAME_MAX + 1];           /* contacts, conflicts,
	                                         * resolutions, workers; erasures
	                                         * ("" for every region) */
	char field[FS_CONTACT_FIELD_MAX];       /* contacts */
	fs_hlc prev_hlc;                        /* contacts: value this write */
	char prev_site[FS_NAME_MAX + 1];        /* replaced ("" = none) */
	json_t *value;
} fs_change;

typedef struct fs_changeset {
	char site[FS_NAME_MAX + 1]; /* sender */
	int64_t from, to;           /* sender's change sequence range (from, to] */
	int more;                   /* sender has more after to */
	uint64_t time_ms;           /* sender's clock when it encoded the set */
	size_t count, alloc;
	fs_change *changes;
} fs_changeset;

/* Caps applied when decoding input from outside. The count and the decode
 * budget are enforced by a pre-scan of the text as it is inflated, before
 * any JSON tree is built, so the memory one decode may cost is bounded by
 * max_decode_bytes (plus the gzip body the caller holds). */
typedef struct fs_codec_limits {
	size_t max_inflated;     /* bytes of JSON after gunzip */
	size_t max_changes;      /* changes per set */
	size_t max_value_bytes;  /* serialized size of one value */
	size_t max_decode_bytes; /* bound on the memory of one decode: the text,
	                          * Jansson's tree and the changes (an upper
	                          * estimate from the pre-scan) */
} fs_codec_limits;

/* Defaults: 8 MiB inflated, 20,000 changes, 256 KiB per value, 48 MiB to
 * decode (docs/changeset.md "Limits" says why). */
void fs_codec_limits_default(fs_codec_limits *out);

void fs_changeset_init(fs_changeset *cs);
/* Release every change and its value; cs may be reused after init. */
void fs_changeset_free(fs_changeset *cs);
/* Append a change (copied; its value reference is stolen). FS_ENOMEM. */
int fs_changeset_add(fs_changeset *cs, const fs_change *c, fs_err *err);

/* Serialize cs as JSON text appended to out. FS_ETOOBIG at out's cap. */
int fs_changeset_encode(fs_buf *out, const fs_changeset *cs, fs_err *err);

/* Parse and check JSON text into out (initialised here), after the same
 * pre-scan as fs_changeset_unpack. On error out is empty and err says what
 * and where ("changes[12].hlc: ..."); FS_EBADJSON when the text is not
 * JSON, FS_EINVAL or FS_EVERSION when it breaks the format. */
int fs_changeset_decode(fs_changeset *out, const char *json, size_t len,
			const fs_codec_limits *limits, fs_err *err);

/* encode then gzip into out. */
int fs_changeset_pack(fs_buf *out, const fs_changeset *cs, fs_err *err);

/* gunzip (capped at limits->max_inflated) then decode; the pre-scan reads
 * the text as it is inflated and stops at the first cap it passes. The code
 * says which layer refused the input (the hub answers each differently):
 * FS_EBADGZIP the gzip data, FS_EBADJSON the JSON syntax, FS_EINVAL or
 * FS_EVERSION the change set format, FS_ETOOBIG a cap at any layer. */
int fs_changeset_unpack(fs_changeset *out, const void *gz, size_t n,
			const fs_codec_limits *limits, fs_err *err);

/* The id of a conflict record: "record/field/loser_hlc/loser_site". */
void fs_conflict_id(char out[FS_ID_MAX + 1], const char *record, const char *field,
		    fs_hlc loser_hlc, const char *loser_site);
/* Its parts: 0 when id is exactly what fs_conflict_id makes of a contact
 * id (a lowercase UUID), a contact field, an hlc and a site name; else
 * FS_EINVAL (the outputs then mean nothing). */
int fs_conflict_id_parse(const char *id, char record[FS_UUID_LEN + 1],
			 char field[FS_CONTACT_FIELD_MAX], fs_hlc *loser_hlc,
			 char loser_site[FS_NAME_MAX + 1]);

#endif
