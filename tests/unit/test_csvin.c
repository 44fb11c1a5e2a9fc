#include "csvin.h"

#include <stdlib.h>
#include <string.h>

#include "t.h"
#include "text.h"

/*
 * Read all of text and render it as "LINE:f1|f2|...\n" per record, or
 * "ERR kind: message" at an error.
 */
static char *
dump_n(const char *text, size_t n)
{
	FILE *fp = fmemopen((void *)text, n, "rb");
	struct csvin *r = csvin_new(fp, "t.csv");
	char *out = NULL;
	size_t outlen = 0;
	FILE *o = open_memstream(&out, &outlen);
	struct err e;
	int rc;

	err_clear(&e);
	while ((rc = csvin_next(r, &e)) == 1) {
		fprintf(o, "%ld:", csvin_line(r));
		for (size_t i = 0; i < csvin_nfields(r); i++)
			fprintf(o, "%s%s", i ? "|" : "", csvin_field(r, i, NULL));
		fputc('\n', o);
	}
	if (rc < 0)
		fprintf(o, "ERR %d: %s\n", (int)e.kind, e.msg);
	fprintf(o, "delim %c\n", csvin_delim(r));
	fclose(o);
	csvin_free(r);
	fclose(fp);
	return out;
}

static char *
dump(const char *text)
{
	return dump_n(text, strlen(text));
}

#define CHECK_DUMP(text, expected)                                                                 \
	do {                                                                                       \
		char *d_ = dump(text);                                                             \
		CHECK_STR(d_, expected);                                                           \
		free(d_);                                                                          \
	} while (0)

static void
test_semicolon_and_bom(void)
{
	CHECK_DUMP("\xEF\xBB\xBF"
	           "a;b;c\n1;2;3\n",
	           "1:a|b|c\n2:1|2|3\ndelim ;\n");
}

static void
test_comma(void)
{
	CHECK_DUMP("a,b\n\"x;y\",2\n", "1:a|b\n2:x;y|2\ndelim ,\n");
	/* A ';' inside a quoted header name does not count. */
	CHECK_DUMP("\"a;b;c\",d,e\n", "1:a;b;c|d|e\ndelim ,\n");
}

static void
test_crlf_and_trim(void)
{
	CHECK_DUMP("a;b\r\n  x  ; \" y \" \r\n", "1:a|b\n2:x|y\ndelim ;\n");
}

static void
test_quoted(void)
{
	CHECK_DUMP("a;b\n\"p;q\";\"say \"\"hi\"\"\"\n", "1:a|b\n2:p;q|say \"hi\"\ndelim ;\n");
}

static void
test_multiline(void)
{
	CHECK_DUMP("a;b\n1;\"two\nlines\"\n\n3;\"x\r\n\r\ny\"\r\n4;z\n",
	           "1:a|b\n2:1|two\nlines\n5:3|x\r\n\r\ny\n8:4|z\ndelim ;\n");
}

static void
test_blank_lines(void)
{
	CHECK_DUMP("\n  \r\na;b\n\n;\n \t \n1;2", "3:a|b\n7:1|2\ndelim ;\n");
}

static void
test_unterminated(void)
{
	CHECK_DUMP("a;b\n1;\"open\nmore\n",
	           "1:a|b\nERR 2: t.csv:3: a quoted field in the record starting on line 2 is "
	           "not closed at the end of the input\ndelim ;\n");
}

static void
test_stray_quote(void)
{
	CHECK_DUMP("a;b\n1;2\n3;x\"y\n",
	           "1:a|b\n2:1|2\nERR 2: t.csv:3: malformed CSV: a quote inside an unquoted "
	           "field, or text after a closing quote\ndelim ;\n");
	CHECK_DUMP("a;b\n\"1\"x;2\n",
	           "1:a|b\nERR 2: t.csv:2: malformed CSV: a quote inside an unquoted "
	           "field, or text after a closing quote\ndelim ;\n");
}

static void
test_ragged_rows(void)
{
	CHECK_DUMP("a;b;c\n1;2\n1;2;3;4\n", "1:a|b|c\n2:1|2\n3:1|2|3|4\ndelim ;\n");
}

