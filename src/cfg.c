/* cfg.c -- PLACEHOLDER: replaced by the config owner. */
#include "cfg.h"

#include <stdlib.h>

const char *
cfg_resolve_path(const char *explicit_path)
{
    const char *env = getenv("SANDBOXCTL_CONFIG");

    if (explicit_path != NULL)
        return explicit_path;
    return env != NULL && *env != '\0' ? env : CFG_DEFAULT_PATH;
}

int
cfg_load(const char *path, struct sbx_config **out, struct sbx_err *err)
{
    (void)out;
    sbx_err_set(err, SBX_E_CONFIG, "%s: config loading not implemented yet", path);
    return -1;
}

int
cfg_defaults(struct sbx_config **out, struct sbx_err *err)
{
    *out = calloc(1, sizeof(**out));
    if (*out == NULL) {
        sbx_err_set(err, SBX_E_NOMEM, "out of memory");
        return -1;
    }
    return 0;
}

void
cfg_free(struct sbx_config *cfg)
{
    free(cfg);
}
