/*
 * engine_alias.h -- email aliases and account names from templates (DESIGN.md section 7),
 * checked against AWS's rules before any call (AWS-ORGANIZATIONS.md section 2, "Email rules").
 *
 * Placeholders: {kind} {owner} (the owner's local part, sanitised) {class} {seat} {seq}
 * {rand} (8 random [a-z0-9]). Uniqueness comes from {seq} (a counter in the store) or {rand};
 * the store refuses an alias ever used before, and the caller moves to the next {seq}.
 * Everything here is pure except engine_alias_random().
 */
#ifndef SBX_ENGINE_ALIAS_H
#define SBX_ENGINE_ALIAS_H

#include <stddef.h>
#include <stdint.h>

#include "sbx.h"

#define ALIAS_EMAIL_MIN 6
#define ALIAS_EMAIL_MAX 64
#define ALIAS_NAME_MAX  50
#define ALIAS_OWNER_MAX 254

struct engine_alias_vars {
    const char *kind;
    const char *owner;      /* the owner's full address; {owner} is its sanitised local part */
    const char *class_name; /* NULL = "" */
    int64_t seat;           /* 0 = "" */
    int64_t seq;
    const char *rand; /* NULL = "" */
};

/*
 * Expands tmpl into out (size n). An unknown or unterminated placeholder, or a result that does
 * not fit, fails with SBX_E_INVALID naming the template ("malformed template ...").
 */
int engine_alias_expand(const char *tmpl, const struct engine_alias_vars *v, char *out, size_t n,
                        struct sbx_err *err) SBX_NODISCARD;
/* Checks the placeholders of a template without expanding it (SBX_E_INVALID). */
int engine_alias_template_check(const char *tmpl, const char *what,
                                struct sbx_err *err) SBX_NODISCARD;
/* True when the template uses {placeholder} (e.g. "seq"). */
bool engine_alias_template_uses(const char *tmpl, const char *placeholder);

/*
 * AWS's CreateAccount email rules: 6..64 characters of 7-bit ASCII, exactly one '@'; the local
 * part without whitespace or " ' ( ) < > [ ] : ; , \ | % & and not starting with '.'; the
 * domain only [A-Za-z0-9.-], not starting or ending with '-' or '.', with at least one '.'
 * (and no empty label). SBX_E_INVALID with the rule that failed.
 */
int engine_alias_validate_email(const char *email, struct sbx_err *err) SBX_NODISCARD;
/* CreateAccount AccountName: 1..50 printable ASCII characters. */
int engine_alias_validate_name(const char *name, struct sbx_err *err) SBX_NODISCARD;
/*
 * An owner is an email address whose characters are also valid in an AWS tag value
 * ([A-Za-z0-9._+-] local part, [A-Za-z0-9.-] domain with a dot), at most 254 characters, in
 * `domain` when domain is non-NULL and non-empty. Writes the lower-cased address to out.
 */
int engine_alias_normalize_owner(const char *owner, const char *domain, char *out, size_t n,
                                 struct sbx_err *err) SBX_NODISCARD;
/* The sanitised form used for {owner} and {class}: lower case [a-z0-9-_], runs of other
 * characters become one '-', no leading/trailing '-'. */
void engine_alias_sanitize(const char *in, size_t inlen, char *out, size_t n);
/* Fills out with len random characters [a-z0-9] and a NUL (getrandom). */
int engine_alias_random(char *out, size_t len, struct sbx_err *err) SBX_NODISCARD;

#endif