static void
test_empty(void)
{
	CHECK_DUMP("", "delim ;\n");
	CHECK_DUMP("\xEF\xBB\xBF", "delim ;\n");
	CHECK_DUMP("\n\n", "delim ;\n");
}

static void
test_nul_and_invalid_utf8(void)
{
	static const char text[] = "a;b\n\xE9t\xE9;x\0y\n";
	FILE *fp = fmemopen((void *)text, sizeof(text) - 1, "rb");
	struct csvin *r = csvin_new(fp, "t.csv");
	struct err e;
	size_t len, bad = 99;
	const char *f;

	CHECK_INT(csvin_next(r, &e), 1);
	CHECK_INT(csvin_next(r, &e), 1);
	f = csvin_field(r, 0, &len);
	CHECK_INT(len, 3);
	CHECK_INT(text_utf8_check(f, len, &bad), -1);
	CHECK_INT(bad, 0);
	f = csvin_field(r, 1, &len);
	CHECK_INT(len, 3);
	CHECK(strlen(f) != len);
	CHECK_INT(csvin_next(r, &e), 0);
	csvin_free(r);
	fclose(fp);
}

static void
test_field_too_long(void)
{
	size_t n = CSVIN_MAX_FIELD + 10, i;
	char *text = malloc(CSVIN_MAX_FIELD + 20032);

	memcpy(text, "a\n", 2);
	for (i = 2; i < n; i++)
		text[i] = 'x';
	text[n] = '\n';
	CHECK_STR_FREE(dump_n(text, n + 1),
	               "1:a\nERR 2: t.csv:2: field longer than 1 MiB\ndelim ;\n");
	/* Quoted, over many short lines. */
	memcpy(text, "a\n\"", 3);
	n = CSVIN_MAX_FIELD + 20000;
	for (i = 3; i < n; i++)
		text[i] = i % 10 == 0 ? '\n' : 'x';
	CHECK_STR_FREE(dump_n(text, n), "1:a\nERR 2: t.csv:2: field longer than 1 MiB\ndelim ;\n");
	free(text);
}

/* 100,000 columns: every one counted, only the first CSVIN_MAX_FIELDS kept. */
static void
test_many_columns(void)
{
	size_t ncol = 100000, i, n = 0;
	char *text = malloc(ncol * 8 + 8);
	FILE *fp;
	struct csvin *r;
	struct err e;

	for (i = 0; i < ncol; i++)
		n += (size_t)snprintf(text + n, 8, "c%zu;", i % 100000);
	text[n - 1] = '\n';
	fp = fmemopen(text, n, "rb");
	r = csvin_new(fp, "t.csv");
	CHECK_INT(csvin_next(r, &e), 1);
	CHECK_INT(csvin_nfields(r), ncol);
	CHECK_STR(csvin_field(r, 0, NULL), "c0");
	CHECK_STR(csvin_field(r, CSVIN_MAX_FIELDS - 1, NULL), "c255");
	CHECK_STR(csvin_field(r, CSVIN_MAX_FIELDS, NULL), "");
	CHECK_INT(csvin_next(r, &e), 0);
	csvin_free(r);
	fclose(fp);
	free(text);
}

static void
test_open_missing(void)
{
	struct csvin *r = (struct csvin *)1;
	struct err e;

	CHECK_INT(csvin_open(&r, "/nonexistent/x.csv", &e), -1);
	CHECK(r == NULL);
	CHECK_INT(e.kind, ERR_NOINPUT);
	CHECK_STR(e.msg, "/nonexistent/x.csv: cannot open: No such file or directory");
}

int
main(void)
{
	T_RUN(test_semicolon_and_bom);
	T_RUN(test_comma);
	T_RUN(test_crlf_and_trim);
	T_RUN(test_quoted);
	T_RUN(test_multiline);
	T_RUN(test_blank_lines);
	T_RUN(test_unterminated);
	T_RUN(test_stray_quote);
	T_RUN(test_ragged_rows);
	T_RUN(test_empty);
	T_RUN(test_nul_and_invalid_utf8);
	T_RUN(test_field_too_long);
	T_RUN(test_many_columns);
	T_RUN(test_open_missing);
	return t_status();
}
