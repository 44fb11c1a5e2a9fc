#include "db_row.h"

#include "db_int.h"

int
db_row_each(struct db *db, sqlite3_stmt *st, int (*row)(sqlite3_stmt *st, void *ctx), void *ctx,
            const char *what, struct err *e)
{
	int rc, n = 0;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (row(st, ctx) < 0) {
			sqlite3_finalize(st);
			return -1;
		}
		n++;
	}
	if (rc != SQLITE_DONE) {
		db_fail(db, e, what);
		sqlite3_finalize(st);
		return -1;
	}
	sqlite3_finalize(st);
	return n;
}

int
db_row_one(struct db *db, const char *sql, sqlite3_stmt **st, const char *what, struct err *e)
{
	if (db_prepare(db, sql, st, e) < 0)
		return -1;
	if (sqlite3_step(*st) != SQLITE_ROW) {
		db_fail(db, e, what);
		sqlite3_finalize(*st);
		return -1;
	}
	return 0;
}

int
db_row_maybe(struct db *db, const char *sql, const long long *v, int n, sqlite3_stmt **st,
             const char *what, struct err *e)
{
	int rc;

	if (db_prepare(db, sql, st, e) < 0)
		return -1;
	for (int i = 0; i < n && i < sqlite3_bind_parameter_count(*st); i++)
		sqlite3_bind_int64(*st, i + 1, v[i]);
	rc = sqlite3_step(*st);
	if (rc == SQLITE_ROW)
		return 1;
	if (rc != SQLITE_DONE)
		db_fail(db, e, what);
	sqlite3_finalize(*st);
	*st = NULL;
	return rc == SQLITE_DONE ? 0 : -1;
}

const char *
db_row_text(sqlite3_stmt *st, int i)
{
	return (const char *)sqlite3_column_text(st, i);
}

int
db_row_null(sqlite3_stmt *st, int i)
{
	return sqlite3_column_type(st, i) == SQLITE_NULL;
}
