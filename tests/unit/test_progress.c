/* test_progress.c -- progress lines, the terminal bar, and when each mode prints. */
#include <unistd.h>

#include "check.h"
#include "util/progress.h"

static struct progress_counts
counts(int total, int done, int inprog, int failed, double elapsed, double eta)
{
    struct progress_counts c = { total, done, inprog, failed, elapsed, eta };

    return c;
}

TEST(plain_line)
{
    char buf[256];
    struct progress_counts c = counts(60, 12, 5, 1, 130, 580.4);

    CHECK_STR_EQ(progress_format_line(buf, sizeof(buf), "class k8s: creating", &c),
                 "class k8s: creating: 12/60 done, 5 in progress, 1 failed, elapsed 2m10s, eta "
                 "9m40s");
    c.eta = -1;
    CHECK_CONTAINS(progress_format_line(buf, sizeof(buf), "x", &c), "eta unknown");
}

TEST(bar_fits_the_width)
{
    char buf[512];
    struct progress_counts c = counts(60, 30, 5, 0, 60, 60);

    progress_format_bar(buf, sizeof(buf), "k8s", &c, 80);
    CHECK_INT_EQ(strlen(buf), 79);
    CHECK_CONTAINS(buf, "k8s [");
    CHECK_CONTAINS(buf, "30/60 done");
    /* Half done: the bar is half filled. */
    {
        const char *open = strchr(buf, '['), *close = strchr(buf, ']');
        int hashes = 0, width = (int)(close - open - 1);

        for (const char *q = open + 1; q < close; q++)
            hashes += *q == '#';
        CHECK_INT_EQ(hashes, width / 2);
    }
    /* Too narrow for a bar: cut, never wrapped. */
    progress_format_bar(buf, sizeof(buf), "a-very-long-class-label", &c, 30);
    CHECK(strlen(buf) <= 29);
    CHECK(strchr(buf, '[') == NULL);
}

/* Runs fn's output into a temp file and returns what was written. */
static char *
capture(enum progress_mode mode, const double *times, const int *done, size_t n)
{
    char *dir = check_tmpdir(), path[4096], *text;
    struct progress p;
    FILE *f;

    snprintf(path, sizeof(path), "%s/out", dir);
    f = fopen(path, "w+");
    CHECK(f != NULL);
    progress_init(&p, f, mode, "L");
    for (size_t i = 0; i < n; i++) {
        struct progress_counts c = counts(10, done[i], 1, 0, times[i], 5);

        progress_update(&p, &c, times[i]);
    }
    {
        struct progress_counts c = counts(10, 10, 0, 0, 99, 0);

        progress_finish(&p, &c);
    }
    fclose(f);
    text = check_read_file(path, NULL);
    unlink(path);
    rmdir(dir);
    free(dir);
    return text;
}

static int
count_char(const char *s, char ch)
{
    int n = 0;

    for (; *s != '\0'; s++)
        n += *s == ch;
    return n;
}

TEST(lines_mode_prints_on_change_and_heartbeat)
{
    /* t=0 first (prints), t=1 same (no), t=2 changed (prints), t=10 same (no), t=40 same but
     * 38 s since the last line (heartbeat), then the final line. */
    const double t[] = { 0, 1, 2, 10, 40 };
    const int d[] = { 0, 0, 1, 1, 1 };
    char *out = capture(PROGRESS_LINES, t, d, 5);

    CHECK_INT_EQ(count_char(out, '\n'), 4);
    CHECK(strchr(out, '\r') == NULL);
    CHECK(strstr(out, "\033[") == NULL);
    CHECK_CONTAINS(out, "L: 10/10 done, 0 in progress, 0 failed, elapsed 1m39s, eta 0s\n");
    free(out);
}

TEST(tty_mode_redraws_in_place)
{
    const double t[] = { 0, 0.05, 0.2 };
    const int d[] = { 0, 1, 2 };
    char *out = capture(PROGRESS_TTY, t, d, 3);

    /* Draws at 0 and 0.2 (0.05 is too soon), the final draw, one newline at the end. */
    CHECK_INT_EQ(count_char(out, '\r'), 3);
    CHECK_INT_EQ(count_char(out, '\n'), 1);
    CHECK(out[strlen(out) - 1] == '\n');
    CHECK_CONTAINS(out, "\033[K");
    free(out);
}

TEST(lines_mode_final_line_not_repeated)
{
    struct progress_counts c = counts(10, 10, 0, 0, 60, 0);
    struct progress p;
    FILE *f = tmpfile();
    char buf[1024];
    size_t n;

    CHECK(f != NULL);
    progress_init(&p, f, PROGRESS_LINES, "L");
    progress_update(&p, &c, 1);
    progress_finish(&p, &c);
    rewind(f);
    n = fread(buf, 1, sizeof(buf) - 1, f);
    buf[n] = '\0';
    fclose(f);
    CHECK_INT_EQ(count_char(buf, '\n'), 1);
}

TEST(off_mode_prints_nothing)
{
    const double t[] = { 0, 50 };
    const int d[] = { 0, 5 };
    char *out = capture(PROGRESS_OFF, t, d, 2);

    CHECK_STR_EQ(out, "");
    free(out);
}

TEST(mode_for_non_terminal)
{
    FILE *f = tmpfile();

    CHECK(f != NULL);
    CHECK_INT_EQ(progress_mode_for(f, false), PROGRESS_LINES);
    CHECK_INT_EQ(progress_mode_for(f, true), PROGRESS_OFF);
    fclose(f);
}
