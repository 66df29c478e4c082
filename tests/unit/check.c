/* check.c -- runs one registered unit-test case by name (see check.h). */
#include "check.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct check_case {
    const char *name;
    check_fn fn;
};

static struct check_case cases[512];
static size_t ncases;
int check_argc;
char **check_argv;

void
check_register(const char *name, check_fn fn)
{
    if (ncases == SBX_ARRAY_LEN(cases)) {
        fprintf(stderr, "check: too many cases\n");
        exit(2);
    }
    cases[ncases].name = name;
    cases[ncases].fn = fn;
    ncases++;
}

char *
check_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    size_t cap = 0, n = 0;

    if (f == NULL) {
        fprintf(stderr, "check: cannot open '%s'\n", path);
        exit(1);
    }
    for (;;) {
        if (n + 4096 + 1 > cap) {
            cap = cap == 0 ? 8192 : cap * 2;
            buf = realloc(buf, cap);
            if (buf == NULL)
                exit(1);
        }
        size_t r = fread(buf + n, 1, cap - n - 1, f);
        n += r;
        if (r == 0)
            break;
    }
    fclose(f);
    buf[n] = '\0';
    if (len != NULL)
        *len = n;
    return buf;
}

char *
check_tmpdir(void)
{
    const char *base = getenv("TMPDIR");
    char tmpl[4096];

    snprintf(tmpl, sizeof(tmpl), "%s/sbx-unit-XXXXXX", base != NULL ? base : "/tmp");
    if (mkdtemp(tmpl) == NULL) {
        perror("mkdtemp");
        exit(1);
    }
    return strdup(tmpl);
}

int
main(int argc, char **argv)
{
    if (argc < 2) {
        for (size_t i = 0; i < ncases; i++)
            printf("%s\n", cases[i].name);
        return 0;
    }
    check_argc = argc;
    check_argv = argv;
    for (size_t i = 0; i < ncases; i++) {
        if (strcmp(cases[i].name, argv[1]) == 0) {
            cases[i].fn();
            return 0;
        }
    }
    fprintf(stderr, "check: no test case '%s'\n", argv[1]);
    return 2;
}

int
check_stderr_begin(const char *path)
{
    int saved, fd;

    fflush(stderr);
    saved = dup(STDERR_FILENO);
    fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (saved < 0 || fd < 0 || dup2(fd, STDERR_FILENO) < 0) {
        perror("check_stderr_begin");
        exit(1);
    }
    close(fd);
    return saved;
}

char *
check_stderr_end(const char *path, int saved)
{
    fflush(stderr);
    if (dup2(saved, STDERR_FILENO) < 0) {
        perror("check_stderr_end");
        exit(1);
    }
    close(saved);
    return check_read_file(path, NULL);
}
