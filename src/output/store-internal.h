/*
 * store-internal.h — helpers shared by the store writer (store-sqlite.c) and
 * the `guanlan query` subcommand (store-query.c). Not a contract: only the
 * store files include it.
 */
#ifndef GL_STORE_INTERNAL_H
#define GL_STORE_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include <sqlite3.h>

/* PRAGMA user_version of the schema this code creates and understands. */
#define GL_STORE_SCHEMA_VERSION 1
/* Milliseconds a connection waits for a lock held by another connection. */
#define GL_STORE_BUSY_TIMEOUT_MS 5000

/* Creates every table and index of guanlan.db if missing and stamps the
 * schema version. The single place where the schema lives: modules adding
 * tables (alerts, incidents) add them here. Returns 0 or -1 with err set. */
int gl_store_schema_ensure(sqlite3 *db, char *err, size_t errlen);

/* Checks that an opened db is one of ours (readable, has the meta table, a
 * schema version we understand). Returns 0 or -1 with err set. */
int gl_store_schema_check(sqlite3 *db, char *err, size_t errlen);

/* ISO 8601 UTC timestamp with microseconds: 2024-01-02T03:04:05.000006Z.
 * buf must hold at least 40 bytes. */
void gl_store_format_iso(uint64_t ts_usec, char *buf, size_t buflen);

#endif
