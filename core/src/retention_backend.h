/* Private to core/src: the retention operations of each backend
 * (backend.h "Retention"), in sqlite_retention.c and pg_retention.c, for
 * the ops tables of sqlite_backend.c and pg_backend.c. */
#ifndef FS_RETENTION_BACKEND_H
#define FS_RETENTION_BACKEND_H

#include "fieldsync/backend.h"

int fs_sqlite_retention_own_responses(fs_backend *b, const char *site, int64_t upto,
                                      long *removed, long *live, fs_err *err);
int fs_sqlite_retention_closed_contacts(fs_backend *b, int requested, fs_hlc before, const char *site,
                                        int64_t upto, const char *after, long limit,
                                        fs_retention_id_fn fn, void *ctx, fs_err *err);
int fs_sqlite_retention_delete_before(fs_backend *b, const char *table, const char *before_text,
                                      fs_hlc before_hlc, long *removed, fs_err *err);

int fs_pg_retention_own_responses(fs_backend *b, const char *site, int64_t upto, long *removed,
                                  long *live, fs_err *err);
int fs_pg_retention_closed_contacts(fs_backend *b, int requested, fs_hlc before, const char *site, int64_t upto,
                                    const char *after, long limit, fs_retention_id_fn fn,
                                    void *ctx, fs_err *err);
int fs_pg_retention_delete_before(fs_backend *b, const char *table, const char *before_text,
                                  fs_hlc before_hlc, long *removed, fs_err *err);

#endif
