/*
 * store_backup.c -- a consistent copy of the store while other processes use it.
 *
 * SQLite's online backup copies every page in one step, inside one read transaction of the
 * source: in WAL mode that is a snapshot that writers do not block and that does not block
 * them. The copy goes to a temporary file beside the destination (mkstemp: 0600, a name
 * nobody can predict), without a journal of its own (the rename below is what makes it
 * atomic), is switched from WAL to a rollback journal so that the copy is one self-contained
 * file, is checked with PRAGMA quick_check, flushed, and only then renamed into place.
 */
#include "store/store.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "store/store_int.h"

/* Writes the file's data, and then the directory entry naming it, to disk. */
static int
sync_path(const char *path, const char *dir, struct sbx_err *err)
{
    const char *const what[] = { path, dir };

    for (size_t i = 0; i < SBX_ARRAY_LEN(what); i++) {
        int fd = open(what[i], O_RDONLY | O_CLOEXEC);

        if (fd < 0 || fsync(fd) != 0) {
            int e = errno;

            if (fd >= 0)
                close(fd);
            sbx_err_set(err, e == ENOSPC ? SBX_E_STORE : SBX_E_IO, "backup: cannot flush '%s': %s",
                        what[i], e == ENOSPC ? "no space left on device" : strerror(e));
            return -1;
        }
        close(fd);
    }
    return 0;
}

static void
backup_err(sqlite3 *db, struct sbx_err *err, const char *path, const char *what)
{
    char text[256];

    sbx_err_set(err, SBX_E_STORE, "backup to '%s': %s: %s", path, what,
                store_error_text(sqlite3_extended_errcode(db), sqlite3_system_errno(db),
                                 sqlite3_errmsg(db), text, sizeof(text)));
}

/* Copies s into the empty database file tmp and checks the copy. */
static int
copy_into(struct store *s, const char *tmp, const char *path, int64_t *pages, struct sbx_err *err)
{
    sqlite3 *dst = NULL;
    sqlite3_backup *bk;
    char why[512], *msg = NULL;
    int rc = -1, step;
    bool ok;

    if (sqlite3_open_v2(tmp, &dst, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) !=
        SQLITE_OK) {
        backup_err(dst, err, path, "cannot open the copy");
        goto out;
    }
    sqlite3_extended_result_codes(dst, 1);
    if (sqlite3_exec(dst, "PRAGMA journal_mode = OFF", NULL, NULL, &msg) != SQLITE_OK) {
        backup_err(dst, err, path, "cannot prepare the copy");
        goto out;
    }
    bk = sqlite3_backup_init(dst, "main", s->db, "main");
    if (bk == NULL) {
        backup_err(dst, err, path, "cannot start the backup");
        goto out;
    }
    /* -1: every page in one step, so one snapshot. BUSY only while another process recovers
     * the WAL; the source connection's busy timeout has waited already. */
    step = sqlite3_backup_step(bk, -1);
    *pages = sqlite3_backup_pagecount(bk);
    sqlite3_backup_finish(bk);
    if (step != SQLITE_DONE) {
        if ((step & 0xff) == SQLITE_BUSY || (step & 0xff) == SQLITE_LOCKED ||
            sqlite3_errcode(dst) == SQLITE_OK)
            store_sqlite_err(s, err, "backup failed");
        else
            backup_err(dst, err, path, "backup failed");
        goto out;
    }
    /* The copied header says WAL; a backup is one file. */
    if (sqlite3_exec(dst, "PRAGMA journal_mode = DELETE", NULL, NULL, &msg) != SQLITE_OK) {
        backup_err(dst, err, path, "cannot finish the copy");
        goto out;
    }
    if (store_quick_check(dst, &ok, why, sizeof(why)) != SQLITE_OK) {
        backup_err(dst, err, path, "cannot check the copy");
        goto out;
    }
    if (!ok) {
        sbx_err_set(err, SBX_E_STORE,
                    "backup of '%s' fails its integrity check (malformed: %s); the store is "
                    "damaged, no backup written",
                    s->path, why);
        goto out;
    }
    rc = 0;
out:
    sqlite3_free(msg);
    if (dst != NULL && sqlite3_close(dst) != SQLITE_OK && rc == 0) {
        backup_err(dst, err, path, "cannot close the copy");
        rc = -1;
    }
    return rc;
}

int
store_backup(struct store *s, const char *path, bool overwrite, int64_t *pages, struct sbx_err *err)
{
    char tmp[4200], dir[4096];
    struct stat st;
    int fd, rc = -1;

    *pages = 0;
    store_dir_of(path, dir, sizeof(dir));
    /* The copy is a store: it gets the same protection. */
    if (store_check_dir(path, err) != 0)
        return -1;
    if (!overwrite && lstat(path, &st) == 0) {
        sbx_err_set(err, SBX_E_CONFLICT, "backup: '%s' exists; --force replaces it", path);
        return -1;
    }
    if (snprintf(tmp, sizeof(tmp), "%s.tmp-XXXXXX", path) >= (int)sizeof(tmp)) {
        sbx_err_set(err, SBX_E_INVALID, "backup: path too long: '%.100s...'", path);
        return -1;
    }
    fd = mkstemp(tmp);
    if (fd < 0) {
        sbx_err_set(err, SBX_E_IO, "backup: cannot create a file in '%s': %s", dir,
                    strerror(errno));
        return -1;
    }
    close(fd);
    if (copy_into(s, tmp, path, pages, err) != 0 || sync_path(tmp, dir, err) != 0)
        goto out;
    if (overwrite) {
        if (rename(tmp, path) != 0) {
            sbx_err_set(err, SBX_E_IO, "backup: cannot rename '%s' to '%s': %s", tmp, path,
                        strerror(errno));
            goto out;
        }
    } else if (link(tmp, path) != 0) {
        /* link() never replaces: a file that appeared since the check above stays. */
        if (errno == EEXIST)
            sbx_err_set(err, SBX_E_CONFLICT, "backup: '%s' exists; --force replaces it", path);
        else
            sbx_err_set(err, SBX_E_IO, "backup: cannot create '%s': %s", path, strerror(errno));
        goto out;
    }
    if (sync_path(path, dir, err) != 0)
        goto out;
    rc = 0;
out:
    unlink(tmp);
    return rc;
}
