/* Minimal test harness: each test file defines test functions and lists
 * them in main() with RUN(). A failed CHECK prints file:line and the
 * expression, marks the test failed and returns from it. */
#ifndef FS_TEST_H
#define FS_TEST_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int fs_test_failed_ = 0;
static int fs_test_current_failed_ = 0;
static int fs_test_passed_count_ = 0;
static int fs_test_failed_count_ = 0;

#define CHECK(expr)                                                                 \
	do {                                                                        \
		if (!(expr)) {                                                      \
			fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__,      \
				__LINE__, #expr);                                   \
			fs_test_current_failed_ = 1;                                \
			return;                                                     \
		}                                                                   \
	} while (0)

#define CHECK_MSG(expr, ...)                                                        \
	do {                                                                        \
		if (!(expr)) {                                                      \
			fprintf(stderr, "%s:%d: CHECK failed: %s: ", __FILE__,      \
				__LINE__, #expr);                                   \
			fprintf(stderr, __VA_ARGS__);                               \
			fputc('\n', stderr);                                        \
			fs_test_current_failed_ = 1;                                \
			return;                                                     \
		}                                                                   \
	} while (0)

#define CHECK_STR(a, b)                                                             \
	do {                                                                        \
		const char *fs_a_ = (a), *fs_b_ = (b);                              \
		if (fs_a_ == NULL || fs_b_ == NULL || strcmp(fs_a_, fs_b_) != 0) {  \
			fprintf(stderr, "%s:%d: CHECK_STR failed:\n  got:  %s\n  want: %s\n", \
				__FILE__, __LINE__, fs_a_ ? fs_a_ : "(null)",       \
				fs_b_ ? fs_b_ : "(null)");                          \
			fs_test_current_failed_ = 1;                                \
			return;                                                     \
		}                                                                   \
	} while (0)

#define RUN(fn)                                                                     \
	do {                                                                        \
		fs_test_current_failed_ = 0;                                        \
		fn();                                                               \
		if (fs_test_current_failed_) {                                      \
			fprintf(stderr, "FAIL %s\n", #fn);                          \
			fs_test_failed_ = 1;                                        \
			fs_test_failed_count_++;                                    \
		} else {                                                            \
			printf("ok   %s\n", #fn);                                   \
			fs_test_passed_count_++;                                    \
		}                                                                   \
	} while (0)

#define TEST_DONE()                                                                 \
	(printf("%d passed, %d failed\n", fs_test_passed_count_,                  \
		fs_test_failed_count_),                                             \
	 fs_test_failed_ ? EXIT_FAILURE : EXIT_SUCCESS)

#endif
