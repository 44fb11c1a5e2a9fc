/* test_backoffice - lib/backoffice.c set-up and lib/db_batch.c, without a network. */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backoffice.h"
#include "config.h"
#include "db.h"
#include "db_batch.h"
#include "t.h"

static char dir[] = "/tmp/test_backoffice.XXXXXX";
static char dbpath[512];

static struct backoffice *
open_with(const char *url, const char *token_file, struct err *e)
{
	struct config cfg;
	struct backoffice *bo = NULL;

	config_defaults(&cfg);
	config_set(&cfg.bo_url, url);
	config_set(&cfg.bo_token_file, token_file);
	err_clear(e);
	if (backoffice_open(&bo, &cfg, e) < 0)
		bo = NULL;
	config_release(&cfg);
	return bo;
}

static void
test_open_checks_config(void)
{
	struct backoffice *bo;
	struct err e;
	char tok[600];
	FILE *fp;

	bo = open_with("", "", &e);
	CHECK(bo == NULL);
	CHECK_INT(e.kind, ERR_CONFIG);
	CHECK(strstr(e.msg, "[backoffice] url is empty") != NULL);

	bo = open_with("http://example.org/in", "", &e);
	CHECK(bo == NULL);
	CHECK_INT(e.kind, ERR_CONFIG);
	CHECK(strstr(e.msg, "not an https:// URL") != NULL);

	bo = open_with("https://alice:pw@bo.example:8443/in/batches?key=s3cret", "", &e);
	CHECK(bo != NULL);
	if (bo != NULL)
		CHECK_STR(backoffice_url(bo), "https://bo.example:8443/in/batches?...");
	backoffice_free(bo);

	bo = open_with("https://bo.example", "", &e);
	CHECK(bo != NULL);
	if (bo != NULL)
		CHECK_STR(backoffice_url(bo), "https://bo.example/");
	backoffice_free(bo);

	snprintf(tok, sizeof(tok), "%s/token", dir);
	fp = fopen(tok, "w");
	CHECK(fp != NULL);
	if (fp == NULL)
		return;
	fputs("t0ken-value\n", fp);
	fclose(fp);
	chmod(tok, 0640);
	bo = open_with("https://bo.example/in", tok, &e);
	CHECK(bo == NULL);
	CHECK_INT(e.kind, ERR_CONFIG);
	CHECK(strstr(e.msg, "[backoffice] token_file") != NULL);
	CHECK(strstr(e.msg, "t0ken-value") == NULL);
	chmod(tok, 0600);
	bo = open_with("https://bo.example/in", tok, &e);
	CHECK(bo != NULL);
	backoffice_free(bo);
	unlink(tok);
}

static int
seed(const char *sql)
{
	sqlite3 *s;
	int rc;

	if (sqlite3_open(dbpath, &s) != SQLITE_OK)
		return -1;
	rc = sqlite3_exec(s, sql, NULL, NULL, NULL);
	sqlite3_close(s);
	return rc == SQLITE_OK ? 0 : -1;
}

