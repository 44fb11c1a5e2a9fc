/*
 * floor_sql.h - what bench/floor.c and bench/barefloor.c share: one SQLite
 * connection (db) and its helpers that exit 1 with a message on any
 * failure, the phase clock and the generator of the data. Header-only (each
 * bench C file is a program of its own): the including program defines
 * FLOOR_PROG, the name its messages start with.
 */
#ifndef FLOOR_SQL_H
#define FLOOR_SQL_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

static sqlite3 *db;

static void die(const char *what, const char *detail) __attribute__((noreturn));

/* Prints "FLOOR_PROG: WHAT: DETAIL" (DETAIL NULL: the connection's last
 * error) and exits 1. */
static void
die(const char *what, const char *detail)
{
	fprintf(stderr, "%s: %s: %s\n", FLOOR_PROG, what,
	        detail ? detail
	        : db   ? sqlite3_errmsg(db)
	               : "no database");
	exit(1);
}

static void
exec(const char *sql)
{
	if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
		die(sql, NULL);
}

static sqlite3_stmt *
prepare(const char *sql)
{
	sqlite3_stmt *st;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		die(sql, NULL);
	return st;
}

static void
step_reset(sqlite3_stmt *st, const char *what)
{
	if (sqlite3_step(st) != SQLITE_DONE)
		die(what, NULL);
	sqlite3_reset(st);
}

/* The one integer a query such as "SELECT count(*) ..." returns. */
static long
count(const char *sql)
{
	sqlite3_stmt *st = prepare(sql);
	long v;

	if (sqlite3_step(st) != SQLITE_ROW)
		die(sql, NULL);
	v = (long)sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* Removes PATH, PATH-wal and PATH-shm: the run starts from no database. */
static void
remove_db(const char *path)
{
	char side[4096];

	unlink(path);
	snprintf(side, sizeof(side), "%s-wal", path);
	unlink(side);
	snprintf(side, sizeof(side), "%s-shm", path);
	unlink(side);
}

static double
clock_seconds(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A phase's wall and CPU (user + system) seconds. */
struct span {
	double wall, cpu;
};

static struct span
span_start(void)
{
	struct span s = {clock_seconds(CLOCK_MONOTONIC), clock_seconds(CLOCK_PROCESS_CPUTIME_ID)};

	return s;
}

static struct span
span_end(struct span s)
{
	s.wall = clock_seconds(CLOCK_MONOTONIC) - s.wall;
	s.cpu = clock_seconds(CLOCK_PROCESS_CPUTIME_ID) - s.cpu;
	return s;
}

/* xorshift64, a number in [0, N): the data only needs to look like a town's. */
static uint64_t rng = 88172645463325252ULL;

static uint64_t
below(uint64_t n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng % n;
}

#endif
