/*
 * creds_ini.h -- the AWS shared files (~/.aws/config and ~/.aws/credentials) read the way
 * the AWS CLI reads them (AWS-ORGANIZATIONS.md section 5.2): "[profile NAME]", "[default]",
 * "[services NAME]" and "[sso-session NAME]" sections in the config file, bare "[NAME]"
 * profiles in the credentials file, "key = value" (or "key: value") properties, comments
 * starting with '#' or ';', indented continuation lines and indented sub-properties under
 * a key with an empty value. A line the AWS CLI could not parse is an error naming the file
 * and the line. Values may hold secrets: they are wiped when freed.
 */
#ifndef SBX_CREDS_INI_H
#define SBX_CREDS_INI_H

#include <stdbool.h>
#include <stddef.h>

#include "sbx.h"

struct creds_ini_prop {
    char *key;    /* lowercase */
    char *value;  /* may hold a secret */
    char *parent; /* key of the parent property for nested sub-properties, else NULL */
};

struct creds_ini_section {
    char kind[16]; /* "profile", "services", "sso-session" */
    char *name;
    struct creds_ini_prop *props;
    size_t nprops, cap;
};

struct creds_ini {
    char path[4096];
    bool present; /* the file exists (and was parsed) */
    struct creds_ini_section *secs;
    size_t nsecs, cap;
};

/*
 * Parses len bytes of text (need not be NUL-terminated; may hold any bytes) as a config
 * file (config true) or a credentials file into *out, which this zeroes first. `what` and
 * `path` name the file in errors. A malformed line is SBX_E_CREDS "<what> '<path>' line N:
 * <why>". On failure *out is freed.
 */
int creds_ini_parse(const char *what, const char *path, const char *text, size_t len, bool config,
                    struct creds_ini *out, struct sbx_err *err) SBX_NODISCARD;
/*
 * Loads path. A missing file leaves f->present false and is not an error; any other failure
 * (permission, a directory, an I/O error, a malformed line) is SBX_E_CREDS naming what and
 * path.
 */
int creds_ini_load(const char *path, const char *what, bool config, struct creds_ini *f,
                   struct sbx_err *err) SBX_NODISCARD;
void creds_ini_free(struct creds_ini *f);

bool creds_ini_has_section(const struct creds_ini *f, const char *kind, const char *name);
/* The value of key (under parent, or top-level when parent is NULL); the last one wins. */
const char *creds_ini_get(const struct creds_ini *f, const char *kind, const char *name,
                          const char *key, const char *parent);

/* Path from the environment variable env (with "~/" expanded) or ~/.aws/<file>. */
int creds_aws_file_path(const char *env, const char *file, char *out, size_t n,
                        struct sbx_err *err) SBX_NODISCARD;

/*
 * Reads setting key of profile (e.g. "region") from the AWS config file ($AWS_CONFIG_FILE,
 * ~/.aws/config). When service is non-NULL, reads the service's sub-property key from the
 * "[services NAME]" section the profile's `services` setting names, falling back to the
 * profile's own key (botocore's endpoint_url lookup). *out is a heap string (free) or NULL
 * when absent. An unreadable or malformed file is SBX_E_CREDS naming it; a missing one is
 * not an error.
 */
int creds_profile_setting(const char *profile, const char *service, const char *key, char **out,
                          struct sbx_err *err) SBX_NODISCARD;

#endif
