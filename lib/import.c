#include "import.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "import_int.h"
#include "log.h"
#include "metrics.h"
#include "parse.h"
#include "text.h"
#include "when.h"

int
import_kind_parse(const char *s, enum import_kind *kind)
{
	for (int i = 0; i <= IMPORT_REQUESTS; i++) {
		if (strcmp(s, import_kinds[i].name) == 0) {
			*kind = (enum import_kind)i;
			return 0;
		}
	}
	return -1;
}

const char *
import_kind_name(enum import_kind kind)
{
	return import_kinds[kind].name;
}

const char *
import_kind_list(void)
{
	return "families, children, activities, openings, requests";
}

/* ------------------------------------------------------------- one file */

/* 1 for the columns stored as text: ids, names, emails, structure. */
static int
text_column(const char *name)
{
	size_t n = strlen(name);

	return (n > 3 && strcmp(name + n - 3, "_id") == 0) || strstr(name, "name") != NULL ||
	       strcmp(name, "emails") == 0 || strcmp(name, "structure") == 0;
}

static void
report(struct run *r, long line, const char *what)
{
	char msg[1400];

	snprintf(msg, sizeof(msg), "%s:%ld: %s", csvin_name(r->in), line, what);
	if (r->o->bad)
		r->o->bad(msg, r->o->ctx);
}

/* The header's name of file column i (every one is known once the header passed). */
static const char *
file_col_name(const struct run *r, size_t i)
{
	for (int k = 0; k < r->ncols; k++)
		if (r->idx[k] == (int)i)
			return r->cols[k].name;
	return "error";
}

/*
 * Check the fields of the current row: their number and encoding. A short
 * row names the first column it lacks, a long one the first field past the
 * header, so every problem reads "column NAME: ...".
 */
int
import_check_row(struct run *r)
{
	size_t n = csvin_nfields(r->in), len, off;

	for (size_t i = r->nhdr; i < n; i++) {
		csvin_field(r->in, i, &len);
		if (len > 0 || n > CSVIN_MAX_FIELDS) {
			snprintf(r->what, sizeof(r->what),
			         "column %zu: a value past the header's %zu columns (the row has "
			         "%zu fields)",
			         i + 1, r->nhdr, n);
			return 1;
		}
	}
	if (n < r->nhdr) {
		snprintf(r->what, sizeof(r->what),
		         "column %s: missing (the row has %zu field%s, the header %zu)",
		         file_col_name(r, n), n, n == 1 ? "" : "s", r->nhdr);
		return 1;
	}
	for (int k = 0; k < r->ncols; k++) {
		const char *s;
		if (r->idx[k] < 0)
			continue;
		s = csvin_field(r->in, (size_t)r->idx[k], &len);
		if (strlen(s) != len)
			return import_bad(r, k, "contains a NUL byte");
		/* text (names, ids, emails) is one line: no CR, LF, ESC (mail,
		 * terminals); typed columns reject them through their own parser */
		if (text_column(r->cols[k].name))
			for (size_t i = 0; i < len; i++)
				if (text_is_control((unsigned char)s[i]))
					return import_bad(r, k,
					                  "contains a control character (0x%02X)",
					                  (unsigned char)s[i]);
		if (text_utf8_check(s, len, &off) < 0)
			return import_bad(
			    r, k,
			    "not valid UTF-8 (byte 0x%02X at offset %zu): save the file as "
			    "UTF-8",
			    (unsigned char)s[off], off);
	}
	return 0;
}

/* Map the header onto the kind's columns. Returns the number of problems. */
static int
header(struct run *r)
{
	size_t n = csvin_nfields(r->in), kept = n < CSVIN_MAX_FIELDS ? n : CSVIN_MAX_FIELDS;
	long line = csvin_line(r->in);
	char b[SHOW_BUF], known[256], what[1024];
	size_t kn = 0;
	int problems = 0;

	known[0] = '\0';
	for (int k = 0; k < r->ncols; k++)
		kn += (size_t)snprintf(known + kn, sizeof(known) - kn, "%s%s", k ? ", " : "",
		                       r->cols[k].name);
	r->nhdr = n;
	for (size_t i = 0; i < kept; i++) {
		const char *name = csvin_field(r->in, i, NULL);
		int k;

		if (*name == '\0') {
			snprintf(what, sizeof(what), "column %zu: no name in the header", i + 1);
			report(r, line, what);
			problems++;
			continue;
		}
		if (parse_same(name, "error")) {
			if (r->error_col >= 0) {
				snprintf(what, sizeof(what),
				         "column error: given twice (columns %d and %zu)",
				         r->error_col + 1, i + 1);
				report(r, line, what);
				problems++;
			}
			r->error_col = (int)i;
			continue;
		}
		for (k = 0; k < r->ncols && !parse_same(name, r->cols[k].name); k++)
			;
		if (k == r->ncols) {
			snprintf(what, sizeof(what), "column %s: unknown column for %s (known: %s)",
			         import_show(name, b, sizeof(b)), import_kinds[r->kind].name,
			         known);
			report(r, line, what);
			problems++;
		} else if (r->idx[k] >= 0) {
			snprintf(what, sizeof(what), "column %s: given twice (columns %d and %zu)",
			         r->cols[k].name, r->idx[k] + 1, i + 1);
			report(r, line, what);
			problems++;
		} else {
			r->idx[k] = (int)i;
		}
	}
	for (int k = 0; k < r->ncols; k++) {
		if (r->cols[k].required && r->idx[k] < 0) {
			snprintf(what, sizeof(what), "column %s: missing (required for %s)",
			         r->cols[k].name, import_kinds[r->kind].name);
			report(r, line, what);
			problems++;
		}
	}
	return problems;
}

