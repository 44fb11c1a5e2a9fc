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
	rc = t_status();
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		rc = 1;
	return rc;
}
