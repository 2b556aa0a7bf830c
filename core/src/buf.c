#include "fieldsync/buf.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

void fs_buf_init(fs_buf *b, size_t cap)
{
	b->data = NULL;
	b->len = 0;
	b->alloc = 0;
	b->cap = cap;
}

int fs_buf_append(fs_buf *b, const void *data, size_t n)
{
	size_t need;

	if (n > b->cap || b->len > b->cap - n)
		return FS_ETOOBIG;
	need = b->len + n + 1;
	if (need > b->alloc) {
		size_t want = b->alloc ? b->alloc : 256;
		char *p;

		while (want < need)
			want = want > SIZE_MAX / 2 ? need : want * 2;
		if (want - 1 > b->cap) /* at most cap + 1, even when cap is SIZE_MAX */
			want = b->cap + 1;
		p = realloc(b->data, want);
		if (p == NULL)
			return FS_ENOMEM;
		b->data = p;
		b->alloc = want;
	}
	if (n > 0)
		memcpy(b->data + b->len, data, n);
	b->len += n;
	b->data[b->len] = '\0';
	return 0;
}

int fs_buf_puts(fs_buf *b, const char *s)
{
	return fs_buf_append(b, s, strlen(s));
}

void fs_buf_reset(fs_buf *b)
{
	b->len = 0;
	if (b->data != NULL)
		b->data[0] = '\0';
}

void fs_buf_free(fs_buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = 0;
	b->alloc = 0;
}
