/*
 * import_int.h - private to lib/import*.c: the state of one import run,
 * shared by the driver (import.c: header, row checks, rejects file, the
 * transaction) and the row handlers (import_rows.c: one table entry per
 * kind).
 */
#ifndef NOCTURNE_IMPORT_INT_H
#define NOCTURNE_IMPORT_INT_H

#include <stddef.h>
#include <stdint.h>

#include "csvin.h"
#include "csvout.h"
#include "db_import.h"
#include "err.h"
#include "import.h"
#include "smap.h"

#define ID_MAX 200  /* bytes in an id */
#define SHOW_MAX 60 /* bytes of a value quoted in a message */
#define SHOW_BUF (SHOW_MAX * 4 + 16)
#define DAYS_MAX 3660 /* promote_days, deadline_days */
#define CAP_MAX 1000000
#define MAX_COLS 10

/* A column a kind knows. */
struct column {
	const char *name;
	int required;
};

/* The known columns of each kind, in the order of its column table. */
enum { F_ID, F_NAME, F_EMAILS, F_BALANCE };
enum { C_ID, C_FAMILY, C_FIRST, C_LAST };
enum {
	A_ID,
	A_NAME,
	A_STRUCTURE,
	A_CAPACITY,
	A_WAITLIST,
	A_PROMOTE,
	A_HOURS,
	A_DDAYS,
	A_DTIME,
	A_DRULE
};
enum { O_ACTIVITY, O_DATE, O_CAPACITY };
enum { R_ID, R_CHILD, R_ACTIVITY, R_DATE, R_ACTION, R_ARRIVAL, R_DEPARTURE, R_SUBMITTED };

struct run;

/* One kind of file: its name, its columns, its row handler. */
struct import_kind_def {
	const char *name;
	const struct column *cols; /* ends with a NULL name */
	/*
	 * Handle the current row (fields already checked for count and
	 * encoding): 0 stored or unchanged (counted), 1 bad row (r->what
	 * says why), -1 error (e set).
	 */
	int (*row)(struct run *r, long line, struct err *e);
};

/* The kinds, indexed by enum import_kind (import_rows.c). */
extern const struct import_kind_def import_kinds[];

struct run {
	enum import_kind kind;
	const struct column *cols;
	int ncols;
	struct csvin *in;
	const struct import_opts *o;
	struct import_counts *c;
	struct db_import *d;
	int idx[MAX_COLS]; /* file column of each known column, or -1 */
	int error_col;     /* file column named "error", or -1 */
	size_t nhdr;       /* columns in the header */
	char **hdr;        /* the header's names, for the rejects file */
	struct csvout rw;
	struct smap seen; /* reference keys stored from this file -> line */
	struct smap children, activities;
	int64_t base_seq; /* requests: max(seq) before this import */
	int64_t next_seq; /* requests: the seq of the next one inserted */
	/* requests: the line of each inserted one, as the points where the
	 * step from one seq to the next is not one line (import_requests.c) */
	struct import_mark {
		int64_t seq;
		long line;
	} * marks;
	size_t nmarks, capmarks;
	int64_t last_seq; /* the last request inserted by this import */
	char what[1024];  /* the current problem: "column NAME: ..." */
};

/* Describe a problem with column col of the current row in r->what. Returns 1. */
int import_bad(struct run *r, int col, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* "a ≠ b" lists for rows that repeat an id with other values. */
struct import_diff {
	char buf[512];
	size_t n;
	int count;
};

/* Add "name was ≠ now" to d when they differ (values quoted by import_show). */
void import_diff_str(struct import_diff *d, const char *name, const char *was, const char *now);
void import_diff_int(struct import_diff *d, const char *name, long long was, long long now);

/* The field of known column col ("" when the file lacks the column). */
const char *import_val(const struct run *r, int col);
/* 1 when the file's header has no such column (an optional one). */
int import_absent(const struct run *r, int col);

/*
 * Read column col of the current row: 0 and *out (*day, ...), or 1 with
 * r->what set (import_bad). need_*: required (an id: at most ID_MAX bytes,
 * no control character); get_opt_*: empty gives *has = 0 (and dflt).
 */
int import_need_id(struct run *r, int col, const char **out);
int import_need_text(struct run *r, int col, const char **out);
int import_get_date(struct run *r, int col, int32_t *day);
int import_get_opt_time(struct run *r, int col, int allow_24, int *has, int *minutes);
int import_get_opt_count(struct run *r, int col, int max, int dflt, int *has, int *v);

/*
 * The current row's fields: their number and encoding (import.c). Returns
 * 0, or 1 with the problem in r->what.
 */
int import_check_row(struct run *r);
/*
 * A row's outcome st (0 stored, 1 bad: r->what, -1 error): counted as
 * rejected and reported when bad (import.c). Returns -1 to stop.
 */
int import_row_done(struct run *r, long line, int st, struct err *e);
/*
 * The rows of a requests file without --rejects, read and parsed on a
 * second thread while this one stores them (import_pipe.c). 0 or -1.
 */
int import_pipe_rows(struct run *r, struct err *e);

/*
 * The row handler of the requests kind (import_requests.c): parse (the
 * values, the child and activity ids; no database: 0, or 1 and r->what),
 * then store (0 stored or unchanged, 1 bad, -1 error). q's strings are the
 * row's fields (or a copy of them: import_pipe.c).
 */
int import_requests_row(struct run *r, long line, struct err *e);
int import_requests_parse(struct run *r, struct db_request *q);
int import_requests_store(struct run *r, long line, const struct db_request *q, struct err *e);
/*
 * The two halves of store, for rows whose keys were added beforehand
 * (import_pipe.c): insert q as seq, its key added; or, its id taken,
 * compare it with the request that has it (0 unchanged, 1 bad, -1 error).
 */
int import_requests_insert(struct run *r, long line, const struct db_request *q, int64_t seq,
                           struct err *e);
int import_requests_taken(struct run *r, long line, const struct db_request *q, struct err *e);
/* The line of the request this import inserted as seq: 0 imported before, -1 unknown. */
long import_line_of_seq(const struct run *r, int64_t seq);

/*
 * A value as it can be shown in a message, in buf (SHOW_BUF bytes): at most
 * SHOW_MAX bytes (cut on a character boundary, then "..."), control
 * characters as '?', bytes of invalid UTF-8 as \xNN. Returns buf.
 */
const char *import_show(const char *s, char *buf, size_t size);

#endif
