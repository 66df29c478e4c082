/*
 * fuzz_template.c -- email and account name templates (engine/engine_alias.h): placeholder
 * parsing and expansion, the owner's normalisation and sanitising, and AWS's email and name
 * rules applied to the result.
 *
 * Input lines: the template, the owner, the class name, the owner domain.
 */
#include <stdlib.h>
#include <string.h>

#include "engine/engine_alias.h"
#include "fuzz_util.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fz_strndup(data, size), *p = text;
    const char *tmpl, *owner, *cls, *domain;
    char out[256], norm[ALIAS_OWNER_MAX + 1], san[64];
    struct engine_alias_vars v = { 0 };
    struct sbx_err err = { 0 };

    tmpl = fz_line(&p);
    owner = fz_line(&p);
    cls = fz_line(&p);
    domain = fz_line(&p);
    if (tmpl == NULL)
        tmpl = "";
    if (owner == NULL)
        owner = "a@example.com";
    v.kind = "developer";
    v.owner = owner;
    v.class_name = cls;
    v.seat = 7;
    v.seq = 42;
    v.rand = "abcd1234";
    (void)!engine_alias_template_check(tmpl, "email_template", &err);
    (void)engine_alias_template_uses(tmpl, "seq");
    if (engine_alias_expand(tmpl, &v, out, sizeof(out), &err) == 0) {
        (void)!engine_alias_validate_email(out, &err);
        (void)!engine_alias_validate_name(out, &err);
    }
    /* A result that must fit a small buffer exactly. */
    (void)!engine_alias_expand(tmpl, &v, out, 8, &err);
    (void)!engine_alias_normalize_owner(owner, domain, norm, sizeof(norm), &err);
    engine_alias_sanitize(owner, strlen(owner), san, sizeof(san));
    engine_alias_sanitize(tmpl, strlen(tmpl), san, 4);
    free(text);
    return 0;
}
