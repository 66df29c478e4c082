/*
 * sim_store.c -- `sandboxctl sim --state FILE`: the simulator's whole state in SQLite, so a
 * restarted (or crashed and restarted) simulator continues where it stopped.
 *
 * Design: one row holding sim_state_json(s, true) -- the same document as the admin dump plus
 * the internal part (PRNG state, sessions, token buckets, clock anchor) -- written in one
 * transaction after every mutating request. One format for dump and persistence means what
 * tests compare is what a restart restores. Lazy transitions (creations finishing, closures
 * completing) need no write: they are functions of the saved timestamps and the clock, which is
 * itself saved as an anchor in wall time. The file is created 0600 (it holds session secrets),
 * in WAL mode with synchronous=NORMAL: a crash loses at most the last transaction, never
 * corrupts the file.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <sqlite3.h>

#include "sim/sim_int.h"
#include "util/clock.h"

#define SIM_STORE_VERSION 1

static const char sim_schema[] = "CREATE TABLE IF NOT EXISTS sim_state ("
                                 " id INTEGER PRIMARY KEY CHECK (id = 1),"
                                 " saved_at REAL NOT NULL,"
                                 " state TEXT NOT NULL);"
                                 "PRAGMA user_version = 1;";
static const char sim_sql_save[] =
        "INSERT INTO sim_state (id, saved_at, state) VALUES (1, :saved_at, :state)"
        " ON CONFLICT (id) DO UPDATE SET saved_at = excluded.saved_at, state = excluded.state";
static const char sim_sql_load[] = "SELECT state FROM sim_state WHERE id = 1";

struct sim_store {
    sqlite3 *db;
    sqlite3_stmt *save;
    sqlite3_stmt *load;
    char *path;
};

static int
db_fail(struct sim_store *st, const char *what, struct sbx_err *err)
{
    sbx_err_set(err, SBX_E_STORE, "simulator state '%s': %s: %s", st->path, what,
                st->db != NULL ? sqlite3_errmsg(st->db) : "cannot open");
    return -1;
}

int
sim_store_open(const char *path, struct sim_store **out, struct sbx_err *err)
{
    struct sim_store *st;
    sqlite3_stmt *ver = NULL;
    int fd, version;

    *out = NULL;
    /* Create it 0600 ourselves: SQLite would use the umask. */
    fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) {
        sbx_err_set(err, SBX_E_STORE, "simulator state '%s': %s", path, strerror(errno));
        return -1;
    }
    close(fd);
    st = calloc(1, sizeof(*st));
    if (st == NULL || (st->path = strdup(path)) == NULL) {
        free(st);
        return sbx_err_nomem(err);
    }
    if (sqlite3_open_v2(path, &st->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) !=
        SQLITE_OK) {
        db_fail(st, "open", err);
        goto fail;
    }
    sqlite3_busy_timeout(st->db, 5000);
    sqlite3_db_config(st->db, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL);
    if (sqlite3_exec(st->db, "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;", NULL, NULL,
                     NULL) != SQLITE_OK) {
        db_fail(st, "set WAL mode", err);
        goto fail;
    }
    if (sqlite3_prepare_v2(st->db, "PRAGMA user_version", -1, &ver, NULL) != SQLITE_OK ||
        sqlite3_step(ver) != SQLITE_ROW) {
        sqlite3_finalize(ver);
        db_fail(st, "read schema version", err);
        goto fail;
    }
    version = sqlite3_column_int(ver, 0);
    sqlite3_finalize(ver);
    if (version > SIM_STORE_VERSION) {
        sbx_err_set(err, SBX_E_STORE,
                    "simulator state '%s': schema version %d is newer than this sandboxctl (%d)",
                    path, version, SIM_STORE_VERSION);
        goto fail;
    }
    if (version < SIM_STORE_VERSION &&
        sqlite3_exec(st->db, sim_schema, NULL, NULL, NULL) != SQLITE_OK) {
        db_fail(st, "create schema", err);
        goto fail;
    }
    if (sqlite3_prepare_v3(st->db, sim_sql_save, -1, SQLITE_PREPARE_PERSISTENT, &st->save, NULL) !=
                SQLITE_OK ||
        sqlite3_prepare_v3(st->db, sim_sql_load, -1, SQLITE_PREPARE_PERSISTENT, &st->load, NULL) !=
                SQLITE_OK) {
        db_fail(st, "prepare", err);
        goto fail;
    }
    *out = st;
    return 0;
fail:
    sim_store_close(st);
    return -1;
}

void
sim_store_close(struct sim_store *st)
{
    if (st == NULL)
        return;
    sqlite3_finalize(st->save);
    sqlite3_finalize(st->load);
    sqlite3_close(st->db);
    free(st->path);
    free(st);
}

int
sim_store_load(struct sim_store *st, struct sim *s, bool *found, struct sbx_err *err)
{
    const unsigned char *text;
    char *copy = NULL;
    int rc = -1, step;

    *found = false;
    step = sqlite3_step(st->load);
    if (step == SQLITE_DONE) {
        rc = 0;
        goto out;
    }
    if (step != SQLITE_ROW) {
        db_fail(st, "load", err);
        goto out;
    }
    text = sqlite3_column_text(st->load, 0);
    if (text == NULL) {
        rc = 0;
        goto out;
    }
    copy = strdup((const char *)text); /* column text dies at the reset below */
    if (copy == NULL) {
        sbx_err_nomem(err);
        goto out;
    }
    sqlite3_reset(st->load);
    if (sim_state_load(s, copy, err) != 0) {
        sbx_err_prefix(err, "simulator state '%s'", st->path);
        goto out;
    }
    *found = true;
    rc = 0;
out:
    sqlite3_reset(st->load);
    if (copy != NULL) {
        OPENSSL_cleanse(copy, strlen(copy));
        free(copy);
    }
    return rc;
}

int
sim_store_save(struct sim_store *st, struct sim *s, struct sbx_err *err)
{
    char *text = NULL;
    int rc = -1;

    if (sim_state_json(s, true, &text, err) != 0)
        return -1;
    if (sqlite3_bind_double(st->save, sqlite3_bind_parameter_index(st->save, ":saved_at"),
                            clock_wall()) != SQLITE_OK ||
        sqlite3_bind_text(st->save, sqlite3_bind_parameter_index(st->save, ":state"), text, -1,
                          SQLITE_STATIC) != SQLITE_OK ||
        sqlite3_step(st->save) != SQLITE_DONE) {
        db_fail(st, "save", err);
        goto out;
    }
    rc = 0;
out:
    sqlite3_reset(st->save);
    sqlite3_clear_bindings(st->save);
    OPENSSL_cleanse(text, strlen(text));
    free(text);
    return rc;
}
