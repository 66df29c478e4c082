/* fuzz_util.c -- helpers shared by the libFuzzer targets (see fuzz_util.h). */
#include "fuzz_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char tmpdir[64];
static char written[16][128];
static size_t nwritten;

char *
fz_strndup(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);

    if (s == NULL)
        abort();
    if (size > 0)
        memcpy(s, data, size);
    s[size] = '\0';
    return s;
}

size_t
fz_split(char *text, size_t len, char **parts, size_t *lens, size_t max)
{
    size_t n = 0, start = 0;

    if (max == 0)
        return 0;
    for (size_t i = 0; i + 4 <= len && n + 1 < max; i++) {
        if (memcmp(text + i, "\n%%\n", 4) == 0) {
            text[i] = '\0';
            parts[n] = text + start;
            lens[n] = i - start;
            n++;
            start = i + 4;
            i += 3;
        }
    }
    parts[n] = text + start;
    lens[n] = len - start;
    return n + 1;
}

char *
fz_line(char **p)
{
    char *line = *p, *nl;

    if (line == NULL || *line == '\0')
        return NULL;
    nl = strchr(line, '\n');
    if (nl != NULL) {
        *nl = '\0';
        *p = nl + 1;
    } else {
        *p = line + strlen(line);
    }
    return line;
}

static void
cleanup(void)
{
    for (size_t i = 0; i < nwritten; i++)
        unlink(written[i]);
    if (tmpdir[0] != '\0')
        rmdir(tmpdir);
}

const char *
fz_tmpdir(void)
{
    if (tmpdir[0] == '\0') {
        const char *base = getenv("TMPDIR");

        /* Memory-backed when possible: targets write a file per input. */
        if (base == NULL || *base == '\0' || strlen(base) >= 40)
            base = access("/dev/shm", W_OK | X_OK) == 0 ? "/dev/shm" : "/tmp";
        snprintf(tmpdir, sizeof(tmpdir), "%s/sbx-fuzz-XXXXXX", base);
        if (mkdtemp(tmpdir) == NULL)
            abort();
        atexit(cleanup);
    }
    return tmpdir;
}

const char *
fz_write(const char *name, const void *data, size_t len)
{
    static char path[128];
    FILE *f;
    size_t i;

    snprintf(path, sizeof(path), "%s/%s", fz_tmpdir(), name);
    for (i = 0; i < nwritten && strcmp(written[i], path) != 0; i++) {
    }
    if (i == nwritten && nwritten < sizeof(written) / sizeof(written[0]))
        snprintf(written[nwritten++], sizeof(written[0]), "%s", path);
    f = fopen(path, "wb");
    if (f == NULL || (len > 0 && fwrite(data, 1, len, f) != len) || fclose(f) != 0)
        abort();
    return path;
}
