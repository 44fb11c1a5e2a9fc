/*
 * The export read by two threads (export_parts.h) writes the bytes one
 * thread writes, and the twin it reads through (db.h) reads db's snapshot
 * or is not used.
 */
#include "export_parts.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "db_int.h"
#include "t.h"
#include "t_db.h"

static char dir[] = "/tmp/nocturne-test-export.XXXXXX";
static char path[256];
static long long batch2; /* rows of batch 2 */

/* Requests seq 1 .. N, but for a hole that covers a whole part and more. */
#define N (4 * EXPORT_PART + 123)
#define HOLE_FROM (EXPORT_PART + 100)
#define HOLE_TO (3 * EXPORT_PART + 7) /* [HOLE_FROM, HOLE_TO) deleted */
#define ROWS (N - (HOLE_TO - HOLE_FROM))

static void
exec(struct db *db, const char *sql)
{
	char *msg = NULL;

	if (sqlite3_exec(db->sql, sql, NULL, NULL, &msg) != SQLITE_OK) {
		printf("  %s: %s\n", sql, msg);
		t_case_failed = 1;
	}
	sqlite3_free(msg);
}

/* A town whose rows need every part of the format: quotes, a formula-looking id, states. */
static void
make_town(void)
{
	struct db *db;
	struct err e;
	char sql[1024];

	snprintf(path, sizeof(path), "%s/n.db", dir);
	CHECK_INT(db_open(&db, path, 1000, DB_OPEN_CREATE, &e), 0);
	exec(db, "BEGIN;"
	         "INSERT INTO family(ref, family_id, name) VALUES (1, 'F1', 'Martin');"
	         "INSERT INTO child(ref, child_id, family_ref, first_name, last_name) VALUES"
	         " (1, 'C1', 1, 'A', 'M'), (2, 'c;2', 1, 'B', 'M'), (3, '=3', 1, 'C', 'M');"
	         "INSERT INTO activity(ref, activity_id, name, capacity) VALUES"
	         " (1, 'CANTINE', 'Cantine', 10), (2, 'ALSH \"mer\"', 'Centre', 10);"
	         "INSERT INTO batch(batch_id, ran_at, cutoff, started_at, finished_at) VALUES"
	         " (1, 1700000000, 1700000000, 1700000000, 1700000001),"
	         " (2, 1700086400, 1700086400, 1700086400, 1700086401);");
	snprintf(sql, sizeof(sql),
	         "WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < %d)"
	         " INSERT INTO request(seq, request_id, child_ref, activity_ref, day, action,"
	         " submitted_at, state, reason, position, batch_id)"
	         " SELECT i, CASE WHEN i %% 997 = 0 THEN '-' || i ELSE 'R' || i END,"
	         " i %% 3 + 1, i %% 2 + 1, 19000 + i %% 300,"
	         " CASE WHEN i %% 11 = 0 THEN 'cancel' ELSE 'reserve' END, 1699990000 + i,"
	         " CASE i %% 4 WHEN 0 THEN 'pending' WHEN 1 THEN 'accepted'"
	         "  WHEN 2 THEN 'refused' ELSE 'waitlisted' END,"
	         " CASE i %% 4 WHEN 2 THEN 'full' END, CASE i %% 4 WHEN 3 THEN i %% 7 + 1 END,"
	         " CASE i %% 4 WHEN 0 THEN NULL WHEN 1 THEN 1 ELSE 2 END FROM s;"
	         "DELETE FROM request WHERE seq >= %d AND seq < %d; COMMIT",
	         N, HOLE_FROM, HOLE_TO);
	exec(db, sql);
	CHECK_INT(t_db_int(db, "SELECT count(*) FROM request"), ROWS);
	batch2 = t_db_int(db, "SELECT count(*) FROM request WHERE batch_id = 2");
	CHECK(batch2 > ROWS / 3);
	db_close(db);
}

struct out {
	char *p;
	size_t n;
	FILE *fp;
};

