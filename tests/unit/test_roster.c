/* test_roster.c -- the RFC 4180 reader/writer and class roster validation. */
#include <stdio.h>
#include <unistd.h>

#include "check.h"
#include "class/class.h"
#include "class/class_util.h"
#include "class/roster.h"
#include "util/csv.h"

static struct roster
parse_ok(const char *text)
{
    struct roster r = { 0 };
    struct sbx_err err = { 0 };

    CHECK_OK(roster_parse("f.csv", text, strlen(text), &r, &err), &err);
    return r;
}

static const char *
parse_err(const char *text, size_t len)
{
    static struct sbx_err err;
    struct roster r = { 0 };

    sbx_err_clear(&err);
    CHECK_ERR(roster_parse("f.csv", text, len, &r, &err), &err, SBX_E_INVALID);
    CHECK(r.n == 0 && r.students == NULL);
    return err.msg;
}

#define PARSE_ERR(text) parse_err((text), strlen(text))

TEST(csv_reads_rfc4180_records)
{
    const char *text = "a,\"b,c\",\"say \"\"hi\"\"\"\r\n"
                       "\"multi\nline\",x\r\n"
                       "\r\n"
                       "last,\"\"";
    struct csv_reader rd;
    struct csv_record rec = { 0 };
    struct sbx_err err = { 0 };

    csv_reader_init(&rd, text, strlen(text));
    CHECK_INT_EQ(csv_next(&rd, &rec, &err), 1);
    CHECK_INT_EQ(rec.nfields, 3);
    CHECK_INT_EQ(rec.line, 1);
    CHECK_STR_EQ(rec.fields[0], "a");
    CHECK_STR_EQ(rec.fields[1], "b,c");
    CHECK_STR_EQ(rec.fields[2], "say \"hi\"");
    CHECK_INT_EQ(csv_next(&rd, &rec, &err), 1);
    CHECK_INT_EQ(rec.line, 2);
    CHECK_INT_EQ(rec.nfields, 2);
    CHECK_STR_EQ(rec.fields[0], "multi\nline");
    CHECK_STR_EQ(rec.fields[1], "x");
    /* The blank line 4 is skipped; the record spanning lines 2-3 moves numbering on. */
    CHECK_INT_EQ(csv_next(&rd, &rec, &err), 1);
    CHECK_INT_EQ(rec.line, 5);
    CHECK_INT_EQ(rec.nfields, 2);
    CHECK_STR_EQ(rec.fields[0], "last");
    CHECK_STR_EQ(rec.fields[1], "");
    CHECK_INT_EQ(csv_next(&rd, &rec, &err), 0);
    csv_record_release(&rec);
}

TEST(csv_empty_fields_and_trailing_newline)
{
    const char *text = ",,\n\n";
    struct csv_reader rd;
    struct csv_record rec = { 0 };
    struct sbx_err err = { 0 };

    csv_reader_init(&rd, text, strlen(text));
    CHECK_INT_EQ(csv_next(&rd, &rec, &err), 1);
    CHECK_INT_EQ(rec.nfields, 3);
    CHECK_STR_EQ(rec.fields[2], "");
    CHECK_INT_EQ(csv_next(&rd, &rec, &err), 0);
    csv_record_release(&rec);
}

TEST(csv_rejects_malformed_quotes)
{
    struct csv_reader rd;
    struct csv_record rec = { 0 };
    struct sbx_err err = { 0 };
    const char *bad1 = "ok\n\"open,never closed\nmore\n";
    const char *bad2 = "a\nb\n\"x\"y,z\n";
    const char *bad3 = "a\"b\n";
    const char nul[] = { 'a', ',', 'b', '\0', 'c', '\n' };

    csv_reader_init(&rd, bad1, strlen(bad1));
    CHECK_INT_EQ(csv_next(&rd, &rec, &err), 1);
    CHECK_INT_EQ(csv_next(&rd, &rec, &err), -1);
    CHECK_CONTAINS(err.msg, "unterminated quoted field");
    CHECK_INT_EQ(rd.err_line, 2);
    csv_reader_init(&rd, bad2, strlen(bad2));
    CHECK_INT_EQ(csv_next(&rd, &rec, &err), 1);
    CHECK_INT_EQ(csv_next(&rd, &rec, &err), 1);
    CHECK_INT_EQ(csv_next(&rd, &rec, &err), -1);
    CHECK_CONTAINS(err.msg, "after a closing quote");
    CHECK_INT_EQ(rd.err_line, 3);
    csv_reader_init(&rd, bad3, strlen(bad3));
    CHECK_INT_EQ(csv_next(&rd, &rec, &err), -1);
    CHECK_CONTAINS(err.msg, "inside an unquoted field");
    csv_reader_init(&rd, nul, sizeof(nul));
    CHECK_INT_EQ(csv_next(&rd, &rec, &err), -1);
    CHECK_CONTAINS(err.msg, "NUL");
    CHECK(rec.fields == NULL);
}