static void
test_batch_rows_and_marks(void)
{
	struct db *db = NULL;
	struct db_batch_rows *c = NULL;
	struct export_row r;
	struct err e;
	long long *ids = NULL;
	size_t n = 0;

	err_clear(&e);
	CHECK_INT(db_open(&db, dbpath, 1000, DB_OPEN_CREATE, &e), 0);
	if (db == NULL)
		return;
	CHECK_INT(
	    seed("INSERT INTO family VALUES (1, 'F', 'N', '', 0);"
	         "INSERT INTO child VALUES (1, 'C1', 1, 'A', 'B');"
	         "INSERT INTO activity(ref, activity_id, name) VALUES (1, 'ACT', 'Act');"
	         "INSERT INTO batch(batch_id, ran_at, cutoff, started_at, finished_at, "
	         " delivery) VALUES (1, 100, 100, 100, 100, 'delivered'),"
	         " (2, 86400, 0, 0, 0, 'pending'), (3, 90000, 0, 0, 0, 'pending'),"
	         " (4, 0, 0, 0, 0, 'none');"
	         "INSERT INTO request(seq, request_id, child_ref, activity_ref, day, action,"
	         " submitted_at) VALUES (7, 'R7', 1, 1, 3, 'reserve', 0),"
	         " (5, 'R5', 1, 1, 2, 'cancel', 0);"
	         "INSERT INTO decision VALUES (2, 7, 'waitlisted', NULL, 3),"
	         " (2, 5, 'refused', 'nothing_to_cancel', NULL), (3, 7, 'accepted', NULL, NULL);"),
	    0);

	CHECK_INT(db_batch_undelivered(db, &ids, &n, &e), 0);
	CHECK_INT(n, 2);
	if (n == 2) {
		CHECK_INT(ids[0], 2);
		CHECK_INT(ids[1], 3);
	}
	free(ids);

	CHECK_INT(db_batch_rows_open(db, 2, &c, &e), 0);
	if (c == NULL)
		goto done;
	for (int pass = 0; pass < 2; pass++) {
		CHECK_INT(db_batch_rows_next(c, &r, &e), 1);
		CHECK_STR(r.request_id, "R5");
		CHECK_STR(r.child_id, "C1");
		CHECK_STR(r.activity_id, "ACT");
		CHECK_INT(r.day, 2);
		CHECK_STR(r.action, "cancel");
		CHECK_STR(r.state, "refused");
		CHECK_STR(r.reason, "nothing_to_cancel");
		CHECK_INT(r.position, 0);
		CHECK_INT(r.batch_id, 2);
		CHECK_INT(r.decided_at, 86400);
		CHECK_INT(db_batch_rows_next(c, &r, &e), 1);
		CHECK_STR(r.request_id, "R7");
		CHECK(r.reason == NULL);
		CHECK_INT(r.position, 3);
		CHECK_INT(db_batch_rows_next(c, &r, &e), 0);
		CHECK_INT(db_batch_rows_rewind(c, &e), 0);
	}
	db_batch_rows_close(c);
	CHECK_INT(db_batch_rows_open(db, 9, &c, &e), -1);
	CHECK_INT(e.kind, ERR_INTERNAL);

	CHECK_INT(db_batch_mark_failed(db, 2, 0, "refused", &e), 0);
	CHECK_INT(db_batch_mark_failed(db, 2, 503, "HTTP 503", &e), 0);
	CHECK_INT(db_batch_mark_delivered(db, 3, 1234, 201, &e), 0);
	CHECK_INT(db_batch_mark_delivered(db, 3, 1234, 201, &e), -1); /* no longer pending */
	CHECK_INT(db_batch_mark_failed(db, 1, 500, "x", &e), -1);
	CHECK_INT(db_batch_undelivered(db, &ids, &n, &e), 0);
	CHECK_INT(n, 1);
	free(ids);
	err_set(&e, ERR_TEMP, "batch 2: down");
	backoffice_note_waiting(db, &e);
	CHECK_STR(e.msg, "batch 2: down; 1 batch waits for the next run");
	CHECK_INT(e.kind, ERR_TEMP);
	db_close(db);
	db = NULL;
	{
		sqlite3 *s;
		sqlite3_stmt *st;
		const char *want[] = {"1|delivered|0|-|-|-", "2|pending|2|503|-|HTTP 503",
		                      "3|delivered|1|201|1234|-", "4|none|0|-|-|-"};
		int i = 0;

		CHECK_INT(sqlite3_open(dbpath, &s), SQLITE_OK);
		CHECK_INT(
		    sqlite3_prepare_v2(s,
		                       "SELECT batch_id || '|' || delivery || '|' || "
		                       "delivery_attempts || '|' || ifnull(delivery_status, '-') "
		                       "|| '|' || ifnull(delivered_at, '-') || '|' || "
		                       "ifnull(delivery_error, '-') FROM batch ORDER BY batch_id",
		                       -1, &st, NULL),
		    SQLITE_OK);
		while (sqlite3_step(st) == SQLITE_ROW && i < 4)
			CHECK_STR((const char *)sqlite3_column_text(st, 0), want[i++]);
		CHECK_INT(i, 4);
		sqlite3_finalize(st);
		sqlite3_close(s);
	}
done:
	db_close(db);
}

int
main(void)
{
	char p[600];

	if (mkdtemp(dir) == NULL)
		return 1;
	snprintf(dbpath, sizeof(dbpath), "%s/t.db", dir);
	T_RUN(test_open_checks_config);
	T_RUN(test_batch_rows_and_marks);
	unlink(dbpath);
	snprintf(p, sizeof(p), "%s-wal", dbpath);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", dbpath);
	unlink(p);
	rmdir(dir);
	return t_status();
}
