/*
 * enc-db.h — read-only access to guanlan.db for the encrypted-detection
 * commands (explain, fingerprint cluster): opening by --db / -l, and
 * escaping for the SVG/text they print.
 */
#ifndef GL_ENC_DB_H
#define GL_ENC_DB_H

#include <sqlite3.h>
#include <stdio.h>

/* Opens path read-only; NULL with a message on stderr (prefix: who). */
sqlite3 *enc_db_open(const char *path, const char *who);
/* --db FILE or -l DIR (DIR/guanlan.db) into out; default ./guanlan.db. */
void enc_db_path(const char *db, const char *dir, char *out, size_t outlen);
/* XML text escaping (& < > " ') with control characters replaced by '?'. */
void enc_xml_escape(FILE *out, const char *s);

#endif
