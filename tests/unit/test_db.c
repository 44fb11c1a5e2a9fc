#include "db.h"

#include <stdio.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "db_int.h"
#include "lock.h"
#include "log.h"
#include "t.h"

static char dir[] = "/tmp/nocturne-test-db.XXXXXX";

static void
test_open_modes(void)
{
	char path[256];
	struct db *db;
	struct err e;

	snprintf(path, sizeof(path), "%s/n.db", dir);
	CHECK_INT(db_open(&db, path, 1000, DB_OPEN_EXISTING, &e), -1);
	CHECK_INT(e.kind, ERR_NOINPUT);
	CHECK_INT(db_open(&db, path, 1000, DB_OPEN_CREATE, &e), 0);
	CHECK(db != NULL);
	db_close(db);
	/* Reopening an up-to-date database migrates nothing. */
	CHECK_INT(db_open(&db, path, 1000, DB_OPEN_EXISTING, &e), 0);
	CHECK_INT(db_begin(db, &e), 0);
	CHECK_INT(db_commit(db, &e), 0);
	db_close(db);
	CHECK_INT(db_open(&db, "/nonexistent-dir/x.db", 1000, DB_OPEN_CREATE, &e), -1);
	CHECK(db == NULL);
}

static void
test_lock(void)
{
	char path[256];
	struct lock a, b;
	struct err e;

	snprintf(path, sizeof(path), "%s/n.db", dir);
	CHECK_INT(lock_acquire(&a, path, "transmit", &e), 0);
	CHECK_INT(lock_acquire(&b, path, "transmit", &e), -1);
	CHECK_INT(e.kind, ERR_TEMP);
	CHECK(strstr(e.msg, "another nocturne-transmit is running (pid ") != NULL);
	CHECK_INT(lock_acquire(&b, path, "notify", &e), 0);
	lock_release(&b);
	lock_release(&a);
	CHECK_INT(lock_acquire(&b, path, "transmit", &e), 0);
	lock_release(&b);

	/* Held for 11 hours: still a run at work (75). For 13: stuck (70). */
	{
		char lp[300];
		struct timespec ts[2];

		snprintf(lp, sizeof(lp), "%s.transmit.lock", path);
		CHECK_INT(lock_acquire(&a, path, "transmit", &e), 0);
		clock_gettime(CLOCK_REALTIME, &ts[0]);
		ts[0].tv_sec -= 11 * 3600;
		ts[1] = ts[0];
		CHECK_INT(utimensat(AT_FDCWD, lp, ts, 0), 0);
		CHECK_INT(lock_acquire(&b, path, "transmit", &e), -1);
		CHECK_INT(e.kind, ERR_TEMP);
		ts[0].tv_sec -= 2 * 3600;
		ts[1] = ts[0];
		CHECK_INT(utimensat(AT_FDCWD, lp, ts, 0), 0);
		CHECK_INT(lock_acquire(&b, path, "transmit", &e), -1);
		CHECK_INT(e.kind, ERR_STUCK);
		CHECK_INT(err_exitcode(e.kind), 75);
		CHECK(strstr(e.msg, "nocturne-transmit has held its lock for 13 hours (pid ") != NULL);
		CHECK(strstr(e.msg, "that run is stuck") != NULL);
		lock_release(&a);
		CHECK_INT(lock_acquire(&b, path, "transmit", &e), 0);
		lock_release(&b);
	}
}

/* A statement left unfinalized is finalized by db_close and reported on stderr. */
static void
test_close_reports_leak(void)
{
	char path[256], errpath[256], got[512] = "", want[600];
	struct db *db;
	struct err e;
	sqlite3_stmt *st;
	FILE *f;
	int saved = dup(2);

	snprintf(path, sizeof(path), "%s/leak.db", dir);
	snprintf(errpath, sizeof(errpath), "%s/stderr", dir);
	CHECK_INT(db_open(&db, path, 1000, DB_OPEN_CREATE, &e), 0);
	CHECK_INT(db_prepare(db, "SELECT count(*) FROM batch", &st, &e), 0);
	log_init("test", LOG_LEVEL_WARN);
	fflush(stderr);
	CHECK(freopen(errpath, "w", stderr) != NULL);
	db_close(db);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	f = fopen(errpath, "r");
	CHECK(f != NULL);
	if (f != NULL) {
		if (fgets(got, sizeof(got), f) == NULL)
			got[0] = '\0';
		fclose(f);
	}
	snprintf(want, sizeof(want),
		 "test: %s: internal: statement left unfinalized: SELECT count(*) FROM batch\n",
		 path);
	CHECK_STR(got, want);
}

