/* Secrets from standard input (secret.h). */
#include "fieldsync/secret.h"

#include <ctype.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

/* One line from stdin without its newline; echo off on a terminal. 0, or
 * -1 at end of input or for a line too long for out. */
static int read_line(char *out, size_t cap, const char *noun, const char *again)
{
	struct termios old, quiet;
	int tty = isatty(STDIN_FILENO), ok;
	size_t n;

	if (tty) {
		fprintf(stderr, "%c%s%s: ", toupper((unsigned char)noun[0]), noun + 1, again);
		tcgetattr(STDIN_FILENO, &old);
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
	}
	ok = cap <= (size_t)INT32_MAX && fgets(out, (int)cap, stdin) != NULL;
	if (tty) {
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
		fputc('\n', stderr);
	}
	if (!ok)
		return -1;
	n = strcspn(out, "\r\n");
	if (out[n] == '\0' && n + 1 == cap)
		return -1;
	out[n] = '\0';
	return 0;
}

int fs_secret_read(char *out, size_t cap, const char *noun, int twice, fs_err *err)
{
	char again[512];
	int rc = 0;

	if (cap < 2 || cap > sizeof(again))
		return fs_err_set(err, FS_EINVAL, "no room for a %s", noun);
	if (read_line(out, cap, noun, "") != 0)
		rc = fs_err_set(err, FS_EINVAL, "no %s on standard input (or one over %zu bytes)",
				noun, cap - 2);
	else if (twice && isatty(STDIN_FILENO) &&
		 (read_line(again, cap, noun, " again") != 0 || strcmp(out, again) != 0))
		rc = fs_err_set(err, FS_EINVAL, "the %ss differ", noun);
	sodium_memzero(again, sizeof(again));
	if (rc != 0)
		sodium_memzero(out, cap);
	return rc;
}
