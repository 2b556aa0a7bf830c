/* fieldsync (private): a bounded pre-scan of change-set JSON.
 *
 * Jansson builds a tree of the whole text before anything can be checked,
 * and its tree costs far more than the text: measured with Jansson 2.14 and
 * glibc (every allocation with its malloc overhead), `{}` costs 232 bytes,
 * `[]` 136 and `0` 40 per element, so 8 MiB of `{},{},...` would cost
 * 650 MiB. The scanner reads the text as it is inflated, in chunks split
 * anywhere, with a small state machine (strings, escapes, nesting, tokens)
 * and adds up an upper bound of what Jansson and the decoder will allocate
 * for it. It refuses as soon as the root's "changes" array has more elements
 * than the change cap, or the bound passes the decode budget; the tree is
 * built only for text that passed.
 *
 * It does not validate: text that is not JSON is left for Jansson to refuse.
 * The bound holds for every prefix Jansson reads before its first error,
 * since up to that point the text is JSON and the scanner's view of it
 * exact. */
#ifndef FIELDSYNC_JSON_SCAN_H
#define FIELDSYNC_JSON_SCAN_H

#include <stddef.h>

#include "fieldsync/error.h"

/* Containers whose kind is tracked. Deeper ones (Jansson refuses past
 * 2048) are costed as if every value were both an array element and an
 * object member. */
#define FS_JSON_SCAN_DEPTH 2048

/* The cost model (bytes), an upper bound of Jansson 2.14 on glibc with
 * malloc's per-chunk overhead, measured by counting every allocation
 * (json_set_alloc_funcs, malloc_usable_size + 8): */
#define FS_JSON_COST_BASE   65536 /* zlib's inflate state, Jansson's lexer */
#define FS_JSON_COST_TEXT   2     /* per text byte: the buffer grows by doubling */
#define FS_JSON_COST_OBJECT 240   /* measured 220: struct 80 + 8 buckets 144 */
#define FS_JSON_COST_MEMBER 128   /* + key bytes; measured 101 with the bucket growth */
#define FS_JSON_COST_ARRAY  136   /* measured 124: struct 48 + 8 slots 80 */
#define FS_JSON_COST_SLOT   24    /* per element: 8, table doubled, old + new */
#define FS_JSON_COST_STRING 80    /* + string bytes; measured 76 */
#define FS_JSON_COST_NUMBER 32    /* measured 28; true, false and null cost 0 */
#define FS_JSON_COST_TOKEN  3     /* per byte of the longest token: lexer buffer */

typedef struct fs_json_scan {
	/* Set by fs_json_scan_init. */
	size_t max_changes; /* elements of the root's "changes" array */
	size_t max_cost;    /* decode budget, bytes */
	size_t change_cost; /* what the decoder allocates per change */
	/* Results so far. */
	size_t cost;    /* the bound, without the longest token */
	size_t changes; /* elements of the root's "changes" array(s) */
	size_t bytes;   /* text scanned */
	size_t longest; /* longest token (string or bare) in bytes */
	/* State. */
	int state;
	size_t depth;
	size_t tok;             /* length of the current token */
	int expect_key;         /* in an object, the next string is a key */
	int is_key;             /* the current string is a key */
	int key_changes;        /* the last key at depth 1 is "changes" so far */
	int in_changes;         /* the array at depth 2 is the "changes" array */
	unsigned char objects[FS_JSON_SCAN_DEPTH / 8]; /* bit d-1: depth d is an object */
} fs_json_scan;

/* Start a scan. max_changes and max_cost are the caps; change_cost is
 * added per element of the root's "changes" array. */
void fs_json_scan_init(fs_json_scan *s, size_t max_changes, size_t max_cost, size_t change_cost);

/* Scan the next n bytes of the text. Returns 0, or FS_ETOOBIG with err set
 * ("changes: more than the cap of 20000 changes", "changeset: decoding
 * would need more than ..."); after an error the scan stays refused. */
int fs_json_scan_feed(fs_json_scan *s, const char *p, size_t n, fs_err *err);

/* The bound for what was scanned so far. */
size_t fs_json_scan_cost(const fs_json_scan *s);

#endif