static int
rejects_io(struct run *r, struct err *e)
{
	return err_set(e, ERR_IO, "%s: cannot write: %s", r->o->rejects_name, strerror(errno));
}

static int
rejects_begin(struct run *r, struct err *e)
{
	csvout_init(&r->rw, r->o->rejects, csvin_delim(r->in), 0);
	r->hdr = xcalloc(r->nhdr, sizeof(*r->hdr));
	for (size_t i = 0; i < r->nhdr; i++) {
		r->hdr[i] = xstrdup(csvin_field(r->in, i, NULL));
		if (csvout_field(&r->rw, r->hdr[i]) < 0)
			return rejects_io(r, e);
	}
	if (r->error_col < 0 && csvout_field(&r->rw, "error") < 0)
		return rejects_io(r, e);
	return csvout_end_row(&r->rw) < 0 ? rejects_io(r, e) : 0;
}

static int
rejects_row(struct run *r, long line, struct err *e)
{
	char msg[1100];

	snprintf(msg, sizeof(msg), "line %ld: %s", line, r->what);
	for (size_t i = 0; i < r->nhdr; i++) {
		const char *f = (int)i == r->error_col ? msg : csvin_field(r->in, i, NULL);
		if (csvout_field(&r->rw, f) < 0)
			return rejects_io(r, e);
	}
	if (r->error_col < 0 && csvout_field(&r->rw, msg) < 0)
		return rejects_io(r, e);
	return csvout_end_row(&r->rw) < 0 ? rejects_io(r, e) : 0;
}

static void
load_id(const char *id, int64_t ref, void *ctx)
{
	smap_put(ctx, id, ref);
}

static const char *
plural(long n, const char *one, const char *many)
{
	return n == 1 ? one : many;
}

static int
rows(struct run *r, struct err *e)
{
	int rc;

	if (r->kind == IMPORT_REQUESTS && r->o->rejects == NULL)
		return import_pipe_rows(r, e);
	while ((rc = csvin_next(r->in, e)) == 1) {
		long line = csvin_line(r->in);
		int st;

		r->c->read++;
		st = import_check_row(r);
		if (st == 0)
			st = import_kinds[r->kind].row(r, line, e);
		if (import_row_done(r, line, st, e) < 0)
			return -1;
	}
	return rc;
}

int
import_row_done(struct run *r, long line, int st, struct err *e)
{
	if (st < 0)
		return -1;
	if (st == 1) {
		r->c->rejected++;
		report(r, line, r->what);
		if (r->o->rejects && rejects_row(r, line, e) < 0)
			return -1;
	}
	return 0;
}

int
import_run(struct db *db, enum import_kind kind, struct csvin *in, const struct import_opts *o,
           struct import_counts *c, struct err *e)
{
	struct run r;
	int rc = -1, began = 0;

	memset(c, 0, sizeof(*c));
	memset(&r, 0, sizeof(r));
	r.kind = kind;
	r.cols = import_kinds[kind].cols;
	for (r.ncols = 0; r.cols[r.ncols].name != NULL; r.ncols++)
		r.idx[r.ncols] = -1;
	r.error_col = -1;
	r.in = in;
	r.o = o;
	r.c = c;

