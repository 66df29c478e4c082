/* store_ou.c -- the ou table: OU ids cached by OU path. */
#include "store/store.h"

#include "store/store_int.h"

int
store_ou_get(struct store *s, const char *path, char **id, struct sbx_err *err)
{
    return store_get_text(s, STORE_OU_GET, ":path", path, id, err);
}

int
store_ou_put(struct store *s, const char *path, const char *id, struct sbx_err *err)
{
    return store_put_text(s, STORE_OU_PUT, ":path", path, ":id", id, err);
}
