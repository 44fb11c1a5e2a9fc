/*
 * csvin.h - reading CSV input (RFC 4180) with libcsv, one record at a time.
 *
 * The reader streams its input (it never holds more than one record and a
 * 64 KiB read buffer), strips a UTF-8 byte order mark, detects the delimiter
 * (';' or ',') from the first non-blank line, accepts LF or CRLF line ends
 * and quoted fields holding delimiters, doubled quotes and line breaks. It
 * knows the physical line on which each record starts, so messages can say
 * "FILE:LINE". Blank lines, and records whose fields are all empty, are
 * skipped. Values are trimmed (spaces, tabs, CR, LF at both ends).
 *
 * Memory is bounded: a field over CSVIN_MAX_FIELD bytes or a record over
 * CSVIN_MAX_ROW bytes is an error; fields past CSVIN_MAX_FIELDS are counted
 * but not kept. Malformed CSV (a quote inside an unquoted field, text after a
 * closing quote, a quote still open at the end of the input) is an error
 * naming the line: the reader does not try to resynchronise.
 *
 * Encoding is not checked here: callers check each field with
 * text_utf8_check() and name the column in their message.
 */
#ifndef NOCTURNE_CSVIN_H
#define NOCTURNE_CSVIN_H

#include <stddef.h>
#include <stdio.h>

#include "err.h"

#define CSVIN_MAX_FIELD (1024 * 1024)
#define CSVIN_MAX_ROW (4 * 1024 * 1024)
#define CSVIN_MAX_FIELDS 256

struct csvin;

/*
 * Open path for reading ("-" = standard input, named "stdin" in messages).
 * ERR_NOINPUT (with the path and the reason) when it cannot be opened.
 * Free with csvin_free().
 */
int csvin_open(struct csvin **out, const char *path, struct err *e);

/* Read from fp, called name in messages; fp is not closed by csvin_free(). */
struct csvin *csvin_new(FILE *fp, const char *name);

/*
 * Read the next record. Returns 1 when there is one (see the accessors),
 * 0 at the end of the input, -1 on error: ERR_DATA for malformed or
 * oversized CSV ("NAME:LINE: ..."), ERR_IO for a read error. After an error
 * the reader is finished: further calls return -1 again.
 */
int csvin_next(struct csvin *r, struct err *e);

/* Number of fields in the current record (may exceed CSVIN_MAX_FIELDS). */
size_t csvin_nfields(const struct csvin *r);
/*
 * Field i of the current record, trimmed and NUL-terminated, valid until the
 * next csvin_next(); "" for i beyond the kept fields. *len (if not NULL)
 * gets its length in bytes, which differs from strlen() if it holds a NUL.
 */
const char *csvin_field(const struct csvin *r, size_t i, size_t *len);
/* Physical line (1 = first) on which the current record starts. */
long csvin_line(const struct csvin *r);
/* The delimiter in use (';' or ','), known after the first csvin_next(). */
char csvin_delim(const struct csvin *r);
/* The name used in messages (the path, or "stdin"). */
const char *csvin_name(const struct csvin *r);

/* Close (unless made by csvin_new) and free. NULL is fine. */
void csvin_free(struct csvin *r);

#endif
