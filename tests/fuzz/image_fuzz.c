/* libFuzzer target for core/src/image.c (update images, image.h).
 *
 * Any bytes: fs_image_clean must never crash, leak, read out of bounds or
 * run long; when it accepts them, what it wrote is at most FS_IMAGE_MAX
 * bytes, no longer than the input, and its own cleaned copy; a refusal
 * leaves the output empty and says why in one printable line.
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -Icore/include \
 *     core/src/error.c core/src/buf.c core/src/image.c tests/fuzz/image_fuzz.c \
 *     -lz -o image_fuzz
 *   ./image_fuzz -max_total_time=60 CORPUS_DIR tests/cases/image */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "fieldsync/image.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fs_buf out;
	fs_image_info info;
	fs_err err = {0, ""};

	fs_buf_init(&out, FS_IMAGE_INPUT_MAX);
	if (fs_image_clean(data, size, &out, &info, &err) == 0) {
		if (out.len > FS_IMAGE_MAX || out.len > size || info.width == 0 ||
		    info.width > FS_IMAGE_SIDE_MAX || info.height == 0 ||
		    info.height > FS_IMAGE_SIDE_MAX ||
		    !fs_image_is_clean((const unsigned char *)out.data, out.len, NULL))
			__builtin_trap();
	} else if (out.len != 0 || err.msg[0] == '\0' || strchr(err.msg, '\n') != NULL) {
		__builtin_trap();
	}
	fs_buf_free(&out);
	return 0;
}
