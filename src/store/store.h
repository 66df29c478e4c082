/*
 * store.h -- the SQLite state store: accounts, classes, hook runs, the close ledger and the
 * hash-chained audit log.
 *
 * Opening sets WAL, a busy timeout, foreign keys and SQLITE_DBCONFIG_DEFENSIVE, creates the
 * file 0600, applies each missing append-only migration in its own transaction, and refuses a
 * schema newer than this binary knows.
 */
#ifndef SBX_STORE_H
#define SBX_STORE_H

#include "sbx.h"

struct store;

/* Opens (creating if needed) the store at path. *out is owned by the caller (store_close). */
int store_open(const char *path, struct store **out, struct sbx_err *err) SBX_NODISCARD;
void store_close(struct store *s);

#endif
