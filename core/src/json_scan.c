/* The bounded pre-scan of change-set JSON (json_scan.h). Byte by byte, with
 * a fast path through the bytes of strings; the state survives between
 * chunks, so a chunk may end anywhere (inside a string, an escape, a
 * number, a key). */
#include "json_scan.h"

#include <stdint.h>
#include <string.h>

enum scan_state {
	SC_VALUE,   /* between tokens */
	SC_STRING,  /* inside a string */
	SC_ESCAPE,  /* after a backslash in a string */
	SC_BARE,    /* inside a number or true/false/null */
	SC_DONE,    /* the brackets do not match: Jansson stops here, so do we */
	SC_REFUSED  /* over a cap; err was set */
};

static const char changes_key[] = "changes";
#define CHANGES_KEY_LEN (sizeof(changes_key) - 1)

void fs_json_scan_init(fs_json_scan *s, size_t max_changes, size_t max_cost, size_t change_cost)
{
	memset(s, 0, sizeof(*s));
	s->max_changes = max_changes;
	s->max_cost = max_cost;
	s->change_cost = change_cost;
	s->state = SC_VALUE;
	s->cost = FS_JSON_COST_BASE;
}

size_t fs_json_scan_cost(const fs_json_scan *s)
{
	size_t lex = s->longest > SIZE_MAX / FS_JSON_COST_TOKEN ? SIZE_MAX
	                                                        : s->longest * FS_JSON_COST_TOKEN;

	return s->cost > SIZE_MAX - lex ? SIZE_MAX : s->cost + lex;
}

static int refuse_cost(fs_json_scan *s, fs_err *err)
{
	s->state = SC_REFUSED;
	if (s->max_cost >= ((size_t)1 << 20) && s->max_cost % ((size_t)1 << 20) == 0)
		return fs_err_set(err, FS_ETOOBIG,
		                  "changeset: decoding would need more than the cap of %zu MiB "
		                  "(too many JSON values for its size)",
		                  s->max_cost >> 20);
	return fs_err_set(err, FS_ETOOBIG,
	                  "changeset: decoding would need more than the cap of %zu bytes "
	                  "(too many JSON values for its size)",
	                  s->max_cost);
}

/* Add n to the bound; 0, or FS_ETOOBIG once it passes the budget. */
static int add(fs_json_scan *s, size_t n, fs_err *err)
{
	s->cost = n > SIZE_MAX - s->cost ? SIZE_MAX : s->cost + n;
	if (fs_json_scan_cost(s) > s->max_cost)
		return refuse_cost(s, err);
	return 0;
}

/* 1 when depth d (1 = the root) is an object, 0 an array, -1 unknown. */
static int is_object_at(const fs_json_scan *s, size_t d)
{
	if (d == 0 || d > FS_JSON_SCAN_DEPTH)
		return -1;
	return (s->objects[(d - 1) / 8] >> ((d - 1) % 8)) & 1;
}

/* A value starts in the current container: its slot, and the change cap
 * when the container is the root's "changes" array. */
static int value_starts(fs_json_scan *s, size_t cost, fs_err *err)
{
	int obj = is_object_at(s, s->depth);

	if (obj != 1 && s->depth > 0) {
		cost += FS_JSON_COST_SLOT;
		if (obj == -1)
			cost += FS_JSON_COST_MEMBER; /* unknown: member or element */
	}
	if (s->in_changes && s->depth == 2) {
		if (s->changes >= s->max_changes) {
			s->state = SC_REFUSED;
			return fs_err_set(err, FS_ETOOBIG,
			                  "changes: more than the cap of %zu changes", s->max_changes);
		}
		s->changes++;
		cost += s->change_cost;
	}
	return add(s, cost, err);
}

static int open_container(fs_json_scan *s, int object, fs_err *err)
{
	size_t d;
	int rc = value_starts(s, object ? FS_JSON_COST_OBJECT : FS_JSON_COST_ARRAY, err);

	if (rc != 0)
		return rc;
	if (!object && s->depth == 1 && is_object_at(s, 1) == 1 && s->key_changes)
		s->in_changes = 1;
	d = ++s->depth;
	if (d <= FS_JSON_SCAN_DEPTH) {
		if (object)
			s->objects[(d - 1) / 8] |= (unsigned char)(1u << ((d - 1) % 8));
		else
			s->objects[(d - 1) / 8] &= (unsigned char)~(1u << ((d - 1) % 8));
	}
	s->expect_key = object;
	return 0;
}