TEST(csv_writer_quotes_only_when_needed)
{
    char *dir = check_tmpdir();
    char path[4096];
    FILE *f;
    char *text;

    snprintf(path, sizeof(path), "%s/out.csv", dir);
    f = fopen(path, "w+");
    CHECK(f != NULL);
    CHECK_INT_EQ(csv_write_field(f, "plain"), 0);
    fputc(',', f);
    CHECK_INT_EQ(csv_write_field(f, "a,b"), 0);
    fputc(',', f);
    CHECK_INT_EQ(csv_write_field(f, "say \"hi\""), 0);
    fputc(',', f);
    CHECK_INT_EQ(csv_write_field(f, " pad"), 0);
    fputc(',', f);
    CHECK_INT_EQ(csv_write_field(f, NULL), 0);
    fputc(',', f);
    CHECK_INT_EQ(csv_write_field(f, "two\nlines"), 0);
    CHECK_INT_EQ(csv_end_record(f), 0);
    fclose(f);
    text = check_read_file(path, NULL);
    CHECK_STR_EQ(text, "plain,\"a,b\",\"say \"\"hi\"\"\",\" pad\",,\"two\nlines\"\r\n");
    {
        /* And it reads back to the same fields. */
        struct csv_reader rd;
        struct csv_record rec = { 0 };
        struct sbx_err err = { 0 };

        csv_reader_init(&rd, text, strlen(text));
        CHECK_INT_EQ(csv_next(&rd, &rec, &err), 1);
        CHECK_INT_EQ(rec.nfields, 6);
        CHECK_STR_EQ(rec.fields[2], "say \"hi\"");
        CHECK_STR_EQ(rec.fields[3], " pad");
        CHECK_STR_EQ(rec.fields[5], "two\nlines");
        csv_record_release(&rec);
    }
    free(text);
    unlink(path);
    rmdir(dir);
    free(dir);
}

/* A cell a spreadsheet would run as a formula gets a leading single quote (OWASP). */
TEST(roster_csv_neutralises_formulas)
{
    static const char *const cells[] = { "=HYPERLINK(\"http://x\",\"y\")",
                                         "+1@corp.example",
                                         "-2+3",
                                         "@SUM(A1:A2)",
                                         "\tlead tab",
                                         "\rlead cr",
                                         "plain",
                                         "a=b",
                                         "",
                                         NULL };
    char *dir = check_tmpdir();
    char path[4096];
    FILE *f;
    char *text;

    snprintf(path, sizeof(path), "%s/roster.csv", dir);
    f = fopen(path, "w+");
    CHECK(f != NULL);
    CHECK_INT_EQ(roster_write_csv_record(f, cells, SBX_ARRAY_LEN(cells)), 0);
    fclose(f);
    text = check_read_file(path, NULL);
    CHECK_STR_EQ(text, "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\",'+1@corp.example,'-2+3,"
                       "'@SUM(A1:A2),'\tlead tab,\"'\rlead cr\",plain,a=b,,\r\n");
    {
        /* It reads back as the quoted cells: the value behind the quote is intact. */
        struct csv_reader rd;
        struct csv_record rec = { 0 };
        struct sbx_err err = { 0 };

        csv_reader_init(&rd, text, strlen(text));
        CHECK_INT_EQ(csv_next(&rd, &rec, &err), 1);
        CHECK_INT_EQ(rec.nfields, SBX_ARRAY_LEN(cells));
        CHECK_STR_EQ(rec.fields[0], "'=HYPERLINK(\"http://x\",\"y\")");
        CHECK_STR_EQ(rec.fields[5], "'\rlead cr");
        CHECK_STR_EQ(rec.fields[6], "plain");
        csv_record_release(&rec);
    }
    free(text);
    unlink(path);
    rmdir(dir);
    free(dir);
}

