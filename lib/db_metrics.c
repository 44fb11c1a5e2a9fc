#include "db_metrics.h"

#include <stdio.h>
#include <string.h>

#include "db_int.h"

/* Run a one-row query into up to n integer columns; no row leaves them 0. */
static int
row_ints(struct db *db, const char *sql, long long *v, int n, struct err *e)
{
	sqlite3_stmt *st;
	int rc;

	if (db_prepare(db, sql, &st, e) < 0)
		return -1;
	rc = sqlite3_step(st);
	for (int i = 0; i < n; i++)
		v[i] = rc == SQLITE_ROW ? sqlite3_column_int64(st, i) : 0;
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_fail(db, e, "read the metrics");
	return 0;
}

static int
read_all(struct db *db, struct db_metrics *m, struct err *e)
{
	long long b[20], t[7], q[5];
	sqlite3_stmt *st;
	int rc;

	if (row_ints(db,
	             "SELECT batch_id, ran_at, started_at, finished_at, n_requests, n_accepted,"
	             " n_waitlisted, n_refused, n_promoted, n_expired, n_cancelled, n_closed,"
	             " n_deadline, n_times, n_debtor, n_full, n_duplicate, n_nothing_to_cancel"
	             " FROM batch ORDER BY batch_id DESC LIMIT 1",
	             b, 18, e) < 0 ||
	    row_ints(db,
	             "SELECT count(*), total(n_accepted), total(n_waitlisted), total(n_refused),"
	             " total(n_promoted), total(n_expired), total(n_cancelled) FROM batch",
	             t, 7, e) < 0 ||
	    row_ints(db,
	             "SELECT total(state = 'pending'), total(state = 'sent'),"
	             " total(state = 'failed'), total(state = 'skipped'), total(state = 'bounced')"
	             " FROM message",
	             q, 5, e) < 0 ||
	    row_ints(db, "SELECT count(*) FROM batch WHERE delivery = 'pending'", &m->undelivered,
	             1, e) < 0 ||
	    row_ints(db, "SELECT count(*) FROM bounce", &m->bounces, 1, e) < 0)
		return -1;
	m->batch_id = b[0], m->ran_at = b[1], m->started_at = b[2], m->finished_at = b[3];
	m->n_requests = b[4], m->n_accepted = b[5], m->n_waitlisted = b[6], m->n_refused = b[7];
	m->n_promoted = b[8], m->n_expired = b[9], m->n_cancelled = b[10], m->n_closed = b[11];
	m->n_deadline = b[12], m->n_times = b[13], m->n_debtor = b[14], m->n_full = b[15];
	m->n_duplicate = b[16], m->n_nothing_to_cancel = b[17];
	m->batches = t[0], m->decided_accepted = t[1], m->decided_waitlisted = t[2];
	m->decided_refused = t[3], m->decided_promoted = t[4], m->decided_expired = t[5];
	m->decided_cancelled = t[6];
	m->mail_pending = q[0], m->mail_sent = q[1], m->mail_failed = q[2], m->mail_skipped = q[3];
	m->mail_bounced = q[4];

	if (db_prepare(db, "SELECT tool, last_success_at, duration_ms FROM tool_run ORDER BY tool",
	               &st, e) < 0)
		return -1;
	m->n_tools = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && m->n_tools < DB_METRICS_TOOLS) {
		const char *tool = (const char *)sqlite3_column_text(st, 0);
		snprintf(m->tools[m->n_tools].tool, sizeof(m->tools[0].tool), "%s",
		         tool ? tool : "");
		m->tools[m->n_tools].last_success_at = sqlite3_column_int64(st, 1);
		m->tools[m->n_tools].duration_ms = sqlite3_column_int64(st, 2);
		m->n_tools++;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_fail(db, e, "read the tools' runs");
	return 0;
}

int
db_metrics_read(struct db *db, struct db_metrics *m, struct err *e)
{
	int rc;

	memset(m, 0, sizeof(*m));
	if (db_begin_read(db, e) < 0)
		return -1;
	rc = read_all(db, m, e);
	db_rollback(db);
	return rc;
}

int
db_metrics_record_run(struct db *db, const char *tool, int64_t at, long long duration_ms,
                      struct err *e)
{
	sqlite3_stmt *st;
	int rc;

	if (db_prepare(
	        db,
	        "INSERT INTO tool_run(tool, last_success_at, duration_ms) VALUES (?1, ?2, ?3)"
	        " ON CONFLICT(tool) DO UPDATE SET last_success_at = ?2, duration_ms = ?3",
	        &st, e) < 0)
		return -1;
	sqlite3_bind_text(st, 1, tool, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, at);
	sqlite3_bind_int64(st, 3, duration_ms);
	rc = db_step_done(db, st, "record the run", e);
	sqlite3_finalize(st);
	return rc;
}
