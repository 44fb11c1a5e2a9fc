/*
 * db_row.h - private to lib/db*.c: reading the rows of a prepared statement
 * (a listing streamed to a callback, a one-row read, a column's text, a NULL
 * test).
 */
#ifndef NOCTURNE_DB_ROW_H
#define NOCTURNE_DB_ROW_H

#include <sqlite3.h>

#include "db.h"
#include "err.h"

/*
 * Step st to the end, handing each row to row(). Returns the number of rows,
 * or -1 (db error through db_fail with what, or row() returned -1).
 * Finalizes st in every case.
 */
int db_row_each(struct db *db, sqlite3_stmt *st, int (*row)(sqlite3_stmt *st, void *ctx), void *ctx,
                const char *what, struct err *e);

/*
 * Prepare sql (no parameters) and step to its one row (an aggregate): 0 with
 * *st on the row (the caller reads it, then finalizes *st), or -1 with e
 * set through db_fail with what (*st finalized).
 */
int db_row_one(struct db *db, const char *sql, sqlite3_stmt **st, const char *what, struct err *e);

/*
 * Prepare sql, bind the integers v[0..n) to its parameters ?1.. (as many
 * as it has) and step to its first row, if any: 1 with *st on the row (the
 * caller reads it, then finalizes *st), 0 when there is no row, -1 with e
 * set through db_fail with what. *st is finalized unless 1 is returned.
 */
int db_row_maybe(struct db *db, const char *sql, const long long *v, int n, sqlite3_stmt **st,
                 const char *what, struct err *e);

/* Column i of the current row as text (valid until the next step), NULL for NULL. */
const char *db_row_text(sqlite3_stmt *st, int i);

/* 1 when column i of the current row is NULL, else 0. */
int db_row_null(sqlite3_stmt *st, int i);

#endif
