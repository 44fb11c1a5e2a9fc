#include "db_batch.h"

#include <stdlib.h>

#include "db_int.h"
#include "when.h"

struct db_batch_rows {
	struct db *db;
	sqlite3_stmt *st;
	long long batch_id;
	int64_t ran_at;
	struct db_export_names names;
};

int
db_batch_undelivered(struct db *db, long long **ids, size_t *n, struct err *e)
{
	sqlite3_stmt *st;
	long long *v = NULL;
	size_t cap = 0, len = 0;
	int rc;

	*ids = NULL;
	*n = 0;
	if (db_prepare(db,
	               "SELECT batch_id FROM batch WHERE delivery = 'pending' ORDER BY batch_id",
	               &st, e) < 0)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		xgrow(&v, &cap, len + 1, sizeof(*v));
		v[len++] = sqlite3_column_int64(st, 0);
	}
	if (rc != SQLITE_DONE) {
		db_fail(db, e, "list undelivered batches");
		sqlite3_finalize(st);
		free(v);
		return -1;
	}
	sqlite3_finalize(st);
	*ids = v;
	*n = len;
	return 0;
}

int
db_batch_oldest_undelivered(struct db *db, long long *id, int64_t *ran_at, struct err *e)
{
	sqlite3_stmt *st;
	int rc;

	if (db_prepare(db,
	               "SELECT batch_id, ran_at FROM batch WHERE delivery = 'pending' "
	               "ORDER BY batch_id LIMIT 1",
	               &st, e) < 0)
		return -1;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*id = sqlite3_column_int64(st, 0);
		*ran_at = sqlite3_column_int64(st, 1);
		rc = 1;
	} else if (rc == SQLITE_DONE) {
		rc = 0;
	} else {
		rc = db_fail(db, e, "find the oldest undelivered batch");
	}
	sqlite3_finalize(st);
	return rc;
}

int
db_batch_rows_open(struct db *db, long long batch_id, struct db_batch_rows **out, struct err *e)
{
	struct db_batch_rows *c;
	sqlite3_stmt *st;
	int rc;

	*out = NULL;
	if (db_prepare(db, "SELECT ran_at FROM batch WHERE batch_id = ?1", &st, e) < 0)
		return -1;
	sqlite3_bind_int64(st, 1, batch_id);
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		if (rc == SQLITE_DONE)
			err_set(e, ERR_INTERNAL, "%s: batch %lld does not exist", db_path(db),
			        batch_id);
		else
			db_fail(db, e, "read batch");
		sqlite3_finalize(st);
		return -1;
	}
	c = xcalloc(1, sizeof(*c));
	c->db = db;
	c->batch_id = batch_id;
	c->ran_at = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	if (db_export_names_read(db, &c->names, e) < 0 ||
	    db_prepare(db,
	               /*
	                * The batch's decisions kept apart, then the ones its
	                * requests' rows still are (schema 15): each arm is in
	                * seq order (a key, the table's rowid), so SQLite merges
	                * them; the view decision would sort the whole batch.
	                */
	               "SELECT r.request_id, r.child_ref, r.activity_ref, r.day, r.action,"
	               "       d.state, d.reason, d.position, d.seq"
	               "  FROM decision_kept d"
	               "  JOIN request r ON r.seq = d.seq"
	               " WHERE d.batch_id = ?1"
	               " UNION ALL "
	               "SELECT r.request_id, r.child_ref, r.activity_ref, r.day, r.action,"
	               "       r.state, r.reason, r.position, r.seq"
	               "  FROM request r"
	               " WHERE r.batch_id = ?1 AND NOT EXISTS (SELECT 1 FROM decision_kept k"
	               "  WHERE k.batch_id = ?1 AND k.seq = r.seq)"
	               " ORDER BY 9",
	               &c->st, e) < 0) {
		db_batch_rows_close(c);
		return -1;
	}
	sqlite3_bind_int64(c->st, 1, batch_id);
	*out = c;
	return 0;
}

