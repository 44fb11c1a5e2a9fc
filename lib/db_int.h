/*
 * db_int.h - private to lib/db*.c: the connection and statement helpers.
 */
#ifndef NOCTURNE_DB_INT_H
#define NOCTURNE_DB_INT_H

#include <pthread.h>
#include <sqlite3.h>

#include "db.h"
#include "export.h"

/* The schema: db_migrations[i] takes user_version i to i + 1 (db_schema.c). */
extern const char *const db_migrations[];
extern const int db_nmigrations;

/* 32 MiB of page cache per connection (bench/floor.c uses the same). */
#define DB_CACHE_PRAGMA "PRAGMA cache_size = -32768;"

/* The write lock connections of one process share (db_open_sibling). */
struct db_writer {
	pthread_mutex_t lock;
	int users;
};

/* The reservations that hold a place in held (db_schema.c, schema 11), as
 * the requests have them: what --check compares held with, and what a
 * night makes it again from (db_night_places_again). */
#define HELD_COLS "activity_ref, day, state, child_ref, submitted_at, seq, position"
#define HELD_ROWS                                                                                  \
	"SELECT " HELD_COLS " FROM request WHERE (state = 'accepted' OR state = 'waitlisted'"      \
	" OR state = 'cancelled') AND action = 'reserve'"

struct db {
	sqlite3 *sql;
	char *path;
	int busy_ms;
	struct db_writer *writer; /* NULL: no sibling */
	int writing;              /* this connection holds writer->lock */
	int readonly;             /* opened DB_OPEN_READONLY */
	long long version;        /* a twin's data_version before db's snapshot (db_twin_open) */
	const char *twin_of;      /* a twin's view, for -vv */
};

/*
 * Fill e from the connection's last error: SQLITE_BUSY/LOCKED -> ERR_TEMP,
 * I/O, full, read-only, can't open -> ERR_IO, anything else ERR_INTERNAL.
 * what says what was being done. Returns -1.
 */
int db_fail(struct db *db, struct err *e, const char *what);

/*
 * Step a statement that returns no row (a write), then reset it: 0, or -1
 * through db_fail (what names the step).
 */
int db_step_done(struct db *db, sqlite3_stmt *st, const char *what, struct err *e);

/*
 * A sort's records (runsort.h) as an eponymous virtual table of one
 * connection, read by full scans, each from the first record (db_scan.c):
 * the night's changes, places and events (db_night_sorted.c), the ids an
 * import adds (db_import.c).
 */
struct runsort;
struct db_scan_table {
	const char *name; /* the module's, and so the table's */
	const char *decl; /* CREATE TABLE x(...) */
	/* Its records, found once at registration; finished before a scan. Its
	 * rows, for the planner, are the sort's count. */
	struct runsort *(*records)(void *owner);
	/* Column col of a record (its texts may point into rec: STATIC). */
	void (*column)(const void *owner, const void *rec, sqlite3_context *ctx, int col);
	int order_col; /* an ORDER BY this column (ascending) costs nothing; -1: none */
};

/*
 * Register t on db, its records owner's; a failure to read them is a
 * statement's SQLITE_IOERR, its message the sort's, and is copied into
 * *fail too unless fail is NULL. 0, or -1 through db_fail.
 */
int db_scan_register(struct db *db, const struct db_scan_table *t, void *owner, struct err *fail,
                     struct err *e);
void db_scan_unregister(struct db *db, const struct db_scan_table *t);

/* Prepare sql or fail through db_fail. */
int db_prepare(struct db *db, const char *sql, sqlite3_stmt **st, struct err *e);

/* Run SQL without results (may hold several statements). */
int db_exec(struct db *db, const char *sql, struct err *e);

/* Bind helpers: NULL text / negative-as-NULL integers. */
void db_bind_text(sqlite3_stmt *st, int i, const char *s);
void db_bind_opt_int(sqlite3_stmt *st, int i, int has, long long v);

/* Column i of the current row as a malloc'ed string (caller frees), NULL for NULL. */
char *db_column_dup(sqlite3_stmt *st, int i);

/*
 * What export rows name by reference (db_export.c): ids by ref (NULL: no
 * such row), batches' clocks by batch_id (has_batch[i]). Read once in the
 * export's transaction; free with db_export_names_free (also after a
 * failed read).
 */
struct db_export_names {
	char **child, **activity;
	size_t nchild, nactivity;
	int64_t *ran_at;
	char *has_batch;
	size_t nbatch;
};
int db_export_names_read(struct db *db, struct db_export_names *n, struct err *e);
void db_export_names_free(struct db_export_names *n);

/*
 * Read a row's first eight export columns (request_id, child_ref,
 * activity_ref, day, action, state, reason, position) into r, the ids
 * through n; the texts point into the statement's row and into n. batch_id
 * and decided_at are the caller's. Returns 0, or -1 when a required column
 * is NULL or a reference names no row.
 */
int db_export_row_read(sqlite3_stmt *st, const struct db_export_names *n, struct export_row *r);

/* Batch batch_id's clock (0 when there is no such batch). */
int64_t db_export_clock(const struct db_export_names *n, long long batch_id);

#endif