TEST(roster_with_header_bom_crlf_and_quotes)
{
    struct roster r = parse_ok("\xEF\xBB\xBF"
                               "email,name\r\n"
                               "ana@uni.example,\"Lopez, Ana\"\r\n"
                               "  bo@uni.example  ,  Bo \r\n"
                               "\"cy@uni.example\",\"Cy \"\"the kid\"\"\r\nSecond\tline\"\r\n"
                               "dee@uni.example\r\n"
                               "\r\n");

    CHECK_INT_EQ(r.n, 4);
    CHECK_STR_EQ(r.students[0].email, "ana@uni.example");
    CHECK_STR_EQ(r.students[0].name, "Lopez, Ana");
    CHECK_INT_EQ(r.students[0].line, 2);
    CHECK_STR_EQ(r.students[1].email, "bo@uni.example");
    CHECK_STR_EQ(r.students[1].name, "Bo");
    /* Line ends and tabs inside a quoted name fold into single spaces. */
    CHECK_STR_EQ(r.students[2].name, "Cy \"the kid\" Second line");
    CHECK_INT_EQ(r.students[2].line, 4);
    CHECK_STR_EQ(r.students[3].email, "dee@uni.example");
    CHECK_STR_EQ(r.students[3].name, "");
    CHECK_INT_EQ(r.students[3].line, 6);
    roster_release(&r);
}

TEST(roster_without_header_and_lf_only)
{
    struct roster r = parse_ok("x1@a.example,X One\ny2@a.example\n");

    CHECK_INT_EQ(r.n, 2);
    CHECK_INT_EQ(r.students[0].line, 1);
    CHECK_STR_EQ(r.students[0].name, "X One");
    roster_release(&r);
    /* A lone "email" header is a header too; "Email,Name" in any case. */
    r = parse_ok("Email\nz@a.example\n");
    CHECK_INT_EQ(r.n, 1);
    roster_release(&r);
    r = parse_ok("EMAIL , Name\nz@a.example,Zed\n");
    CHECK_INT_EQ(r.n, 1);
    CHECK_STR_EQ(r.students[0].name, "Zed");
    roster_release(&r);
}

TEST(roster_utf8_names)
{
    struct roster r = parse_ok("jo@a.example,Jos\xC3\xA9 \xE6\x9D\x8E \xF0\x9F\x98\x80\n");

    CHECK_STR_EQ(r.students[0].name, "Jos\xC3\xA9 \xE6\x9D\x8E \xF0\x9F\x98\x80");
    roster_release(&r);
}

TEST(roster_malformed_rows_name_the_line)
{
    static const char with_nul[] = "a@b.example,A\nb@b.example,B\0\n";
    const char *msg;

    msg = PARSE_ERR("email,name\na@b.example,A\nb@b.example,B\nc@b.example,C\n"
                    "d@b.example,D\ne@b.example,E\nnot-an-email,F\n");
    CHECK_STR_EQ(msg, "roster 'f.csv' line 7: 'not-an-email' is not an email address (needs "
                      "exactly one '@')");
    msg = PARSE_ERR("a@b.example,A,extra\n");
    CHECK_STR_EQ(msg, "roster 'f.csv' line 1: expected 1 or 2 fields (email, name), got 3");
    msg = PARSE_ERR("a@b.example,\"A\nb@b.example,B\n");
    CHECK_STR_EQ(msg, "roster 'f.csv' line 1: unterminated quoted field");
    msg = PARSE_ERR("a@b.example,A\nb@b.example,\"B\"x\n");
    CHECK_STR_EQ(msg, "roster 'f.csv' line 2: unexpected 'x' after a closing quote");
    msg = PARSE_ERR("a@b.example,A\nb@b.example,B \"x\"\n");
    CHECK_CONTAINS(msg, "roster 'f.csv' line 2: '\"' inside an unquoted field");
    msg = PARSE_ERR(",Nobody\n");
    CHECK_STR_EQ(msg, "roster 'f.csv' line 1: empty email address");
    msg = PARSE_ERR("email,name\n");
    CHECK_STR_EQ(msg, "roster 'f.csv' has no students");
    msg = PARSE_ERR("");
    CHECK_STR_EQ(msg, "roster 'f.csv' has no students");
    msg = PARSE_ERR("a@b.example,\"Bad\x01name\"\n");
    CHECK_CONTAINS(msg, "roster 'f.csv' line 1: display name is not valid UTF-8 text");
    msg = PARSE_ERR("a@b.example,Bad \xC3\x28 utf8\n");
    CHECK_CONTAINS(msg, "line 1: display name is not valid UTF-8");
    msg = PARSE_ERR("a@b.example,Overlong \xC0\xAF\n");
    CHECK_CONTAINS(msg, "line 1: display name is not valid UTF-8");
    msg = parse_err(with_nul, sizeof(with_nul) - 1);
    CHECK_STR_EQ(msg, "roster 'f.csv' line 2: NUL byte in a field");
}

