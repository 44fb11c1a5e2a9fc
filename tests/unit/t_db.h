/*
 * t_db.h - for the unit tests that look into a database: column 0 of a
 * one-row query as an integer, -1 when it cannot be prepared or returns no
 * row.
 */
#ifndef NOCTURNE_T_DB_H
#define NOCTURNE_T_DB_H

#include "db_int.h"

static inline long long
t_db_int(struct db *db, const char *sql)
{
	sqlite3_stmt *st = NULL;
	long long v = -1;

	if (sqlite3_prepare_v2(db->sql, sql, -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

#endif
