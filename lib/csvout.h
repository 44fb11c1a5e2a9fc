/*
 * csvout.h - writing CSV (RFC 4180) with libcsv.
 *
 * A field that holds the separator, a quote, CR or LF is quoted by libcsv's
 * csv_fwrite; others are written as they are. Rows end in LF,
 * which every spreadsheet and the import accept (CSVOUT_CRLF for CRLF).
 * With CSVOUT_SAFE, a field a spreadsheet would read as a formula (starting
 * with = + - @, TAB or CR) is prefixed with a single quote, so an export
 * opened in a spreadsheet never runs data as a formula. The FILE is written
 * without stdio's lock (putc_unlocked...): a million-row export took its
 * lock some ten million times. One thread per FILE.
 */
#ifndef NOCTURNE_CSVOUT_H
#define NOCTURNE_CSVOUT_H

#include <stdio.h>

enum csvout_flags {
	CSVOUT_SAFE = 1, /* neutralise formula-looking fields */
	CSVOUT_CRLF = 2, /* end rows with CRLF instead of LF */
};

struct csvout {
	FILE *fp;
	char sep;
	int flags;
	int nfields; /* fields written in the current row */
};

void csvout_init(struct csvout *w, FILE *fp, char sep, int flags);

/* Write one field (NULL = empty). Returns 0, or -1 on a write error. */
int csvout_field(struct csvout *w, const char *s);
/* Write an integer field. */
int csvout_int(struct csvout *w, long long v);
/* End the row. Returns 0 or -1. */
int csvout_end_row(struct csvout *w);

#endif
