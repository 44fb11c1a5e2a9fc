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
#include "t_db.h"

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
	CHECK_INT(lock_running(path, "transmit"), 0); /* no lock file yet */
	CHECK_INT(lock_acquire(&a, path, "transmit", &e), 0);
	CHECK_INT(lock_running(path, "transmit"), 1);
	CHECK_INT(lock_running(path, "notify"), 0);
	CHECK_INT(lock_acquire(&b, path, "transmit", &e), -1);
	CHECK_INT(e.kind, ERR_TEMP);
	CHECK(strstr(e.msg, "another nocturne-transmit is running (pid ") != NULL);
	CHECK_INT(lock_acquire(&b, path, "notify", &e), 0);
	lock_release(&b);
	lock_release(&a);
	CHECK_INT(lock_running(path, "transmit"), 0); /* the file stays, unlocked */
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
		/* 13 hours and a minute: lock.c reads time(), the kernel's coarse
		 * clock, which can be a second behind clock_gettime's (CI saw
		 * "12 hours" once with 13 hours exactly). */
		ts[0].tv_sec -= 2 * 3600 + 60;
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

/* The places of held that disagree with request's reservations (both ways). */
#define HELD_COLS "activity_ref, day, state, child_ref, submitted_at, seq, position"
#define HELD_ROWS                                                                                  \
	"SELECT " HELD_COLS " FROM request WHERE (state = 'accepted' OR state = 'waitlisted'"      \
	" OR state = 'cancelled') AND action = 'reserve'"
#define HELD_ASTRAY                                                                                \
	"SELECT (SELECT count(*) FROM (SELECT " HELD_COLS " FROM held EXCEPT " HELD_ROWS "))"      \
	" + (SELECT count(*) FROM (" HELD_ROWS " EXCEPT SELECT " HELD_COLS " FROM held))"

/*
 * A slot's places are read from held by its key's first columns (the
 * night's, the counts', the holder of a duplicate), never by a scan.
 */
static void
test_held_is_searched_by_slot(void)
{
	static const char *const queries[] = {
	    /* db_night.c ST_SLOT */
	    "SELECT seq, child_ref, submitted_at, state = 'waitlisted', position FROM held"
	    " WHERE activity_ref = 1 AND day = 2 AND (state = 'accepted' OR state = 'waitlisted')",
	    /* db_request.c, db_status.c */
	    "SELECT count(*) FROM held WHERE activity_ref = 1 AND day = 2 AND state = 'accepted'",
	    /* db_mail.c HOLDER */
	    "SELECT h.seq FROM held h WHERE h.activity_ref = 1 AND h.day = 2 AND h.child_ref = 3"
	    " AND h.seq <> 4 ORDER BY h.state = 'cancelled', h.seq LIMIT 1",
	};
	char path[256], plan[512];
	struct db *db;
	struct err e;

	snprintf(path, sizeof(path), "%s/held.db", dir);
	CHECK_INT(db_open(&db, path, 1000, DB_OPEN_CREATE, &e), 0);
	for (size_t i = 0; i < sizeof(queries) / sizeof(queries[0]); i++) {
		plan_of(db, queries[i], plan, sizeof(plan));
		CHECK(strstr(plan, "SEARCH h") != NULL || strstr(plan, "SEARCH held") != NULL);
		CHECK(strstr(plan, "USING PRIMARY KEY (activity_ref=? AND day=?") != NULL);
	}
	/* And the test can tell: the slot's places by child first scan the table. */
	plan_of(db, "SELECT count(*) FROM held WHERE child_ref = 3 AND day = 2", plan, sizeof(plan));
	CHECK(strstr(plan, "USING PRIMARY KEY (activity_ref=?") == NULL);
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

/*
 * Every other writer of request keeps held in step through its triggers:
 * a reservation that holds a place is there, with its state and position,
 * a pending one or a cancellation is not, one that leaves is gone.
 */
static void
test_held_follows_request(void)
{
	char path[256], sql[1024];
	struct db *db;
	struct err e;

	snprintf(path, sizeof(path), "%s/follows.db", dir);
	CHECK_INT(db_open(&db, path, 1000, DB_OPEN_CREATE, &e), 0);
	CHECK_INT(db_exec(db, "PRAGMA foreign_keys = OFF", &e), 0);
	snprintf(sql, sizeof(sql), "%s",
	         "INSERT INTO request(seq, request_id, child_ref, activity_ref, day, action,"
	         " submitted_at, state, position) VALUES"
	         " (1, 'R1', 1, 1, 5, 'reserve', 10, 'pending', NULL),"
	         " (2, 'R2', 2, 1, 5, 'reserve', 11, 'accepted', NULL),"
	         " (3, 'R3', 3, 1, 5, 'reserve', 12, 'waitlisted', 2),"
	         " (4, 'R4', 2, 1, 6, 'cancel', 13, 'accepted', NULL),"
	         " (5, 'R5', 4, 1, 5, 'reserve', 14, 'refused', NULL)");
	CHECK_INT(db_exec(db, sql, &e), 0);
	CHECK_INT(t_db_int(db, "SELECT count(*) FROM held"), 2);
	CHECK_INT(t_db_int(db, "SELECT position FROM held WHERE seq = 3 AND state = 'waitlisted'"), 2);
	CHECK_INT(t_db_int(db, HELD_ASTRAY), 0);
	CHECK_INT(db_exec(db,
	                  "UPDATE request SET state = 'cancelled' WHERE seq = 2;"
	                  "UPDATE request SET position = 1 WHERE seq = 3;"
	                  "UPDATE request SET state = 'accepted' WHERE seq = 1;"
	                  "UPDATE request SET undoes = 4 WHERE seq = 2",
	                  &e),
	          0);
	CHECK_INT(t_db_int(db, "SELECT count(*) FROM held WHERE seq = 2 AND state = 'cancelled'"), 1);
	CHECK_INT(t_db_int(db, "SELECT position FROM held WHERE seq = 3"), 1);
	CHECK_INT(t_db_int(db, "SELECT count(*) FROM held"), 3);
	CHECK_INT(t_db_int(db, HELD_ASTRAY), 0);
	CHECK_INT(db_exec(db,
	                  "UPDATE request SET state = 'expired', position = NULL WHERE seq = 3;"
	                  "DELETE FROM request WHERE seq = 1",
	                  &e),
	          0);
	CHECK_INT(t_db_int(db, "SELECT group_concat(seq) FROM held"), 2);
	CHECK_INT(t_db_int(db, HELD_ASTRAY), 0);
	/* The test can tell: a place written behind the triggers' back is astray. */
	CHECK_INT(db_exec(db, "INSERT INTO held VALUES (1, 5, 'accepted', 9, 0, 99, NULL)", &e), 0);
	CHECK_INT(t_db_int(db, HELD_ASTRAY), 1);
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
	T_RUN(test_held_is_searched_by_slot);
	T_RUN(test_held_follows_request);
	rc = t_status();
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		rc = 1;
	return rc;
}
