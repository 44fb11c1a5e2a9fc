/*
 * fuzz_csvout - the CSV writer (lib/csvout.h): any bytes, as fields, must
 * come back field for field through a strict RFC 4180 reader (libcsv), with
 * only the documented change: under CSVOUT_SAFE a field starting with
 * = + - @ TAB or CR gains a leading apostrophe. Rows end as asked (LF or
 * CRLF) and nothing else in the output is a row end outside quotes.
 *
 * Input: byte 0 = flags (bit 0 SAFE, bit 1 CRLF, bit 2 ',' instead of ';'),
 * then the fields of one row separated by NUL bytes; the row is written twice.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csvout.h"
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
formula_like(const char *s)
{
	return s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@' || s[0] == '\t' ||
	       s[0] == '\r';
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text, *buf = NULL, *fields[64];
	size_t nf = 0, len = 0, pos;
	int flags, safe;
	char sep;
	FILE *f;
	struct csvout w;
	struct fuzz_rows rows;

	if (size < 1)
		return 0;
	flags = data[0] & 3;
	safe = flags & CSVOUT_SAFE;
	sep = (data[0] & 4) ? ',' : ';';
	text = fuzz_cstr(data + 1, size - 1);
	/* Split on NUL: the fields are the C strings between them. */
	for (pos = 0; pos <= size - 1 && nf < 64; nf++) {
		fields[nf] = text + pos;
		pos += strlen(text + pos) + 1;
	}
	if (nf == 1 && fields[0][0] == '\0') {
		free(text);
		return 0; /* a row of one empty field is a blank line */
	}
	f = open_memstream(&buf, &len);
	if (f == NULL)
		abort();
	csvout_init(&w, f, sep, flags);
	for (int r = 0; r < 2; r++) {
		for (size_t i = 0; i < nf; i++)
			FUZZ_ASSERT(csvout_field(&w, fields[i]) == 0);
		FUZZ_ASSERT(csvout_end_row(&w) == 0);
	}
	FUZZ_ASSERT(fclose(f) == 0);

	/* Row ends are exactly as asked. */
	if (flags & CSVOUT_CRLF)
		FUZZ_ASSERT(len >= 2 && buf[len - 2] == '\r' && buf[len - 1] == '\n');
	else
		FUZZ_ASSERT(len >= 1 && buf[len - 1] == '\n');

	fuzz_csv_parse(buf, len, sep, &rows);
	FUZZ_ASSERT(!rows.error);
	FUZZ_ASSERT(rows.n == 2);
	for (size_t r = 0; r < rows.n; r++) {
		FUZZ_ASSERT(rows.rows[r].n == nf);
		for (size_t i = 0; i < nf; i++) {
			const char *got = rows.rows[r].fields[i];

			if (safe && formula_like(fields[i])) {
				FUZZ_ASSERT(got[0] == '\'');
				got++;
			}
			FUZZ_ASSERT(strcmp(got, fields[i]) == 0);
		}
	}
	fuzz_rows_free(&rows);
	free(buf);
	free(text);
	return 0;
}
