/* fieldsync: the deployment's rule for a contact's person_ref.
 *
 * A person_ref is a pseudonymous reference (initials and a number, a code
 * from the service's own records), never a name, a date of birth or an NHS
 * number. The change-set format only bounds it (a string of 1 to 64 bytes,
 * fs_contact_field_check); where a kiosk WRITES one (fs_contact_put on a
 * store given a rule: fieldsync-agent's `contact add|update` and the kiosk
 * UI) it must also follow this rule, which the deployment sets
 * (agent.json "person_ref_pattern", docs/agent.md).
 *
 * The pattern is a small language of its own, not a regular expression,
 * so that C and the kiosk's JavaScript read it identically (POSIX ERE and
 * JS RegExp differ): items separated by spaces,
 *   charset=SPEC   the characters allowed: printable ASCII other than space,
 *                  single characters and ranges X-Y (X not after Y); a "-"
 *                  of its own first or last; required
 *   min=N max=N    length bounds, 1 <= min <= max <= 64 (default 1 and 16)
 * each at most once. A non-ASCII character is never allowed, so byte
 * length and character length agree for every accepted value.
 * agent/ui/www/validate.js (FsValidate.personRefRule, checkPersonRef) is
 * the JavaScript twin; tests/vectors/person_ref.json holds both to the
 * same results and messages. */
#ifndef FIELDSYNC_PERSON_REF_H
#define FIELDSYNC_PERSON_REF_H

#include <stddef.h>

#include "fieldsync/error.h"
#include "fieldsync/store.h"

#define FS_PERSON_REF_PATTERN_DEFAULT "charset=A-Za-z0-9 min=1 max=16"
#define FS_PERSON_REF_PATTERN_MAX     200 /* bytes of pattern text */
#define FS_PERSON_REF_LEN_MAX         64  /* the change-set rule's bound */

typedef struct fs_person_ref_rule {
	unsigned char allowed[128]; /* 1 for each ASCII byte allowed */
	unsigned min, max;
	/* What a refused value is told, e.g. "person_ref must be 1–16 letters
	 * or digits, no spaces: it is a pseudonymous reference, never a
	 * name". */
	char message[300];
} fs_person_ref_rule;

/* Read pattern (NUL-terminated) into *out. FS_EINVAL with a message
 * naming the item and what is wrong ("person_ref pattern: ..."); *out is
 * then unusable. */
int fs_person_ref_rule_parse(fs_person_ref_rule *out, const char *pattern, fs_err *err);

/* Does value (len bytes, need not end in NUL) follow rule? 0, or
 * FS_EINVAL with rule->message, which never quotes the value. */
int fs_person_ref_check(const fs_person_ref_rule *rule, const char *value, size_t len,
                        fs_err *err);

/* Give store s a rule (copied; NULL removes it): from then on
 * fs_contact_put refuses to write a person_ref that breaks it (a new
 * contact's, or a changed one; rewriting the value a contact already has
 * is always allowed, so older contacts stay editable). A store without a
 * rule (a hub's, a test's) checks the change-set bound only. */
void fs_store_set_person_ref_rule(fs_store *s, const fs_person_ref_rule *rule);

#endif
