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
	long *lines;      /* requests: line of each inserted request, by seq */
	size_t caplines;
	char what[1024]; /* the current problem: "column NAME: ..." */
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

/* The row handler of the requests kind (import_requests.c). */
int import_requests_row(struct run *r, long line, struct err *e);

/*
 * A value as it can be shown in a message, in buf (SHOW_BUF bytes): at most
 * SHOW_MAX bytes (cut on a character boundary, then "..."), control
 * characters as '?', bytes of invalid UTF-8 as \xNN. Returns buf.
 */
const char *import_show(const char *s, char *buf, size_t size);

#endif
