/*
 * cmd_backup.c -- `sandboxctl backup FILE`: a consistent copy of the store, taken with
 * SQLite's online backup while other sandboxctl processes (a `run --watch`, an `offboard`)
 * keep using it. The copy is one self-contained file, mode 0600, checked with
 * PRAGMA quick_check and renamed into place only when complete; an existing FILE is
 * replaced only with --force.
 */
#include "cli/cmd.h"

#include <stdio.h>
#include <sys/stat.h>

#include <cjson/cJSON.h>

#include "cli/cmd_util.h"
#include "store/store.h"

const char cmd_backup_usage[] = "usage: sandboxctl backup [--force] [--json] FILE";

int
cmd_backup(struct sbx_ctx *ctx, int argc, char **argv)
{
    struct sbx_err err = { 0 };
    bool force = false, json = false;
    struct stat st;
    int64_t pages = 0;
    const char *file;
    int rc;
    const struct cmd_opt opt[] = {
        CMD_OPT_JSON(&json),
        { .name = "force", 'f', CMD_OPT_SET, &force },
        CMD_OPT_END_ONE("FILE"),
    };

    if ((rc = cmd_parse_opts("backup", cmd_backup_usage, opt, argc, argv)) != 0)
        return rc;
    file = argv[optind];
    if (file[0] == '\0')
        return cmd_usage_error(cmd_backup_usage, "backup: FILE is empty");
    if (store_backup(ctx->store, file, force, &pages, &err) != 0)
        return cmd_fail("backup", &err);
    if (stat(file, &st) != 0)
        st.st_size = 0;
    if (json) {
        cJSON *o = cJSON_CreateObject();

        if (o != NULL) {
            cJSON_AddStringToObject(o, "store", store_path(ctx->store));
            cJSON_AddStringToObject(o, "backup", file);
            cJSON_AddNumberToObject(o, "pages", (double)pages);
            cJSON_AddNumberToObject(o, "bytes", (double)st.st_size);
            cJSON_AddStringToObject(o, "integrity", "ok");
        }
        if (cmd_json_print(o) != 0)
            return SBX_EXIT_FAILURE;
    } else {
        printf("backup  %s (%lld pages, %lld bytes, integrity ok) from %s\n", file,
               (long long)pages, (long long)st.st_size, store_path(ctx->store));
    }
    return SBX_EXIT_OK;
}