TEST(roster_duplicates_name_both_lines)
{
    const char *msg;

    msg = PARSE_ERR("email,name\nAna@Uni.example,Ana\nbo@uni.example,Bo\nana@uni.EXAMPLE,Ana 2\n"
                    "bo@uni.example,Bo again\n");
    CHECK_STR_EQ(msg, "roster 'f.csv' line 4: duplicate student 'ana@uni.EXAMPLE' (already on "
                      "line 2 as 'Ana@Uni.example')");
    /* The earliest repeat is reported even when another pair sorts first. */
    msg = PARSE_ERR("zz@a.example\naa@a.example\nzz@a.example\naa@a.example\nzz@a.example\n");
    CHECK_STR_EQ(msg, "roster 'f.csv' line 3: duplicate student 'zz@a.example' (already on line "
                      "1 as 'zz@a.example')");
}

TEST(roster_too_many_students)
{
    size_t n = ROSTER_MAX_STUDENTS + 1, len = 0, cap = n * 32;
    char *buf = malloc(cap);
    const char *msg;

    CHECK(buf != NULL);
    for (size_t i = 0; i < n; i++)
        len += (size_t)snprintf(buf + len, cap - len, "s%zu@a.example\n", i);
    msg = parse_err(buf, len);
    CHECK_STR_EQ(msg, "roster 'f.csv' line 10001: more than 10000 students");
    free(buf);
}

TEST(email_rules)
{
    char why[256];

    CHECK(roster_email_valid("a.b+tag@sub.uni.example", why, sizeof(why)));
    CHECK(roster_email_valid("o'neil@x.io", why, sizeof(why)));
    CHECK(!roster_email_valid("a@b", why, sizeof(why)));
    CHECK_CONTAINS(why, "no '.' in its domain");
    CHECK(!roster_email_valid("a@@b.c", why, sizeof(why)));
    CHECK(!roster_email_valid("a b@b.c", why, sizeof(why)));
    CHECK_CONTAINS(why, "blank or non-ASCII");
    CHECK(!roster_email_valid(".a@b.c", why, sizeof(why)));
    CHECK(!roster_email_valid("a.@b.c", why, sizeof(why)));
    CHECK(!roster_email_valid("a(b@b.c", why, sizeof(why)));
    CHECK(!roster_email_valid("a@-b.c", why, sizeof(why)));
    CHECK(!roster_email_valid("a@b..c", why, sizeof(why)));
    CHECK_CONTAINS(why, "empty domain label");
    CHECK(!roster_email_valid("a@b_c.d", why, sizeof(why)));
    CHECK(!roster_email_valid("@b.c", why, sizeof(why)));
    CHECK(!roster_email_valid("caf\xC3\xA9@b.c", why, sizeof(why)));
}

TEST(roster_load_reads_files)
{
    char *dir = check_tmpdir();
    char path[4096];
    struct roster r = { 0 };
    struct sbx_err err = { 0 };
    FILE *f;

    snprintf(path, sizeof(path), "%s/class.csv", dir);
    f = fopen(path, "w");
    CHECK(f != NULL);
    fputs("email,name\nq@a.example,Q\n", f);
    fclose(f);
    CHECK_OK(roster_load(path, &r, &err), &err);
    CHECK_INT_EQ(r.n, 1);
    roster_release(&r);
    unlink(path);
    CHECK_ERR(roster_load(path, &r, &err), &err, SBX_E_IO);
    CHECK_CONTAINS(err.msg, "cannot open roster");
    rmdir(dir);
    free(dir);
}

