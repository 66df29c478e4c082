/*
 * test_cfg_doc.c -- the key table of src/cfg.c against man/sandboxctl.cfg.5, as t0900 does for
 * the usage texts and the SYNOPSIS: every key of the table has an item of its own in its
 * section of the page ("TOP LEVEL", "AWS", ..., "KINDS"), the item says "Default X" with X the
 * default as a file writes it (and claims no fixed default when the table has none), and every
 * item of those sections names a key of the table. The page is read as mandoc renders it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cfg.h"
#include "check.h"

/* mandoc -T ascii of the page, overstrikes removed, in a heap string. */
static char *
render_page(void)
{
    const char *src = getenv("SBX_SOURCE_DIR");
    char page[4096], *out = NULL;
    size_t len = 0, cap = 0;
    int fds[2], status = 0;
    pid_t pid;

    if (src == NULL)
        CHECK_FAIL("SBX_SOURCE_DIR is not set");
    snprintf(page, sizeof(page), "%s/man/sandboxctl.cfg.5", src);
    CHECK(pipe(fds) == 0);
    pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        dup2(fds[1], STDOUT_FILENO);
        close(fds[0]);
        close(fds[1]);
        execlp("mandoc", "mandoc", "-T", "ascii", "-O", "width=1000", page, (char *)NULL);
        _exit(127);
    }
    close(fds[1]);
    for (;;) {
        char buf[4096];
        ssize_t got = read(fds[0], buf, sizeof(buf));

        if (got < 0 && errno == EINTR)
            continue;
        CHECK(got >= 0);
        if (got == 0)
            break;
        for (ssize_t i = 0; i < got; i++) {
            if (len + 2 > cap) {
                cap = cap * 2 + 4096;
                out = realloc(out, cap);
                CHECK(out != NULL);
            }
            if (buf[i] == '\b') { /* "c\bc" (bold) and "_\bc" (underline): keep the last */
                if (len > 0)
                    len--;
                continue;
            }
            out[len++] = buf[i];
        }
    }
    close(fds[0]);
    CHECK(waitpid(pid, &status, 0) == pid);
    if (!WIFEXITED(status) || WEXITSTATUS(status) == 127)
        CHECK_FAIL("mandoc is not installed (contrib/install-deps.sh)");
    CHECK_INT_EQ(WEXITSTATUS(status), 0);
    CHECK(out != NULL);
    out[len] = '\0';
    return out;
}

/* The page section of a table section: "" is TOP LEVEL, the others in capitals. */
static void
section_heading(const char *section, char *buf, size_t n)
{
    size_t i;

    if (*section == '\0') {
        snprintf(buf, n, "TOP LEVEL");
        return;
    }
    for (i = 0; section[i] != '\0' && i + 1 < n; i++)
        buf[i] = (char)(section[i] >= 'a' && section[i] <= 'z' ? section[i] - 32 : section[i]);
    buf[i] = '\0';
}

struct item {
    char section[32];
    char name[64];
    char *body; /* the item's text, lines joined by spaces */
    bool seen;
};

struct page {
    struct item items[256];
    size_t n;
};

static bool
is_heading(const char *line, size_t len)
{
    if (len == 0 || line[0] < 'A' || line[0] > 'Z')
        return false;
    for (size_t i = 0; i < len; i++)
        if (!((line[i] >= 'A' && line[i] <= 'Z') || line[i] == ' '))
            return false;
    return true;
}

/* Collects the items "     name = ..." of every section, with their bodies (a nested group's
 * keys are items named group.key, e.g. pool.size). */
static void
parse_page(const char *text, struct page *pg)
{
    char section[32] = "";
    struct item *cur = NULL;

    pg->n = 0;
    for (const char *p = text; *p != '\0';) {
        size_t len = strcspn(p, "\n"), name_len;
        size_t indent = strspn(p, " ");

        if (is_heading(p, len)) {
            snprintf(section, sizeof(section), "%.*s", (int)len, p);
            cur = NULL;
        } else if (indent == 5 && (name_len = strspn(p + 5, "abcdefghijklmnopqrstuvwxyz_.")) > 0 &&
                   strncmp(p + 5 + name_len, " = ", 3) == 0) {
            CHECK(pg->n < SBX_ARRAY_LEN(pg->items));
            cur = &pg->items[pg->n++];
            snprintf(cur->section, sizeof(cur->section), "%s", section);
            snprintf(cur->name, sizeof(cur->name), "%.*s", (int)name_len, p + 5);
            cur->body = strdup("");
            cur->seen = false;
            CHECK(cur->body != NULL);
        } else if (indent < len && indent <= 5) {
            cur = NULL; /* a paragraph, subsection or list of its own ends the item */
        } else if (cur != NULL && indent < len) {
            size_t old = strlen(cur->body);
            char *body = realloc(cur->body, old + len - indent + 2);

            CHECK(body != NULL);
            snprintf(body + old, len - indent + 2, "%.*s ", (int)(len - indent), p + indent);
            cur->body = body;
        }
        p += len + (p[len] == '\n');
    }
}

static void
free_page(struct page *pg)
{
    for (size_t i = 0; i < pg->n; i++)
        free(pg->items[i].body);
    pg->n = 0;
}

