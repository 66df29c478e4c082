/* class_util.c -- class names, seat labels, sign-in URLs, ready-by (see class_util.h). */
#include "class/class_util.h"

#include <ctype.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

bool
class_name_valid(const char *name, char *why, size_t n)
{
    size_t len = strlen(name);

    if (len == 0 || len > CLASS_NAME_MAX) {
        snprintf(why, n, "class name '%s' must have 1 to %d characters", name, CLASS_NAME_MAX);
        return false;
    }
    if (!isalnum((unsigned char)name[0])) {
        snprintf(why, n, "class name '%s' must start with a letter or digit", name);
        return false;
    }
    for (const char *p = name; *p != '\0'; p++) {
        if (!isalnum((unsigned char)*p) && *p != '-' && *p != '_' && *p != '.') {
            snprintf(why, n, "class name '%s' may only contain letters, digits, '-', '_', '.'",
                     name);
            return false;
        }
    }
    return true;
}

const char *
class_seat_label(int64_t seat, int64_t nseats, char *buf, size_t n)
{
    int width = 2;

    for (int64_t v = nseats; v >= 100; v /= 10)
        width++;
    snprintf(buf, n, "%0*lld", width, (long long)seat);
    return buf;
}

/* Appends s percent-encoded (RFC 3986 unreserved kept) at *pos; false when out of room. */
static bool
put_encoded(char *buf, size_t n, size_t *pos, const char *s, size_t max_chars)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t chars = 0;

    for (const unsigned char *p = (const unsigned char *)s; *p != '\0' && chars < max_chars;
         p++, chars++) {
        if (isalnum(*p) || *p == '-' || *p == '_' || *p == '.' || *p == '~') {
            if (*pos + 1 >= n)
                return false;
            buf[(*pos)++] = (char)*p;
        } else {
            if (*pos + 3 >= n)
                return false;
            buf[(*pos)++] = '%';
            buf[(*pos)++] = hex[*p >> 4];
            buf[(*pos)++] = hex[*p & 15];
        }
    }
    buf[*pos] = '\0';
    return true;
}

static bool
put_raw(char *buf, size_t n, size_t *pos, const char *s)
{
    size_t len = strlen(s);

    if (*pos + len >= n)
        return false;
    memcpy(buf + *pos, s, len + 1);
    *pos += len;
    return true;
}

int
class_signin_url(const char *partition, const char *role, const char *account_id,
                 const char *display, char *buf, size_t n)
{
    const char *host;
    size_t pos = 0;

    if (n == 0)
        return -1;
    buf[0] = '\0';
    if (strcmp(partition, "aws") == 0)
        host = "https://signin.aws.amazon.com/switchrole?roleName=";
    else if (strcmp(partition, "aws-cn") == 0)
        host = "https://signin.amazonaws.cn/switchrole?roleName=";
    else if (strcmp(partition, "aws-us-gov") == 0)
        host = "https://signin.amazonaws-us-gov.com/switchrole?roleName=";
    else
        return -1;
    if (!put_raw(buf, n, &pos, host) || !put_encoded(buf, n, &pos, role, SIZE_MAX) ||
        !put_raw(buf, n, &pos, "&account=") || !put_encoded(buf, n, &pos, account_id, SIZE_MAX) ||
        !put_raw(buf, n, &pos, "&displayName=") || !put_encoded(buf, n, &pos, display, 64)) {
        buf[0] = '\0';
        return -1;
    }
    return 0;
}

int64_t
class_ready_by_start(int64_t ready_by, double floor_secs)
{
    return ready_by - (int64_t)ceil(floor_secs * CLASS_READY_FACTOR) - CLASS_READY_MARGIN;
}
