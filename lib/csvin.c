#include "csvin.h"

#include <csv.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define CSVIN_BUFSZ (64 * 1024)

struct csvin {
	FILE *fp;
	int own_fp;
	char *name;

	struct csv_parser parser;
	int started;  /* BOM stripped, delimiter chosen, parser ready */
	int finished; /* csv_fini done: no more records */
	int failed;
	char delim;

	/* Read buffer: bytes [pos, len) are not yet fed to the parser. */
	char *buf;
	size_t len, pos;
	int eof;

	/* Line tracking. */
	long line;         /* physical line of the next byte to feed */
	int at_line_start; /* the next byte starts a physical line */
	int in_quotes;     /* an odd number of quotes fed since the record began */
	long cand_line;    /* line where the record being fed began */
	long rec_line;     /* line where the current record began */

	/* The current record. */
	char *row;
	size_t rowlen, rowcap;
	size_t off[CSVIN_MAX_FIELDS], flen[CSVIN_MAX_FIELDS];
	size_t nkept, nfields;
	int row_ready;
	int overflow; /* 1: a field too long, 2: the record too long */
};

static int
is_blank(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* libcsv: spaces around unquoted fields (CR too, so CRLF ends a record). */
static int
csv_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

/* libcsv: only LF ends a record; a CR before it is trailing space. */
static int
csv_term(unsigned char c)
{
	return c == '\n';
}

static void
on_field(void *s, size_t len, void *data)
{
	struct csvin *r = data;
	const char *p = s;

	r->nfields++;
	if (r->overflow)
		return;
	if (len > CSVIN_MAX_FIELD) {
		r->overflow = 1;
		return;
	}
	if (r->nkept >= CSVIN_MAX_FIELDS)
		return;
	while (len > 0 && is_blank((unsigned char)p[0])) {
		p++;
		len--;
	}
	while (len > 0 && is_blank((unsigned char)p[len - 1]))
		len--;
	if (r->rowlen + len + 1 > CSVIN_MAX_ROW) {
		r->overflow = 2;
		return;
	}
	xgrow(&r->row, &r->rowcap, r->rowlen + len + 1, 1);
	if (len > 0)
		memcpy(r->row + r->rowlen, p, len);
	r->row[r->rowlen + len] = '\0';
	r->off[r->nkept] = r->rowlen;
	r->flen[r->nkept] = len;
	r->nkept++;
	r->rowlen += len + 1;
}

static void
on_row(int c, void *data)
{
	struct csvin *r = data;

	(void)c;
	r->row_ready = 1;
	r->rec_line = r->cand_line;
}

static struct csvin *
csvin_alloc(FILE *fp, const char *name, int own)
{
	struct csvin *r = xcalloc(1, sizeof(*r));

	r->fp = fp;
	r->own_fp = own;
	r->name = xstrdup(name);
	r->buf = xmalloc(CSVIN_BUFSZ);
	r->line = 1;
	r->at_line_start = 1;
	r->delim = ';';
	return r;
}

struct csvin *
csvin_new(FILE *fp, const char *name)
{
	return csvin_alloc(fp, name, 0);
}

int
csvin_open(struct csvin **out, const char *path, struct err *e)
{
	FILE *fp;

	*out = NULL;
	if (strcmp(path, "-") == 0) {
		*out = csvin_alloc(stdin, "stdin", 0);
		return 0;
	}
	fp = fopen(path, "rb");
	if (fp == NULL)
		return err_set(e, ERR_NOINPUT, "%s: cannot open: %s", path, strerror(errno));
	*out = csvin_alloc(fp, path, 1);
	return 0;
}

void
csvin_free(struct csvin *r)
{
	if (r == NULL)
		return;
	if (r->started)
		csv_free(&r->parser);
	if (r->own_fp && r->fp != NULL)
		fclose(r->fp);
	free(r->name);
	free(r->buf);
	free(r->row);
	free(r);
}

static int
fail(struct csvin *r, struct err *e, enum err_kind kind, long line, const char *what)
{
	r->failed = 1;
	if (line > 0)
		return err_set(e, kind, "%s:%ld: %s", r->name, line, what);
	return err_set(e, kind, "%s: %s", r->name, what);
}

/* Read more input into the (empty) buffer; sets eof at the end. */
static int
refill(struct csvin *r, struct err *e)
{
	size_t n;

	r->pos = r->len = 0;
	n = fread(r->buf, 1, CSVIN_BUFSZ, r->fp);
	if (n == 0) {
		if (ferror(r->fp)) {
			r->failed = 1;
			return err_set(e, ERR_IO, "%s: read error: %s", r->name, strerror(errno));
		}
		r->eof = 1;
	}
	r->len = n;
	return 0;
}

/*
 * Choose the delimiter from the first non-blank line in the buffer: the more
 * frequent of ';' and ',' outside quotes (';' on a tie).
 */
static char
detect_delim(const char *s, size_t n)
{
	size_t i = 0, semi = 0, comma = 0;
	int quoted = 0;

	for (;;) {
		size_t j = i;
		while (j < n && (s[j] == ' ' || s[j] == '\t' || s[j] == '\r'))
			j++;
		if (j < n && s[j] == '\n') {
			i = j + 1;
			continue;
		}
		break;
	}
	for (; i < n; i++) {
		if (s[i] == '"')
			quoted = !quoted;
		else if (!quoted && s[i] == '\n')
			break;
		else if (!quoted && s[i] == ';')
			semi++;
		else if (!quoted && s[i] == ',')
			comma++;
	}
	return comma > semi ? ',' : ';';
}

static int
start(struct csvin *r, struct err *e)
{
	if (refill(r, e) < 0)
		return -1;
	if (r->len >= 3 && memcmp(r->buf, "\xEF\xBB\xBF", 3) == 0)
		r->pos = 3;
	r->delim = detect_delim(r->buf + r->pos, r->len - r->pos);
	if (csv_init(&r->parser, CSV_STRICT | CSV_STRICT_FINI) != 0) {
		r->failed = 1;
		return err_set(e, ERR_INTERNAL, "%s: cannot start the CSV parser", r->name);
	}
	csv_set_delim(&r->parser, (unsigned char)r->delim);
	csv_set_space_func(&r->parser, csv_space);
	csv_set_term_func(&r->parser, csv_term);
	csv_set_blk_size(&r->parser, 4096);
	r->started = 1;
	return 0;
}

static int
overflow_error(struct csvin *r, struct err *e)
{
	char what[128];

	if (r->overflow == 2)
		snprintf(what, sizeof(what), "record longer than %d MiB", CSVIN_MAX_ROW >> 20);
	else
		snprintf(what, sizeof(what), "field longer than %d MiB", CSVIN_MAX_FIELD >> 20);
	return fail(r, e, ERR_DATA, r->cand_line, what);
}

/* Feed the parser up to the end of the current physical line (or buffer). */
static int
feed(struct csvin *r, struct err *e)
{
	const char *s = r->buf + r->pos;
	size_t avail = r->len - r->pos, n, done, q = 0;
	const char *nl = memchr(s, '\n', avail);

	n = nl ? (size_t)(nl - s) + 1 : avail;
	if (r->at_line_start && !r->in_quotes)
		r->cand_line = r->line;
	for (size_t i = 0; i < n; i++)
		q += s[i] == '"';
	if (q & 1)
		r->in_quotes = !r->in_quotes;
	done = csv_parse(&r->parser, s, n, on_field, on_row, r);
	if (done != n) {
		if (csv_error(&r->parser) == CSV_EPARSE)
			return fail(
			    r, e, ERR_DATA, r->line,
			    "malformed CSV: a quote inside an unquoted field, or text after "
			    "a closing quote");
		return overflow_error(r, e);
	}
	if (r->overflow || csv_get_buffer_size(&r->parser) > CSVIN_MAX_FIELD + 8192) {
		if (!r->overflow)
			r->overflow = 1;
		return overflow_error(r, e);
	}
	r->pos += n;
	if (nl) {
		r->line++;
		r->at_line_start = 1;
	} else {
		r->at_line_start = 0;
	}
	return 0;
}

static int
finish(struct csvin *r, struct err *e)
{
	r->finished = 1;
	if (csv_fini(&r->parser, on_field, on_row, r) != 0) {
		char what[128];
		snprintf(what, sizeof(what),
		         "a quoted field in the record starting on line %ld is not closed at the "
		         "end of the input",
		         r->cand_line);
		return fail(r, e, ERR_DATA, r->line - (r->at_line_start && r->line > 1), what);
	}
	if (r->overflow)
		return overflow_error(r, e);
	return 0;
}

static int
row_is_blank(const struct csvin *r)
{
	if (r->nfields != r->nkept)
		return 0;
	for (size_t i = 0; i < r->nkept; i++)
		if (r->flen[i] > 0)
			return 0;
	return 1;
}

int
csvin_next(struct csvin *r, struct err *e)
{
	if (r->failed)
		return err_set(e, ERR_INTERNAL, "%s: reading after an error", r->name);
	if (!r->started && start(r, e) < 0)
		return -1;
	for (;;) {
		if (r->finished)
			return 0;
		r->nfields = r->nkept = r->rowlen = 0;
		r->row_ready = 0;
		r->overflow = 0;
		while (!r->row_ready) {
			if (r->pos == r->len) {
				if (!r->eof && refill(r, e) < 0)
					return -1;
				if (r->eof) {
					if (finish(r, e) < 0)
						return -1;
					if (!r->row_ready)
						return 0;
					break;
				}
				continue;
			}
			if (feed(r, e) < 0)
				return -1;
		}
		if (!row_is_blank(r))
			return 1;
	}
}

size_t
csvin_nfields(const struct csvin *r)
{
	return r->nfields;
}

const char *
csvin_field(const struct csvin *r, size_t i, size_t *len)
{
	if (i >= r->nkept) {
		if (len)
			*len = 0;
		return "";
	}
	if (len)
		*len = r->flen[i];
	return r->row + r->off[i];
}

long
csvin_line(const struct csvin *r)
{
	return r->rec_line;
}

char
csvin_delim(const struct csvin *r)
{
	return r->delim;
}

const char *
csvin_name(const struct csvin *r)
{
	return r->name;
}
