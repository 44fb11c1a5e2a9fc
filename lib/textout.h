/*
 * textout.h - plain text for a terminal: the operator views of
 * nocturne-status and the request explanation share these. The writing
 * layer over the leaves: what is a control character is text.h's
 * text_is_control, an amount is money.h's money_format; here only what
 * goes to a FILE in columns (widths, cut cells, labelled fields).
 *
 * Data (names, ids, SMTP replies) is written with its control characters
 * shown as '?', so it can never drive the terminal; widths count UTF-8 code
 * points (no wide characters).
 */
#ifndef NOCTURNE_TEXTOUT_H
#define NOCTURNE_TEXTOUT_H

#include <stdio.h>

/* Columns taken by s on a terminal (UTF-8 code points). */
int textout_cols(const char *s);

/*
 * Write s (NULL: nothing) with control characters shown as '?'. With
 * max > 0, at most max columns: a longer text is cut at a character
 * boundary and ends with '~'. Returns the columns written.
 */
int textout_put(FILE *out, const char *s, int max);

/* A cell of exactly width columns: s cut or padded with spaces. */
void textout_cell(FILE *out, const char *s, int width);

/* "  LABEL:" padded to column 18, then the formatted value. */
void textout_field(FILE *out, const char *label, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* An amount of cents as "-12.50 €" (money_format, then " €"). */
void textout_money(FILE *out, long long cents);

#endif