/* True when body says "Default <def>" followed by punctuation, a space or its end. */
static bool
says_default(const char *body, const char *def)
{
    size_t dlen = strlen(def);

    for (const char *p = strstr(body, "Default "); p != NULL; p = strstr(p + 1, "Default ")) {
        const char *v = p + strlen("Default ");

        if (strncmp(v, def, dlen) == 0 && strchr(".,; ", v[dlen]) != NULL)
            return true;
    }
    return false;
}

/* Checks the keys of tab against the page; 0, or -1 with the first disagreement in why. */
static int
check_keys(struct page *pg, const struct cfg_key *tab, size_t n, char *why, size_t wn)
{
    for (size_t i = 0; i < n; i++) {
        const struct cfg_key *k = &tab[i];
        char heading[32], def[256];
        struct item *it = NULL;

        section_heading(k->section, heading, sizeof(heading));
        for (size_t j = 0; j < pg->n; j++)
            if (strcmp(pg->items[j].section, heading) == 0 &&
                strcmp(pg->items[j].name, k->name) == 0)
                it = &pg->items[j];
        if (it == NULL) {
            snprintf(why, wn, "key '%s%s%s' has no item of its own under %s", k->section,
                     *k->section ? "." : "", k->name, heading);
            return -1;
        }
        it->seen = true;
        if (cfg_key_default(k, def, sizeof(def)) != NULL) {
            if (!says_default(it->body, def)) {
                snprintf(why, wn, "key '%s%s%s': the page does not say \"Default %s\": %s",
                         k->section, *k->section ? "." : "", k->name, def, it->body);
                return -1;
            }
        } else if (strstr(it->body, "Default ") != NULL) {
            snprintf(why, wn, "key '%s%s%s' has no fixed default but the page gives one: %s",
                     k->section, *k->section ? "." : "", k->name, it->body);
            return -1;
        }
    }
    return 0;
}

/* The whole check over rendered page text. */
static int
check_page(const char *text, char *why, size_t wn)
{
    struct page *pg = calloc(1, sizeof(*pg));
    const struct cfg_key *tab;
    size_t n;
    int rc = -1;

    CHECK(pg != NULL);
    parse_page(text, pg);
    tab = cfg_keys(&n);
    if (check_keys(pg, tab, n, why, wn) != 0)
        goto out;
    tab = cfg_kind_keys(&n);
    if (check_keys(pg, tab, n, why, wn) != 0)
        goto out;
    for (size_t j = 0; j < pg->n; j++) {
        if (!pg->items[j].seen) {
            snprintf(why, wn, "the page documents '%s' under %s, which the key table lacks",
                     pg->items[j].name, pg->items[j].section);
            goto out;
        }
    }
    rc = 0;
out:
    free_page(pg);
    free(pg);
    return rc;
}

/* text with the first occurrence of from replaced by to (heap). */
static char *
replaced(const char *text, const char *from, const char *to)
{
    const char *at = strstr(text, from);
    size_t n = strlen(text) - strlen(from) + strlen(to) + 1;
    char *out = malloc(n);

    if (at == NULL)
        CHECK_FAIL("\"%s\" is not in the rendered page", from);
    CHECK(out != NULL);
    snprintf(out, n, "%.*s%s%s", (int)(at - text), text, to, at + strlen(from));
    return out;
}

TEST(manpage_documents_every_key)
{
    char *text = render_page(), why[2048];
    size_t n, nk;

    cfg_keys(&n);
    cfg_kind_keys(&nk);
    CHECK(n + nk > 50);
    if (check_page(text, why, sizeof(why)) != 0)
        CHECK_FAIL("man/sandboxctl.cfg.5 and the key table of src/cfg.c disagree: %s", why);
    free(text);
}

/* The check itself finds each kind of drift. */
TEST(check_finds_drift)
{
    char *text = render_page(), *bad, why[2048];

    bad = replaced(text, "standard retry mode, 1 to 20.  Default 5.",
                   "standard retry mode, 1 to 20.  Default 6.");
    CHECK(check_page(bad, why, sizeof(why)) != 0);
    CHECK_CONTAINS(why, "key 'aws.max_attempts': the page does not say \"Default 5\"");
    free(bad);

    bad = replaced(text, "     create_stuck = duration",
                   "     create_stuck_typo = duration\n             Default 1.\n\n"
                   "     create_stuck = duration");
    CHECK(check_page(bad, why, sizeof(why)) != 0);
    CHECK_CONTAINS(why, "documents 'create_stuck_typo' under LIMITS");
    free(bad);

    bad = replaced(text, "     seed = n", "     seeds = n");
    CHECK(check_page(bad, why, sizeof(why)) != 0);
    CHECK_CONTAINS(why, "key 'sim.seed' has no item of its own under SIM");
    free(bad);

    bad = replaced(text, "Default [ \"pre-close\" ]", "Default [ \"post-close\" ]");
    CHECK(check_page(bad, why, sizeof(why)) != 0);
    CHECK_CONTAINS(why, "hooks.pass_credentials");
    free(bad);

    bad = replaced(text, "An STS endpoint override.", "An STS endpoint override.  Default 42.");
    CHECK(check_page(bad, why, sizeof(why)) != 0);
    CHECK_CONTAINS(why, "key 'aws.sts_endpoint' has no fixed default");
    free(bad);
    free(text);
}