TEST(class_names)
{
    char why[256];

    CHECK(class_name_valid("k8s-101", why, sizeof(why)));
    CHECK(class_name_valid("Intro_2026.spring", why, sizeof(why)));
    CHECK(!class_name_valid("", why, sizeof(why)));
    CHECK(!class_name_valid("-x", why, sizeof(why)));
    CHECK_CONTAINS(why, "must start with a letter or digit");
    CHECK(!class_name_valid("a b", why, sizeof(why)));
    CHECK(!class_name_valid("a/b", why, sizeof(why)));
    CHECK(!class_name_valid("a234567890123456789012345678901234567890x", why, sizeof(why)));
    CHECK_CONTAINS(why, "1 to 40 characters");
}

TEST(seat_labels)
{
    char buf[16];

    CHECK_STR_EQ(class_seat_label(7, 60, buf, sizeof(buf)), "07");
    CHECK_STR_EQ(class_seat_label(7, 9, buf, sizeof(buf)), "07");
    CHECK_STR_EQ(class_seat_label(7, 100, buf, sizeof(buf)), "007");
    CHECK_STR_EQ(class_seat_label(120, 120, buf, sizeof(buf)), "120");
    CHECK_STR_EQ(class_seat_label(42, 10000, buf, sizeof(buf)), "00042");
}

TEST(signin_urls_per_partition)
{
    char buf[512];

    CHECK_INT_EQ(class_signin_url("aws", "OrganizationAccountAccessRole", "123456789012",
                                  "k8s-101-07", buf, sizeof(buf)),
                 0);
    CHECK_STR_EQ(buf, "https://signin.aws.amazon.com/switchrole?roleName="
                      "OrganizationAccountAccessRole&account=123456789012&displayName=k8s-101-07");
    CHECK_INT_EQ(class_signin_url("aws-cn", "R", "123456789012", "c-01", buf, sizeof(buf)), 0);
    CHECK_STR_EQ(buf, "https://signin.amazonaws.cn/switchrole?roleName=R&account=123456789012"
                      "&displayName=c-01");
    CHECK_INT_EQ(class_signin_url("aws-us-gov", "R", "123456789012", "c-01", buf, sizeof(buf)), 0);
    CHECK_CONTAINS(buf, "https://signin.amazonaws-us-gov.com/switchrole?");
    /* Values are percent-encoded. */
    CHECK_INT_EQ(class_signin_url("aws", "a+b=c", "123456789012", "x y&z", buf, sizeof(buf)), 0);
    CHECK_CONTAINS(buf, "roleName=a%2Bb%3Dc&");
    CHECK_CONTAINS(buf, "displayName=x%20y%26z");
    /* No console in the ISO partitions; too small a buffer fails cleanly. */
    CHECK_INT_EQ(class_signin_url("aws-iso", "R", "123456789012", "d", buf, sizeof(buf)), -1);
    CHECK_STR_EQ(buf, "");
    CHECK_INT_EQ(class_signin_url("aws", "R", "123456789012", "d", buf, 40), -1);
    CHECK_STR_EQ(buf, "");
    /* The display name is cut at 64 characters. */
    {
        char longname[100];

        memset(longname, 'n', 99);
        longname[99] = '\0';
        CHECK_INT_EQ(class_signin_url("aws", "R", "123456789012", longname, buf, sizeof(buf)), 0);
        CHECK_INT_EQ(strlen(strstr(buf, "displayName=") + 12), 64);
    }
}

TEST(ready_by_start)
{
    /* 740 s floor: start 740*1.25 = 925 s + 300 s margin before the deadline. */
    CHECK_INT_EQ(class_ready_by_start(100000, 740), 100000 - 925 - 300);
    CHECK_INT_EQ(class_ready_by_start(100000, 0), 100000 - 300);
}

