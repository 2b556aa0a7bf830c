/* fieldsync: reading a secret (a worker's PIN, a console password) from
 * standard input, never from the command line, where `ps` shows it. */
#ifndef FIELDSYNC_SECRET_H
#define FIELDSYNC_SECRET_H

#include <stddef.h>

#include "fieldsync/error.h"

/* One line without its newline into out (cap bytes with the NUL). On a
 * terminal the echo is off and the prompt ("Noun: ", noun capitalised)
 * goes to stderr; with twice it is asked again there and must match.
 * FS_EINVAL naming noun: nothing read, a line longer than cap - 2 bytes
 * (never cut silently), or the two differ. out is wiped on error. */
int fs_secret_read(char *out, size_t cap, const char *noun, int twice, fs_err *err);

#endif