/* The plan of one query: its EXPLAIN QUERY PLAN details, joined by '|'. */
static void
plan_of(struct db *db, const char *sql, char *out, size_t size)
{
	char q[1024];
	sqlite3_stmt *st;
	size_t len = 0;

	snprintf(q, sizeof(q), "EXPLAIN QUERY PLAN %s", sql);
	out[0] = '\0';
	if (sqlite3_prepare_v2(db->sql, q, -1, &st, NULL) != SQLITE_OK) {
		snprintf(out, size, "(%s)", sqlite3_errmsg(db->sql));
		return;
	}
	while (sqlite3_step(st) == SQLITE_ROW && len < size)
		len += (size_t)snprintf(out + len, size - len, "%s|",
		                        (const char *)sqlite3_column_text(st, 3));
	sqlite3_finalize(st);
}

/*
 * HELD repeats request_held's condition term for term, or SQLite reads the
 * slot's every request instead of the index: a million-request night took
 * 113 s instead of 2 when the two drifted apart.
 */
static void
test_held_reads_its_index(void)
{
	static const char *const queries[] = {
	    "SELECT count(*) FROM request WHERE activity_ref = 1 AND day = 2" HELD,
	    "SELECT count(*) FROM request r WHERE r.activity_ref = 1 AND r.day = 2"
	    " AND r.state = 'accepted'" HELD_R,
	    "SELECT h.seq FROM request h WHERE h.child_ref = 3 AND h.activity_ref = 1"
	    " AND h.day = 2" HELD_OF("h."),
	};
	char path[256], plan[512];
	struct db *db;
	struct err e;

	snprintf(path, sizeof(path), "%s/held.db", dir);
	CHECK_INT(db_open(&db, path, 1000, DB_OPEN_CREATE, &e), 0);
	for (size_t i = 0; i < sizeof(queries) / sizeof(queries[0]); i++) {
		plan_of(db, queries[i], plan, sizeof(plan));
		CHECK(strstr(plan, "INDEX request_held (activity_ref=? AND day=?") != NULL);
	}
	/* A night's read of a slot's places needs nothing but the index
	 * (schema 10: db_night.c's ST_SLOT). */
	plan_of(db,
	        "SELECT seq, child_ref, submitted_at, state = 'waitlisted', position FROM request"
	        " WHERE activity_ref = 1 AND day = 2" HELD " AND state IN ('accepted','waitlisted')",
	        plan, sizeof(plan));
	CHECK(strstr(plan, "COVERING INDEX request_held (activity_ref=? AND day=?") != NULL);
	/* And the test can tell: the same query with the condition as it
	 * was written before schema 9 scans the table. */
	plan_of(db,
	        "SELECT count(*) FROM request WHERE activity_ref = 1 AND day = 2"
	        " AND state IN ('accepted','waitlisted','cancelled') AND action = 'reserve'",
	        plan, sizeof(plan));
	CHECK(strstr(plan, "request_held") == NULL);
	/* The CHECKs still refuse what they refused. */
	CHECK_INT(sqlite3_exec(db->sql,
	                       "INSERT INTO message(kind, subject, message_id, created_at, next_at)"
	                       " VALUES ('bulletin', 's', 'm1', 0, 0)",
	                       NULL, NULL, NULL),
	          SQLITE_CONSTRAINT_CHECK);
	CHECK_INT(sqlite3_exec(db->sql,
	                       "INSERT INTO message(kind, subject, message_id, created_at, next_at,"
	                       " state) VALUES ('page', 's', 'm2', 0, 0, 'lost')",
	                       NULL, NULL, NULL),
	          SQLITE_CONSTRAINT_CHECK);
	CHECK_INT(sqlite3_exec(db->sql,
	                       "INSERT INTO message(kind, subject, message_id, created_at, next_at,"
	                       " state) VALUES ('page', 's', 'm3', 0, 0, 'bounced')",
	                       NULL, NULL, NULL),
	          SQLITE_OK);
	db_close(db);
}

int
main(void)
{
	char cmd[300];
	int rc;

	if (mkdtemp(dir) == NULL)
		return 1;
	T_RUN(test_open_modes);
	T_RUN(test_lock);
	T_RUN(test_close_reports_leak);
	T_RUN(test_held_reads_its_index);
	rc = t_status();
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		rc = 1;
	return rc;
}
