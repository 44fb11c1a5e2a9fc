#include "fuzz_util.h"

#include <csv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void
fuzz_die(const char *file, int line, const char *what)
{
	fprintf(stderr, "%s:%d: fuzz assertion failed: %s\n", file, line, what);
	abort();
}

char *
fuzz_cstr(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (s == NULL)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

struct parse_state {
	struct fuzz_rows *out;
	struct fuzz_row cur;
};

static void
on_field(void *f, size_t len, void *data)
{
	struct parse_state *ps = data;
	struct fuzz_row *r = &ps->cur;

	r->fields = realloc(r->fields, (r->n + 1) * sizeof(*r->fields));
	r->lens = realloc(r->lens, (r->n + 1) * sizeof(*r->lens));
	if (r->fields == NULL || r->lens == NULL)
		abort();
	r->fields[r->n] = malloc(len + 1);
	if (r->fields[r->n] == NULL)
		abort();
	if (len > 0)
		memcpy(r->fields[r->n], f, len);
	r->fields[r->n][len] = '\0';
	r->lens[r->n] = len;
	r->n++;
}

static void
on_row(int c, void *data)
{
	struct parse_state *ps = data;
	struct fuzz_rows *o = ps->out;

	(void)c;
	o->rows = realloc(o->rows, (o->n + 1) * sizeof(*o->rows));
	if (o->rows == NULL)
		abort();
	o->rows[o->n++] = ps->cur;
	memset(&ps->cur, 0, sizeof(ps->cur));
}

/* No trimming: the writer must carry spaces through quoting, not rely on it. */
static int
never_space(unsigned char c)
{
	(void)c;
	return 0;
}

void
fuzz_csv_parse(const char *text, size_t len, char sep, struct fuzz_rows *out)
{
	struct csv_parser p;
	struct parse_state ps;

	memset(out, 0, sizeof(*out));
	memset(&ps, 0, sizeof(ps));
	ps.out = out;
	if (csv_init(&p, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL) != 0)
		abort();
	csv_set_delim(&p, (unsigned char)sep);
	csv_set_space_func(&p, never_space);
	if (csv_parse(&p, text, len, on_field, on_row, &ps) != len)
		out->error = 1;
	if (csv_fini(&p, on_field, on_row, &ps) != 0)
		out->error = 1;
	csv_free(&p);
	if (ps.cur.n > 0) {
		on_row(-1, &ps);
	}
	free(ps.cur.fields);
	free(ps.cur.lens);
}

void
fuzz_rows_free(struct fuzz_rows *r)
{
	for (size_t i = 0; i < r->n; i++) {
		for (size_t j = 0; j < r->rows[i].n; j++)
			free(r->rows[i].fields[j]);
		free(r->rows[i].fields);
		free(r->rows[i].lens);
	}
	free(r->rows);
	memset(r, 0, sizeof(*r));
}