static void close_container(fs_json_scan *s, int object)
{
	int obj = is_object_at(s, s->depth);

	if (s->depth == 0 || (obj != -1 && obj != object)) {
		s->state = SC_DONE;
		return;
	}
	if (s->depth == 2)
		s->in_changes = 0;
	s->depth--;
	s->expect_key = 0;
}

/* The current string ended. */
static int end_string(fs_json_scan *s, fs_err *err)
{
	int obj = is_object_at(s, s->depth);
	size_t cost = s->is_key ? FS_JSON_COST_MEMBER : FS_JSON_COST_STRING;

	if (s->is_key && s->depth == 1)
		s->key_changes = s->key_changes && s->tok == CHANGES_KEY_LEN;
	if (obj == -1 && s->depth > 0)
		cost = FS_JSON_COST_MEMBER + FS_JSON_COST_STRING;
	if (s->tok > s->longest)
		s->longest = s->tok;
	s->state = SC_VALUE;
	return add(s, cost + s->tok, err);
}

static int end_bare(fs_json_scan *s, fs_err *err)
{
	if (s->tok > s->longest)
		s->longest = s->tok;
	s->state = SC_VALUE;
	return add(s, 0, err);
}

int fs_json_scan_feed(fs_json_scan *s, const char *p, size_t n, fs_err *err)
{
	size_t i = 0;
	int rc = 0;

	if (s->state == SC_REFUSED)
		return fs_err_set(err, FS_ETOOBIG, "changeset: refused already");
	/* The text is kept whatever it holds, even after the scan stopped. */
	s->bytes += n;
	if (n > SIZE_MAX / FS_JSON_COST_TEXT)
		return refuse_cost(s, err);
	rc = add(s, n * FS_JSON_COST_TEXT, err);
	if (s->state == SC_DONE)
		return rc;
	while (rc == 0 && i < n) {
		unsigned char c = (unsigned char)p[i];

		switch (s->state) {
		case SC_STRING: {
			size_t start = i;

			if (s->is_key && s->depth == 1) {
				/* A root key: is it "changes"? (An escaped spelling is
				 * not recognised; its array is then bounded by the
				 * budget alone.) */
				while (i < n && p[i] != '"' && p[i] != '\\') {
					if (s->tok + (i - start) >= CHANGES_KEY_LEN ||
					    p[i] != changes_key[s->tok + (i - start)])
						s->key_changes = 0;
					i++;
				}
			} else {
				while (i < n && p[i] != '"' && p[i] != '\\')
					i++;
			}
			s->tok += i - start;
			if (i == n)
				break;
			if (p[i] == '\\') {
				if (s->is_key && s->depth == 1)
					s->key_changes = 0;
				s->tok++;
				s->state = SC_ESCAPE;
			} else {
				rc = end_string(s, err);
			}
			i++;
			break;
		}
		case SC_ESCAPE:
			/* The escaped byte cannot end the string. \uXXXX needs no
			 * more care: hex digits are neither quotes nor backslashes. */
			s->tok++;
			s->state = SC_STRING;
			i++;
			break;
		case SC_BARE:
			if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == ',' || c == ':' ||
			    c == ']' || c == '}' || c == '[' || c == '{' || c == '"') {
				rc = end_bare(s, err); /* and the byte is read again */
				break;
			}
			s->tok++;
			i++;
			break;
		case SC_VALUE:
			i++;
			switch (c) {
			case ' ':
			case '\t':
			case '\n':
			case '\r':
				break;
			case '{':
				rc = open_container(s, 1, err);
				break;
			case '[':
				rc = open_container(s, 0, err);
				break;
			case '}':
				close_container(s, 1);
				break;
			case ']':
				close_container(s, 0);
				break;
			case ',':
				s->expect_key = is_object_at(s, s->depth) == 1;
				break;
			case ':':
				s->expect_key = 0;
				break;
			case '"':
				s->tok = 0;
				s->is_key = s->expect_key && is_object_at(s, s->depth) == 1;
				if (s->is_key) {
					s->expect_key = 0;
					if (s->depth == 1)
						s->key_changes = 1;
				} else {
					rc = value_starts(s, 0, err);
				}
				s->state = SC_STRING;
				break;
			default:
				/* A number, true, false or null (or junk Jansson
				 * refuses). The literals are shared singletons. */
				s->tok = 1;
				rc = value_starts(s,
				                  (c == 't' || c == 'f' || c == 'n') ? 0
				                                                     : FS_JSON_COST_NUMBER,
				                  err);
				s->state = SC_BARE;
				break;
			}
			break;
		default: /* SC_DONE: stop reading */
			return 0;
		}
	}
	if (rc == 0 && s->state == SC_DONE)
		return 0;
	return rc;
}