TEST(class_effective_states)
{
    int c[CLASS_PHASE_COUNT] = { 0 };

    /* Nothing sent yet. */
    c[CLASS_PHASE_WAITING] = 5;
    CHECK_STR_EQ(class_effective_state(CLASS_SCHEDULED, c, 5), CLASS_SCHEDULED);
    CHECK_STR_EQ(class_effective_state(CLASS_PROVISIONING, c, 5), CLASS_PROVISIONING);
    /* A scheduled class that `run` started is provisioning. */
    c[CLASS_PHASE_WAITING] = 3;
    c[CLASS_PHASE_CREATING] = 2;
    CHECK_STR_EQ(class_effective_state(CLASS_SCHEDULED, c, 5), CLASS_PROVISIONING);
    /* All settled. */
    memset(c, 0, sizeof(c));
    c[CLASS_PHASE_ACTIVE] = 5;
    CHECK_STR_EQ(class_effective_state(CLASS_PROVISIONING, c, 5), CLASS_READY);
    CHECK_STR_EQ(class_effective_state(CLASS_SCHEDULED, c, 5), CLASS_READY);
    c[CLASS_PHASE_ACTIVE] = 4;
    c[CLASS_PHASE_FAILED] = 1;
    CHECK_STR_EQ(class_effective_state(CLASS_PROVISIONING, c, 5), CLASS_PARTIAL);
    /* Ending: closing seats, then all closed (failed seats have nothing to close). */
    c[CLASS_PHASE_ACTIVE] = 0;
    c[CLASS_PHASE_CLOSING] = 4;
    CHECK_STR_EQ(class_effective_state(CLASS_ENDING, c, 5), CLASS_ENDING);
    CHECK_STR_EQ(class_effective_state(CLASS_READY, c, 5), CLASS_ENDING);
    c[CLASS_PHASE_CLOSING] = 0;
    c[CLASS_PHASE_CLOSED] = 4;
    CHECK_STR_EQ(class_effective_state(CLASS_ENDING, c, 5), CLASS_ENDED);
    CHECK_STR_EQ(class_effective_state(CLASS_READY, c, 5), CLASS_ENDED);
    /* One seat closed early by hand: the class is still ready for the others. */
    memset(c, 0, sizeof(c));
    c[CLASS_PHASE_ACTIVE] = 4;
    c[CLASS_PHASE_CLOSED] = 1;
    CHECK_STR_EQ(class_effective_state(CLASS_PROVISIONING, c, 5), CLASS_READY);
    /* A quarantined seat keeps the class ending. */
    memset(c, 0, sizeof(c));
    c[CLASS_PHASE_CLOSED] = 4;
    c[CLASS_PHASE_QUARANTINED] = 1;
    CHECK_STR_EQ(class_effective_state(CLASS_ENDING, c, 5), CLASS_ENDING);
}

TEST(class_detail_round_trip)
{
    struct class_detail d = { 0 }, e = { 0 };
    struct sbx_err err = { 0 };
    char n0[] = "Ana", n1[] = "", n2[] = "Cy \"q\"", roster[] = "students.csv";
    char *names[] = { n0, n1, n2 };
    char *text = NULL;

    d.ttl = 259200;
    d.ready_by = 1800000000;
    d.start_at = 1799998775;
    d.floor = 740;
    d.roster = roster;
    d.names = names;
    d.nnames = 3;
    CHECK_OK(class_detail_format(&d, &text, &err), &err);
    CHECK_OK(class_detail_parse(text, &e, &err), &err);
    CHECK_INT_EQ(e.ttl, 259200);
    CHECK_INT_EQ(e.ready_by, 1800000000);
    CHECK_INT_EQ(e.start_at, 1799998775);
    CHECK_INT_EQ(e.started_at, 0);
    CHECK(e.floor == 740);
    CHECK_STR_EQ(e.roster, "students.csv");
    CHECK_INT_EQ(e.nnames, 3);
    CHECK_STR_EQ(e.names[2], "Cy \"q\"");
    CHECK_STR_EQ(e.names[1], "");
    class_detail_release(&e);
    free(text);
    CHECK_OK(class_detail_parse("{\"future\": 1}", &e, &err), &err);
    CHECK(e.roster == NULL && e.nnames == 0);
    class_detail_release(&e);
    CHECK_ERR(class_detail_parse("[1]", &e, &err), &err, SBX_E_STORE);
}
