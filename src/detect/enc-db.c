/*
 * enc-db.c — helpers for the commands that read guanlan.db (enc-db.h).
 */
#include "enc-db.h"

#include <string.h>

sqlite3 *enc_db_open(const char *path, const char *who)
{
    sqlite3 *db = NULL;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
        fprintf(stderr, "%s: %s: %s\n", who, path, db ? sqlite3_errmsg(db) : "cannot open");
        sqlite3_close(db);
        return NULL;
    }
    sqlite3_busy_timeout(db, 5000);
    return db;
}

void enc_db_path(const char *db, const char *dir, char *out, size_t outlen)
{
    if (db)
        snprintf(out, outlen, "%s", db);
    else if (dir)
        snprintf(out, outlen, "%s/guanlan.db", dir);
    else
        snprintf(out, outlen, "guanlan.db");
}

void enc_xml_escape(FILE *out, const char *s)
{
    for (; s && *s; s++) {
        unsigned char c = (unsigned char)*s;
        switch (c) {
        case '&': fputs("&amp;", out); break;
        case '<': fputs("&lt;", out); break;
        case '>': fputs("&gt;", out); break;
        case '"': fputs("&quot;", out); break;
        case '\'': fputs("&#39;", out); break;
        default: fputc(c < 0x20 || c == 0x7f ? '?' : c, out); break;
        }
    }
}