int
db_batch_rows_next(struct db_batch_rows *c, struct export_row *r, struct err *e)
{
	int rc = sqlite3_step(c->st);

	if (rc == SQLITE_DONE)
		return 0;
	if (rc != SQLITE_ROW)
		return db_fail(c->db, e, "read batch decisions");
	r->batch_id = c->batch_id;
	r->decided_at = c->ran_at;
	if (db_export_row_read(c->st, &c->names, r) < 0)
		return err_set(e, ERR_INTERNAL, "%s: batch %lld: incomplete decision row",
		               db_path(c->db), c->batch_id);
	return 1;
}

int
db_batch_rows_rewind(struct db_batch_rows *c, struct err *e)
{
	if (sqlite3_reset(c->st) != SQLITE_OK)
		return db_fail(c->db, e, "read batch decisions");
	return 0;
}

void
db_batch_rows_close(struct db_batch_rows *c)
{
	if (c == NULL)
		return;
	sqlite3_finalize(c->st);
	db_export_names_free(&c->names);
	free(c);
}

static int
update_batch(struct db *db, const char *sql, long long batch_id, int64_t at, int status,
             const char *why, struct err *e)
{
	sqlite3_stmt *st;
	int rc;

	if (db_begin(db, e) < 0)
		return -1;
	if (db_prepare(db, sql, &st, e) < 0)
		goto fail;
	/* A statement may leave ?2 or ?4 out: binding it is then a no-op. */
	sqlite3_bind_int64(st, 1, batch_id);
	sqlite3_bind_int64(st, 2, at);
	db_bind_opt_int(st, 3, status > 0, status);
	db_bind_text(st, 4, why);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		db_fail(db, e, "record delivery");
		goto fail;
	}
	if (sqlite3_changes(db->sql) != 1) {
		err_set(e, ERR_INTERNAL, "%s: batch %lld is not waiting for delivery", db_path(db),
		        batch_id);
		goto fail;
	}
	return db_commit(db, e);
fail:
	db_rollback(db);
	return -1;
}

int
db_batch_mark_delivered(struct db *db, long long batch_id, int64_t at, int status, struct err *e)
{
	return update_batch(db,
	                    "UPDATE batch SET delivery = 'delivered', delivered_at = ?2,"
	                    "       delivery_status = ?3, delivery_error = ?4,"
	                    "       delivery_attempts = delivery_attempts + 1"
	                    " WHERE batch_id = ?1 AND delivery = 'pending'",
	                    batch_id, at, status, NULL, e);
}

int
db_batch_mark_failed(struct db *db, long long batch_id, int status, const char *why, struct err *e)
{
	return update_batch(db,
	                    "UPDATE batch SET delivery_status = ?3, delivery_error = ?4,"
	                    "       delivery_attempts = delivery_attempts + 1"
	                    " WHERE batch_id = ?1 AND delivery = 'pending'",
	                    batch_id, 0, status, why, e);
}

int
db_batch_last(struct db *db, long long *id, int64_t *ran_at, struct err *e)
{
	sqlite3_stmt *st;
	int rc;

	*id = 0;
	*ran_at = 0;
	if (db_prepare(db, "SELECT batch_id, ran_at FROM batch ORDER BY batch_id DESC LIMIT 1", &st,
	               e) < 0)
		return -1;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*id = sqlite3_column_int64(st, 0);
		*ran_at = sqlite3_column_int64(st, 1);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_fail(db, e, "read the last batch");
	return 0;
}

int
db_batch_check_clock(struct db *db, int64_t now, const char *what, struct err *e)
{
	char a[WHEN_DATETIME_LEN], b[WHEN_DATETIME_LEN];
	long long id;
	int64_t ran_at;

	if (db_batch_last(db, &id, &ran_at, e) < 0)
		return -1;
	if (id == 0 || now >= ran_at)
		return 0;
	when_format_datetime(now, a);
	when_format_datetime(ran_at, b);
	return err_set(e, ERR_USAGE,
	               "the clock for %s, %s, is before batch %lld's, %s: the clock never goes "
	               "backwards (check --now, $NOCTURNE_NOW or the system clock)",
	               what, a, id, b);
}