/* Export batch (0: all) through export_parts, with a twin or not; its readers count. */
static int export(int with_twin, long long batch, enum db_open_mode mode, struct out *o,
                  struct err *e)
{
	struct db *db, *twin = NULL;
	struct db_status_export *x;
	int rc = -1;

	o->fp = open_memstream(&o->p, &o->n);
	if (db_open(&db, path, 1000, mode, e) < 0)
		return -1;
	if (with_twin && (twin = db_twin_open(db, "export")) == NULL) {
		err_set(e, ERR_INTERNAL, "no twin");
		goto done;
	}
	if (db_begin_read(db, e) < 0)
		goto done;
	if (db_status_export_open(db, batch, &x, e) == 0) {
		rc = export_parts(x, db, twin, o->fp, EXPORT_SAFE, e);
		db_status_export_close(x);
	}
	db_rollback(db);
done:
	db_close(twin);
	db_close(db);
	fclose(o->fp);
	return rc;
}

static size_t
lines(const struct out *o)
{
	size_t n = 0;

	for (size_t i = 0; i < o->n; i++)
		n += o->p[i] == '\n';
	return n;
}

static void
test_two_readers_write_the_same_bytes(void)
{
	struct out one, two;
	struct err e;

	CHECK_INT(export(0, 0, DB_OPEN_EXISTING, &one, &e), 1);
	CHECK_INT(export(1, 0, DB_OPEN_EXISTING, &two, &e), 2);
	CHECK_INT(lines(&one), ROWS);
	CHECK_INT(two.n, one.n);
	CHECK(one.n == two.n && memcmp(one.p, two.p, one.n) == 0);
	/* The format is there: a quoted id, a neutralised one, the last row last. */
	CHECK(strncmp(one.p, "R1;\"c;2\";\"ALSH \"\"mer\"\"\";2022-01-09;reserve;accepted;;;1;",
	              53) == 0);
	CHECK(strstr(one.p, "\nR2;\"'=3\";CANTINE;2022-01-10;reserve;refused;full;;2;") != NULL);
	CHECK(strstr(one.p, "\nR3;C1;\"ALSH \"\"mer\"\"\";2022-01-11;reserve;waitlisted;;4;2;") !=
	      NULL);
	CHECK(strstr(one.p, "\n\"'-997\";") != NULL);
	CHECK(strstr(two.p, "\nR"
	                    "65659;") != NULL); /* N: 4 * 16384 + 123 */
	CHECK(strstr(two.p, "\nR"
	                    "16483;") != NULL); /* HOLE_FROM - 1 */
	CHECK(strstr(two.p, "\nR"
	                    "16484;") == NULL); /* HOLE_FROM: gone */
	free(one.p);
	free(two.p);
}

static void
test_a_batch_read_in_parts(void)
{
	struct out one, two;
	struct err e;
	size_t n;

	CHECK_INT(export(0, 2, DB_OPEN_EXISTING, &one, &e), 1);
	CHECK_INT(export(1, 2, DB_OPEN_EXISTING, &two, &e), 2);
	n = lines(&one);
	CHECK_INT(n, batch2); /* the refused and the waitlisted */
	CHECK(one.n == two.n && memcmp(one.p, two.p, one.n) == 0);
	CHECK(strstr(two.p, ";1;2023") == NULL); /* no row of batch 1 */
	CHECK(strstr(two.p, ";;;;") == NULL);    /* no pending row */
	free(one.p);
	free(two.p);
}

/* nocturne-status's read-only connection: the twin opens read-only too. */
static void
test_read_only(void)
{
	struct out one, two;
	struct db *db, *twin;
	struct err e;

	CHECK_INT(db_open(&db, path, 1000, DB_OPEN_READONLY, &e), 0);
	CHECK((twin = db_twin_open(db, "export")) != NULL);
	CHECK_INT(twin->readonly, 1);
	CHECK(sqlite3_db_readonly(twin->sql, "main") == 1);
	db_close(twin);
	db_close(db);
	CHECK_INT(export(0, 0, DB_OPEN_READONLY, &one, &e), 1);
	CHECK_INT(export(1, 0, DB_OPEN_READONLY, &two, &e), 2);
	CHECK(one.n == two.n && memcmp(one.p, two.p, one.n) == 0);
	free(one.p);
	free(two.p);
}

