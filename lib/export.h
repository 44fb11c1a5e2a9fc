/*
 * export.h - the decisions export format (contract section 5), shared by
 * nocturne-status --export and the back-office delivery, so that both write
 * the very same bytes for the same rows:
 *
 *   request_id;child_id;activity_id;date;action;state;reason;position;batch_id;decided_at
 *
 * ';'-separated, LF row ends, quoting only where needed (libcsv). For a
 * person (EXPORT_SAFE, nocturne-status --export) formula-looking fields are
 * neutralised (CSVOUT_SAFE); for a machine (EXPORT_RAW, --export --raw and the
 * back-office body) every value goes out exactly as imported: a request id
 * "-7" stays "-7".
 */
#ifndef NOCTURNE_EXPORT_H
#define NOCTURNE_EXPORT_H

#include <stdint.h>
#include <stdio.h>

#include "csvout.h"

struct export_row {
	const char *request_id;
	const char *child_id;
	const char *activity_id;
	int32_t day;        /* days since 1970 */
	const char *action; /* "reserve" | "cancel" */
	const char *state;
	const char *reason; /* NULL unless refused */
	int position;       /* 0 = empty (not waitlisted) */
	long long batch_id; /* 0 = empty (pending) */
	int64_t decided_at; /* the batch's clock; ignored when batch_id is 0 */
};

enum export_mode {
	EXPORT_SAFE = 0, /* spreadsheet-safe: a leading = + - @ TAB CR gets a ' */
	EXPORT_RAW,      /* values exactly as imported */
};

/* Start an export on fp: sets up w and writes the header row. 0 or -1. */
int export_begin(struct csvout *w, FILE *fp, enum export_mode mode);
/* Set up w to write rows on fp as export_begin does, without the header. */
void export_init(struct csvout *w, FILE *fp, enum export_mode mode);
/* Write one row. 0, or -1 on a write error. */
int export_row(struct csvout *w, const struct export_row *r);

#endif
