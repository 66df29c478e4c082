/* store.c -- PLACEHOLDER: replaced by the store owner. */
#include "store/store.h"

int
store_open(const char *path, struct store **out, struct sbx_err *err)
{
    (void)out;
    sbx_err_set(err, SBX_E_STORE, "%s: store not implemented yet", path);
    return -1;
}

void
store_close(struct store *s)
{
    (void)s;
}
