/*
 * fuzz_util.h - what the libFuzzer harnesses share: a NUL-terminated copy
 * of the input, a CSV reader (libcsv, strict, as the import reads files) to
 * check that what we write parses back to the same fields, and a loud abort
 * that libFuzzer records as a crash.
 */
#ifndef NOCTURNE_FUZZ_UTIL_H
#define NOCTURNE_FUZZ_UTIL_H

#include <stddef.h>
#include <stdint.h>

#define FUZZ_ASSERT(cond)                                                                     \
	do {                                                                                  \
		if (!(cond))                                                                  \
			fuzz_die(__FILE__, __LINE__, #cond);                                  \
	} while (0)

void fuzz_die(const char *file, int line, const char *what) __attribute__((noreturn));

/* A malloc'ed copy of data with a NUL added. Caller frees. */
char *fuzz_cstr(const uint8_t *data, size_t size);

/* One parsed CSV row: fields (malloc'ed, NUL-terminated, with their length). */
struct fuzz_row {
	size_t n;
	char **fields;
	size_t *lens;
};

struct fuzz_rows {
	size_t n;
	struct fuzz_row *rows;
	int error; /* libcsv reported a strict-mode error */
};

/* Parse text (len bytes) with libcsv CSV_STRICT | CSV_STRICT_FINI, delimiter sep. */
void fuzz_csv_parse(const char *text, size_t len, char sep, struct fuzz_rows *out);
void fuzz_rows_free(struct fuzz_rows *r);

#endif
