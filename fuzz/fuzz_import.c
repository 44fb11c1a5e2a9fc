/*
 * fuzz_import - CSV rows through the reader (lib/csvin.h) and the import
 * validation (lib/import.h), from an in-memory stream into an in-memory
 * database holding a small town. Any bytes: no crash, no leak, bounded
 * memory; the reader's line numbers never go back and fields stay within
 * CSVIN_MAX_FIELD; the import is all or nothing: on failure the database
 * holds exactly what it held before; a failure is ERR_DATA and reported at
 * least one "FILE:LINE: " problem line.
 *
 * Input: byte 0 selects the kind (families, children, activities, openings,
 * requests), the rest is the CSV file.
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csvin.h"
#include "db.h"
#include "db_int.h"
#include "fuzz_util.h"
#include "import.h"
#include "text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const town[][2] = {
    {"families", "family_id;name;emails;balance\nF1;DUPONT Marie;m@exemple.fr;-3,50\n"},
    {"children", "child_id;family_id;first_name;last_name\nC1;F1;Léa;Dupont\n"},
    {"activities", "activity_id;name;capacity;waitlist;hours;deadline_days;deadline_time\n"
                   "CANTINE;Cantine;2;oui;;2;10:00\nPERI;Périscolaire;;3;07:00-08:45;1;18:00\n"},
    {"openings", "activity_id;date;capacity\nCANTINE;2019-12-06;\nPERI;2019-12-06;1\n"},
    {"requests", "request_id;child_id;activity_id;date;action;arrival;departure;submitted_at\n"
                 "R1;C1;CANTINE;2019-12-06;reserve;;;2019-12-01 10:00\n"},
};

struct problems {
	int n;
	int bad_format;
};

static void
on_bad(const char *msg, void *ctx)
{
	struct problems *p = ctx;

	p->n++;
	if (strchr(msg, ':') == NULL)
		p->bad_format = 1;
}

static long long
total_rows(struct db *db)
{
	static const char sql[] =
	    "SELECT (SELECT count(*) FROM family) + (SELECT count(*) FROM child) +"
	    " (SELECT count(*) FROM activity) + (SELECT count(*) FROM opening) +"
	    " (SELECT count(*) FROM request) + (SELECT total(balance_cents) FROM family) +"
	    " (SELECT total(coalesce(capacity, 7)) FROM opening)";
	sqlite3_stmt *st;
	long long n;

	FUZZ_ASSERT(sqlite3_prepare_v2(db->sql, sql, -1, &st, NULL) == SQLITE_OK);
	FUZZ_ASSERT(sqlite3_step(st) == SQLITE_ROW);
	n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

static int
import_text(struct db *db, enum import_kind kind, const char *text, size_t len, struct problems *p,
            struct err *e)
{
	FILE *fp = fmemopen((void *)text, len, "r");
	struct csvin *in;
	struct import_opts o;
	struct import_counts c;
	int rc;

	if (fp == NULL)
		abort();
	in = csvin_new(fp, "fuzz.csv");
	memset(&o, 0, sizeof(o));
	memset(&c, 0, sizeof(c));
	o.bad = on_bad;
	o.ctx = p;
	rc = import_run(db, kind, in, &o, &c, e);
	csvin_free(in);
	fclose(fp);
	if (rc == 0)
		FUZZ_ASSERT(c.rejected == 0);
	return rc;
}

static void
read_all(const uint8_t *data, size_t size)
{
	FILE *fp = fmemopen((void *)data, size, "r");
	struct csvin *in;
	struct err e;
	long line = 0;
	int rc;

	if (fp == NULL)
		abort();
	in = csvin_new(fp, "fuzz.csv");
	err_clear(&e);
	while ((rc = csvin_next(in, &e)) == 1) {
		size_t n = csvin_nfields(in), len, bad;

		FUZZ_ASSERT(csvin_line(in) >= line && csvin_line(in) >= 1);
		line = csvin_line(in);
		FUZZ_ASSERT(csvin_delim(in) == ';' || csvin_delim(in) == ',');
		for (size_t i = 0; i < n && i < CSVIN_MAX_FIELDS + 2; i++) {
			const char *f = csvin_field(in, i, &len);

			FUZZ_ASSERT(f != NULL && len <= CSVIN_MAX_FIELD && f[len] == '\0');
			text_utf8_check(f, len, &bad);
		}
	}
	FUZZ_ASSERT(rc == 0 || (e.kind == ERR_DATA && e.msg[0] != '\0'));
	if (rc < 0)
		FUZZ_ASSERT(csvin_next(in, &e) == -1);
	csvin_free(in);
	fclose(fp);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct db *db;
	struct err e;
	struct problems p = {0, 0};
	enum import_kind kind;
	long long before;

	if (size < 1)
		return 0;
	read_all(data + 1, size - 1);

	err_clear(&e);
	FUZZ_ASSERT(db_open(&db, ":memory:", 1000, DB_OPEN_CREATE, &e) == 0);
	for (size_t i = 0; i < sizeof(town) / sizeof(town[0]); i++) {
		struct problems q = {0, 0};

		FUZZ_ASSERT(import_kind_parse(town[i][0], &kind) == 0);
		FUZZ_ASSERT(import_text(db, kind, town[i][1], strlen(town[i][1]), &q, &e) == 0);
	}
	before = total_rows(db);
	kind = (enum import_kind)(data[0] % 5);
	err_clear(&e);
	if (import_text(db, kind, (const char *)data + 1, size - 1, &p, &e) < 0) {
		FUZZ_ASSERT(e.kind == ERR_DATA);
		FUZZ_ASSERT(total_rows(db) == before);
		FUZZ_ASSERT(!p.bad_format);
	}
	db_close(db);
	return 0;
}
