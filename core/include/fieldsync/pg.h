/* fieldsync: the PostgreSQL backend (library fieldsync_pg, libpq), for hubs
 * that outgrow one SQLite file: several hub processes share one database.
 * See backend.h for the contract and docs/scaling.md for how the change
 * sequence stays in commit order across processes and for the connection's
 * settings and limits (timeouts, durability checks). A location is a
 * "postgresql://" or "postgres://" URI or a libpq "key=value" string; the
 * tables live in the connection's current schema (first of search_path);
 * opts->cache_kib is checked for range only (the cache is the server's). */
#ifndef FIELDSYNC_PG_H
#define FIELDSYNC_PG_H

#include "fieldsync/backend.h"

extern const fs_backend_ops fs_pg_backend;
extern const fs_registry_ops fs_pg_registry;

/* Does location name a PostgreSQL database ("postgresql://…",
 * "postgres://…")? 1 or 0. */
int fs_pg_location(const char *location);

/* A PostgreSQL location for messages, without its password: only
 * "database postgresql://user@host:port/dbname" (the other parameters may
 * carry secrets too). */
void fs_pg_location_describe(const char *location, char *out, size_t len);

#endif
