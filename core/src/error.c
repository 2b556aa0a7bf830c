#include "fieldsync/error.h"

#include <stdarg.h>
#include <stdio.h>

int fs_err_set(fs_err *err, int code, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || err->code != 0)
		return code;
	err->code = code;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return code;
}

void fs_err_clear(fs_err *err)
{
	if (err == NULL)
		return;
	err->code = 0;
	err->msg[0] = '\0';
}

const char *fs_error_name(int code)
{
	switch (code) {
	case FS_OK: return "OK";
	case FS_EINVAL: return "EINVAL";
	case FS_ENOTFOUND: return "ENOTFOUND";
	case FS_ECONFLICT: return "ECONFLICT";
	case FS_ETOOBIG: return "ETOOBIG";
	case FS_EVERSION: return "EVERSION";
	case FS_ECLOCK: return "ECLOCK";
	case FS_EFORBIDDEN: return "EFORBIDDEN";
	case FS_ENOMEM: return "ENOMEM";
	case FS_EBUSY: return "EBUSY";
	case FS_ELIMIT: return "ELIMIT";
	case FS_EIO: return "EIO";
	case FS_EBADGZIP: return "EBADGZIP";
	case FS_EBADJSON: return "EBADJSON";
	default: return "EGENERIC";
	}
}
