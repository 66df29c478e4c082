/*
 * fuzz_config.c -- the configuration file (cfg.h): libconfig syntax, then sandboxctl's own
 * validation of every group and key, loaded from a file as `--config` loads it.
 */
#include <stdlib.h>

#include "cfg.h"
#include "fuzz_util.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct sbx_config *cfg = NULL;
    struct sbx_err err = { 0 };

    if (cfg_load(fz_write("sandboxctl.cfg", data, size), &cfg, &err) == 0) {
        (void)cfg_kind_find(cfg, "developer");
        cfg_free(cfg);
    }
    return 0;
}
