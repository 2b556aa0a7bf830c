/* libFuzzer target for http/http_listen.c: any text as a listen address,
 * numeric only (a host name would be looked up in DNS). A text that parses
 * must keep a port of 0 to 65535 and, written back with
 * fs_http_listen_format, parse again to the same address.
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -Icore/include -Ihttp \
 *     core/src/error.c http/http_listen.c tests/fuzz/listen_fuzz.c -o listen_fuzz
 *   ./listen_fuzz -max_total_time=60 tests/cases/listen */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http_listen.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fs_http_listen_addr a, b;
	fs_err err = {0, ""};
	char text[600];

	if (size >= 512)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	if (fs_http_listen_parse(&a, text, FS_HTTP_LISTEN_NUMERIC, &err) != 0) {
		if (err.code != FS_EINVAL || err.msg[0] == '\0')
			abort();
		return 0;
	}
	if (a.port > 65535 || a.len == 0 || a.len > sizeof(a.addr))
		abort();
	fs_http_listen_format(text, sizeof(text), &a, a.port);
	err.code = 0;
	if (fs_http_listen_parse(&b, text, FS_HTTP_LISTEN_NUMERIC, &err) != 0 || b.port != a.port ||
	    b.ipv6 != a.ipv6 || b.len != a.len || memcmp(&b.addr, &a.addr, a.len) != 0)
		abort();
	return 0;
}
