/*
 * import.h - loading reference data and requests from CSV (contract §3).
 *
 * import_run() reads a CSV file (lib/csvin) of one kind, checks the header
 * (known columns in any order, each at most once, required ones present),
 * parses and checks every row, and stores it through lib/db_import in one
 * write transaction (BEGIN IMMEDIATE):
 *   - families, children, activities: upserted by their id;
 *   - openings: upserted by (activity_id, date);
 *   - requests: inserted as pending; a known request_id with the same
 *     fields is a no-op, with other fields a bad row.
 * A row repeating an id seen earlier in the same file is ignored when it is
 * identical, and is a bad row naming the earlier line when it differs.
 *
 * Without a rejects file the import is all or nothing: every bad row is
 * reported, and if there is one the transaction is rolled back. With a
 * rejects file the good rows are stored and the bad ones are written to it
 * (the original columns plus "error"). A column named "error" in the input
 * is accepted and ignored, so a corrected rejects file can be imported as it
 * stands.
 *
 * The value parsers are exported for the unit tests and for other tools.
 */
#ifndef NOCTURNE_IMPORT_H
#define NOCTURNE_IMPORT_H

#include <stdint.h>
#include <stdio.h>

#include "config.h"
#include "csvin.h"
#include "db.h"
#include "err.h"

enum import_kind {
	IMPORT_FAMILIES,
	IMPORT_CHILDREN,
	IMPORT_ACTIVITIES,
	IMPORT_OPENINGS,
	IMPORT_REQUESTS,
};

/* "families" ... "requests" -> kind: 0, or -1 when unknown. */
int import_kind_parse(const char *s, enum import_kind *kind);
const char *import_kind_name(enum import_kind kind);
/* The kinds' names, for usage messages: "families, children, ...". */
const char *import_kind_list(void);

/*
 * Value parsers: 0 and the result, or -1 when s (already trimmed) is not a
 * value of that form (amounts: money.h; numbers and yes/no: parse.h).
 *   waitlist: no/non/false/0 -> 0 (no list), yes/oui/true -> -1 (no limit),
 *             N >= 1 -> N (at most 1000000)
 *   hours:    HH:MM-HH:MM, start before end, 24:00 allowed as the end
 *   action:   reserve/reservation/réservation -> "reserve",
 *             cancel/annulation -> "cancel" (any case)
 */
int import_parse_waitlist(const char *s, int *v);
int import_parse_hours(const char *s, int *from, int *to);
int import_parse_action(const char *s, const char **action);

struct import_counts {
	long read;      /* data rows (not blank) */
	long inserted;  /* new rows */
	long updated;   /* rows whose values changed */
	long unchanged; /* rows already there with the same values */
	long rejected;  /* bad rows */
};

struct import_opts {
	int dry_run;              /* check and count, store nothing */
	FILE *rejects;            /* NULL: all or nothing */
	const char *rejects_name; /* for messages */
	/*
	 * Called for each problem, in file order, with one line
	 * "FILE:LINE: column NAME: what is wrong" (header problems too).
	 */
	void (*bad)(const char *msg, void *ctx);
	void *ctx;
};

/*
 * Import in (of kind) into db. Returns 0 when every row was good (stored,
 * or checked only with dry_run); -1 with e set otherwise: ERR_DATA when the
 * header or some rows were bad (each reported through o->bad; without
 * rejects nothing was stored), ERR_TEMP when the database is busy, ERR_IO,
 * ERR_INTERNAL. *c is filled in every case.
 */
int import_run(struct db *db, enum import_kind kind, struct csvin *in, const struct import_opts *o,
               struct import_counts *c, struct err *e);

/* What nocturne-import was asked to do, for import_file(). */
struct import_file_args {
	int dry_run;              /* check and count, store nothing, print the counts */
	const char *rejects_path; /* NULL: all or nothing; else store the good rows and
	                           * write the bad ones there (removed when unused) */
	FILE *out;                /* the dry run's counts line */
	int64_t now;              /* the clock: the metrics file's last success */
	void (*bad)(const char *msg, void *ctx); /* as in import_opts */
	void *ctx;
};

/*
 * The whole of nocturne-import: read path ("-" = standard input) as kind
 * into cfg->db_path (created if missing). A dry run does not create the
 * database: without one it checks against an empty in-memory database, and
 * prints "KIND FILE: N rows read, ...; nothing stored (dry run)" on a->out;
 * else the counts go to the log (-v). The rejects file is created first
 * and removed again unless it holds bad rows of a run that stored the good
 * ones. Returns 0 or -1 as import_run (ERR_NOINPUT for a missing path,
 * ERR_IO for a rejects file that cannot be written); *c is filled. Not a
 * dry run: ends by rewriting [log] metrics_file (metrics_end, "import").
 */
int import_file(const struct config *cfg, enum import_kind kind, const char *path,
                const struct import_file_args *a, struct import_counts *c, struct err *e);

#endif