/*
 * A commit between the twin's first look and db's snapshot: the twin
 * cannot prove it reads that snapshot, and is not used.
 */
static void
test_a_commit_between(void)
{
	struct db *db, *twin, *w;
	struct err e;

	CHECK_INT(db_open(&db, path, 1000, DB_OPEN_EXISTING, &e), 0);
	CHECK_INT(db_open(&w, path, 1000, DB_OPEN_EXISTING, &e), 0);
	/* none: the twin joins */
	CHECK((twin = db_twin_open(db, "export")) != NULL);
	CHECK_INT(db_begin_read(db, &e), 0);
	CHECK_INT(t_db_int(db, "SELECT count(*) FROM request"), ROWS);
	CHECK_INT(db_twin_join(twin, &e), 1);
	CHECK_INT(t_db_int(twin, "SELECT count(*) FROM request"), ROWS);
	db_close(twin);
	db_rollback(db);
	/* one, by another connection: it does not */
	CHECK((twin = db_twin_open(db, "export")) != NULL);
	exec(w, "INSERT INTO request(request_id, child_ref, activity_ref, day, action,"
	        " submitted_at) VALUES ('late', 1, 1, 19000, 'reserve', 1700000000)");
	CHECK_INT(db_begin_read(db, &e), 0);
	CHECK_INT(t_db_int(db, "SELECT count(*) FROM request"), ROWS + 1);
	CHECK_INT(db_twin_join(twin, &e), 0);
	CHECK_INT(sqlite3_get_autocommit(twin->sql), 1); /* in no transaction */
	db_close(twin);
	db_rollback(db);
	exec(w, "DELETE FROM request WHERE request_id = 'late'");
	db_close(w);
	db_close(db);
}

/* A file that takes limit bytes, then fails as a full disk does. */
struct full {
	size_t taken, limit;
};

static ssize_t
full_write(void *cookie, const char *buf, size_t n)
{
	struct full *f = cookie;

	(void)buf;
	if (f->taken + n > f->limit) {
		errno = ENOSPC;
		return -1;
	}
	f->taken += n;
	return (ssize_t)n;
}

/* A write of part 0 (this thread's) or part 1 (the second's) fails. */
static void
write_fails(size_t limit)
{
	static const cookie_io_functions_t io = {.write = full_write};
	struct full f = {0, limit};
	struct db *db, *twin;
	struct db_status_export *x;
	struct err e;
	FILE *fp = fopencookie(&f, "w", io);

	CHECK_INT(db_open(&db, path, 1000, DB_OPEN_EXISTING, &e), 0);
	CHECK((twin = db_twin_open(db, "export")) != NULL);
	CHECK_INT(db_begin_read(db, &e), 0);
	CHECK_INT(db_status_export_open(db, 0, &x, &e), 0);
	setvbuf(fp, NULL, _IONBF, 0);
	CHECK_INT(export_parts(x, db, twin, fp, EXPORT_SAFE, &e), -1);
	CHECK_INT(e.kind, ERR_IO);
	CHECK(strstr(e.msg, "cannot write: No space left on device") == e.msg);
	CHECK(f.taken > 0 && f.taken <= f.limit);
	db_status_export_close(x);
	db_rollback(db);
	db_close(twin);
	db_close(db);
	fclose(fp);
}

static void
test_a_write_that_fails(void)
{
	write_fails(500 * 1000);  /* within part 0: about 1.2 MB each */
	write_fails(1500 * 1000); /* within part 1 */
}

int
main(void)
{
	if (mkdtemp(dir) == NULL)
		return 1;
	make_town();
	T_RUN(test_two_readers_write_the_same_bytes);
	T_RUN(test_a_batch_read_in_parts);
	T_RUN(test_read_only);
	T_RUN(test_a_commit_between);
	T_RUN(test_a_write_that_fails);
	snprintf(path, sizeof(path), "rm -rf %s", dir);
	if (system(path) != 0)
		return 1;
	return t_status();
}