	rc = csvin_next(in, e);
	if (rc < 0)
		goto out;
	if (rc == 0) {
		rc = err_set(e, ERR_DATA, "%s: empty file: no header row", csvin_name(in));
		goto out;
	}
	if (header(&r) > 0) {
		rc = err_set(e, ERR_DATA, "%s: bad header row, nothing imported", csvin_name(in));
		goto out;
	}
	rc = -1;
	if (o->rejects && rejects_begin(&r, e) < 0)
		goto out;
	if (db_import_new(&r.d, db, e) < 0 || db_import_begin(r.d, kind == IMPORT_REQUESTS, e) < 0)
		goto out;
	began = 1;
	if (kind == IMPORT_REQUESTS &&
	    (db_import_each_id(r.d, DB_IMPORT_CHILDREN, load_id, &r.children, e) < 0 ||
	     db_import_each_id(r.d, DB_IMPORT_ACTIVITIES, load_id, &r.activities, e) < 0 ||
	     db_import_max_seq(r.d, &r.base_seq, e) < 0))
		goto out;
	r.next_seq = r.base_seq + 1;
	if (rows(&r, e) < 0 || db_import_flush(r.d, e) < 0)
		goto out;
	if (o->rejects && fflush(o->rejects) != 0) {
		rejects_io(&r, e);
		goto out;
	}
	if (c->rejected > 0 && o->rejects == NULL) {
		err_set(e, ERR_DATA, "%s: %ld bad %s out of %ld, nothing imported", csvin_name(in),
		        c->rejected, plural(c->rejected, "row", "rows"), c->read);
		goto out;
	}
	if (o->dry_run) {
		db_rollback(db);
		began = 0;
	} else {
		began = 0;
		db_import_end(r.d);
		if (db_commit(db, e) < 0) {
			db_rollback(db);
			goto out;
		}
	}
	if (c->rejected > 0) {
		err_set(e, ERR_DATA, "%s: %ld bad %s written to %s, %ld %s %s", csvin_name(in),
		        c->rejected, plural(c->rejected, "row", "rows"), o->rejects_name,
		        c->read - c->rejected, plural(c->read - c->rejected, "row", "rows"),
		        o->dry_run ? "would be imported" : "imported");
		goto out;
	}
	rc = 0;
out:
	if (began)
		db_rollback(db);
	db_import_free(r.d);
	smap_free(&r.seen);
	smap_free(&r.children);
	smap_free(&r.activities);
	free(r.marks);
	if (r.hdr != NULL)
		for (size_t i = 0; i < r.nhdr; i++)
			free(r.hdr[i]);
	free(r.hdr);
	return rc;
}

/* ---------------------------------------------------- nocturne-import */

int
import_file(const struct config *cfg, enum import_kind kind, const char *path,
            const struct import_file_args *a, struct import_counts *c, struct err *e)
{
	struct csvin *in = NULL;
	struct db *db = NULL;
	struct import_opts io;
	const char *db_file = cfg->db_path;
	FILE *rejects = NULL;
	struct timespec t0;
	int rc = -1, keep_rejects = 0;

	when_mark(&t0);
	memset(c, 0, sizeof(*c));
	if (csvin_open(&in, path, e) < 0)
		return -1;
	if (a->rejects_path != NULL) {
		rejects = fopen(a->rejects_path, "w");
		if (rejects == NULL) {
			err_set(e, ERR_IO, "%s: cannot create: %s", a->rejects_path,
			        strerror(errno));
			goto out;
		}
	}
	/* A dry run creates nothing: without a database, check against an empty one. */
	if (a->dry_run && access(db_file, F_OK) != 0)
		db_file = ":memory:";
	if (db_open(&db, db_file, cfg->busy_timeout_ms, DB_OPEN_CREATE, e) < 0)
		goto out;

	memset(&io, 0, sizeof(io));
	io.dry_run = a->dry_run;
	io.rejects = rejects;
	io.rejects_name = a->rejects_path;
	io.bad = a->bad;
	io.ctx = a->ctx;
	rc = import_run(db, kind, in, &io, c, e);
	keep_rejects = rc == 0 || (e->kind == ERR_DATA && c->rejected > 0);
	if (a->dry_run && keep_rejects)
		fprintf(a->out,
		        "%s %s: %ld rows read, %ld to insert, %ld to update, %ld unchanged, "
		        "%ld bad; nothing stored (dry run)\n",
		        import_kind_name(kind), csvin_name(in), c->read, c->inserted, c->updated,
		        c->unchanged, c->rejected);
	else if (keep_rejects)
		log_info("%s %s: %ld rows read, %ld inserted, %ld updated, %ld unchanged, %ld bad",
		         import_kind_name(kind), csvin_name(in), c->read, c->inserted, c->updated,
		         c->unchanged, c->rejected);
	if (rejects != NULL) {
		int bad_close = fclose(rejects) != 0;
		rejects = NULL;
		if (!keep_rejects)
			unlink(a->rejects_path);
		else if (bad_close && rc == 0)
			rc = err_set(e, ERR_IO, "%s: cannot write: %s", a->rejects_path,
			             strerror(errno));
	}
out:
	if (rejects != NULL) {
		fclose(rejects);
		unlink(a->rejects_path);
	}
	if (!a->dry_run)
		rc = metrics_end(db, cfg, "import", rc, a->now, &t0, e);
	db_close(db);
	csvin_free(in);
	return rc;
}
