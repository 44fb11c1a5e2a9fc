#include "db_status.h"

#include <stdlib.h>
#include <string.h>

#include "db_int.h"
#include "rules.h"

/*
 * A slot's places, its waiting list and the holder of a duplicate are read
 * through the partial index request_held (db.c), which SQLite uses when the
 * query repeats its condition; waitlisted requests alone through
 * request_waiting.
 */
#define HELD " AND state IN ('accepted','waitlisted','cancelled') AND action = 'reserve'"

static const char *
col_text(sqlite3_stmt *st, int i)
{
	return (const char *)sqlite3_column_text(st, i);
}

static int
col_null(sqlite3_stmt *st, int i)
{
	return sqlite3_column_type(st, i) == SQLITE_NULL;
}

/*
 * Step st to the end, handing each row to row(). Returns the number of rows,
 * or -1 (db error, or row() returned -1). Finalizes st.
 */
static int
each_row(struct db *db, sqlite3_stmt *st, int (*row)(sqlite3_stmt *st, void *ctx), void *ctx,
         const char *what, struct err *e)
{
	int rc, n = 0;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (row(st, ctx) < 0) {
			sqlite3_finalize(st);
			return -1;
		}
		n++;
	}
	if (rc != SQLITE_DONE) {
		db_fail(db, e, what);
		sqlite3_finalize(st);
		return -1;
	}
	sqlite3_finalize(st);
	return n;
}

int
db_status_pending(struct db *db, struct db_status_pending *out, struct err *e)
{
	sqlite3_stmt *st;
	int rc;

	memset(out, 0, sizeof(*out));
	if (db_prepare(db,
	               "SELECT count(*), min(submitted_at) FROM request WHERE state = 'pending'",
	               &st, e) < 0)
		return -1;
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		db_fail(db, e, "count pending requests");
		sqlite3_finalize(st);
		return -1;
	}
	out->count = sqlite3_column_int64(st, 0);
	out->oldest = sqlite3_column_int64(st, 1);
	sqlite3_finalize(st);
	return 0;
}

struct by_activity_ctx {
	int (*fn)(const char *, const char *, long long, void *);
	void *arg;
};

static int
by_activity_row(sqlite3_stmt *st, void *ctx)
{
	struct by_activity_ctx *c = ctx;
	return c->fn(col_text(st, 0), col_text(st, 1), sqlite3_column_int64(st, 2), c->arg);
}

int
db_status_pending_by_activity(struct db *db,
                              int (*fn)(const char *activity_id, const char *name, long long count,
                                        void *arg),
                              void *arg, struct err *e)
{
	struct by_activity_ctx c = {fn, arg};
	sqlite3_stmt *st;

	if (db_prepare(db,
	               "SELECT a.activity_id, a.name, count(*) FROM request r"
	               " JOIN activity a ON a.ref = r.activity_ref"
	               " WHERE r.state = 'pending' GROUP BY a.ref ORDER BY a.activity_id",
	               &st, e) < 0)
		return -1;
	return each_row(db, st, by_activity_row, &c, "count pending requests", e);
}

struct batch_ctx {
	int (*fn)(const struct db_status_batch *, void *);
	void *arg;
};

static int
batch_row(sqlite3_stmt *st, void *ctx)
{
	struct batch_ctx *c = ctx;
	struct db_status_batch b;
	long long *counts[] = {
	    &b.n_requests,          &b.n_accepted, &b.n_waitlisted, &b.n_refused,  &b.n_closed,
	    &b.n_deadline,          &b.n_times,    &b.n_debtor,     &b.n_full,     &b.n_duplicate,
	    &b.n_nothing_to_cancel, &b.n_promoted, &b.n_expired,    &b.n_cancelled};

	b.batch_id = sqlite3_column_int64(st, 0);
	b.ran_at = sqlite3_column_int64(st, 1);
	b.started_at = sqlite3_column_int64(st, 2);
	b.finished_at = sqlite3_column_int64(st, 3);
	for (int i = 0; i < (int)(sizeof(counts) / sizeof(counts[0])); i++)
		*counts[i] = sqlite3_column_int64(st, 4 + i);
	b.delivery = col_text(st, 18);
	b.delivery_attempts = sqlite3_column_int64(st, 19);
	b.has_delivered_at = !col_null(st, 20);
	b.delivered_at = sqlite3_column_int64(st, 20);
	b.has_delivery_status = !col_null(st, 21);
	b.delivery_status = sqlite3_column_int64(st, 21);
	b.delivery_error = col_text(st, 22);
	return c->fn(&b, c->arg);
}

int
db_status_batches(struct db *db, long long only_id, int limit,
                  int (*fn)(const struct db_status_batch *b, void *arg), void *arg, struct err *e)
{
	struct batch_ctx c = {fn, arg};
	sqlite3_stmt *st;

	if (db_prepare(db,
	               "SELECT batch_id, ran_at, started_at, finished_at, n_requests,"
	               " n_accepted, n_waitlisted, n_refused, n_closed, n_deadline, n_times,"
	               " n_debtor, n_full, n_duplicate, n_nothing_to_cancel, n_promoted,"
	               " n_expired, n_cancelled, delivery, delivery_attempts, delivered_at,"
	               " delivery_status, delivery_error FROM batch"
	               " WHERE ?1 <= 0 OR batch_id = ?1 ORDER BY batch_id DESC LIMIT ?2",
	               &st, e) < 0)
		return -1;
	sqlite3_bind_int64(st, 1, only_id);
	sqlite3_bind_int64(st, 2, limit > 0 ? limit : -1);
	return each_row(db, st, batch_row, &c, "read batches", e);
}

int
db_status_batch_exists(struct db *db, long long batch_id, struct err *e)
{
	sqlite3_stmt *st;
	int rc;

	if (db_prepare(db, "SELECT 1 FROM batch WHERE batch_id = ?", &st, e) < 0)
		return -1;
	sqlite3_bind_int64(st, 1, batch_id);
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		db_fail(db, e, "read batches");
		sqlite3_finalize(st);
		return -1;
	}
	sqlite3_finalize(st);
	return rc == SQLITE_ROW;
}

int
db_status_mail(struct db *db, struct db_status_mail *out, struct err *e)
{
	sqlite3_stmt *st;
	int rc;

	memset(out, 0, sizeof(*out));
	if (db_prepare(
	        db,
	        "SELECT coalesce(sum(state = 'pending'), 0), coalesce(sum(state = 'sent'), 0),"
	        " coalesce(sum(state = 'failed'), 0), coalesce(sum(state = 'skipped'), 0),"
	        " min(CASE WHEN state = 'pending' THEN next_at END),"
	        " coalesce(sum(state = 'bounced'), 0) FROM message",
	        &st, e) < 0)
		return -1;
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		db_fail(db, e, "count messages");
		sqlite3_finalize(st);
		return -1;
	}
	out->pending = sqlite3_column_int64(st, 0);
	out->sent = sqlite3_column_int64(st, 1);
	out->failed = sqlite3_column_int64(st, 2);
	out->skipped = sqlite3_column_int64(st, 3);
	out->has_next = !col_null(st, 4);
	out->next_at = sqlite3_column_int64(st, 4);
	out->bounced = sqlite3_column_int64(st, 5);
	sqlite3_finalize(st);
	return 0;
}

struct message_ctx {
	int (*fn)(const struct db_status_message *, void *);
	void *arg;
};

#define MESSAGE_COLS                                                                               \
	"SELECT m.ref, m.kind, coalesce(f.family_id, '(service)'), coalesce(f.name, ''),"          \
	" m.recipient, m.state, m.reason,"                                                         \
	" m.attempts, m.created_at, m.next_at, m.sent_at, m.bounced_at, m.bounce_status,"          \
	" m.bounce_diagnostic FROM message m"                                                      \
	" LEFT JOIN family f ON f.ref = m.family_ref"

static int
message_row(sqlite3_stmt *st, void *ctx)
{
	struct message_ctx *c = ctx;
	struct db_status_message m;

	m.ref = sqlite3_column_int64(st, 0);
	m.kind = col_text(st, 1);
	m.family_id = col_text(st, 2);
	m.family_name = col_text(st, 3);
	m.recipient = col_text(st, 4);
	m.state = col_text(st, 5);
	m.reason = col_text(st, 6);
	m.attempts = sqlite3_column_int64(st, 7);
	m.created_at = sqlite3_column_int64(st, 8);
	m.next_at = sqlite3_column_int64(st, 9);
	m.has_sent_at = !col_null(st, 10);
	m.sent_at = sqlite3_column_int64(st, 10);
	m.bounced_at = sqlite3_column_int64(st, 11);
	m.bounce_status = col_text(st, 12);
	m.bounce_diagnostic = col_text(st, 13);
	return c->fn(&m, c->arg);
}

int
db_status_messages(struct db *db, const char *only_state,
                   int (*fn)(const struct db_status_message *m, void *arg), void *arg,
                   struct err *e)
{
	struct message_ctx c = {fn, arg};
	sqlite3_stmt *st;

	if (db_prepare(db,
	               MESSAGE_COLS " WHERE (?1 IS NULL AND m.state <> 'sent') OR m.state = ?1"
	                            " ORDER BY m.ref",
	               &st, e) < 0)
		return -1;
	db_bind_text(st, 1, only_state);
	return each_row(db, st, message_row, &c, "read messages", e);
}

int
db_status_request_messages(struct db *db, long long seq,
                           int (*fn)(const struct db_status_message *m, void *arg), void *arg,
                           struct err *e)
{
	struct message_ctx c = {fn, arg};
	sqlite3_stmt *st;

	if (db_prepare(db,
	               MESSAGE_COLS " JOIN message_request mr ON mr.message_ref = m.ref"
	                            " WHERE mr.seq = ? ORDER BY m.ref",
	               &st, e) < 0)
		return -1;
	sqlite3_bind_int64(st, 1, seq);
	return each_row(db, st, message_row, &c, "read messages", e);
}

struct export_ctx {
	int (*fn)(const struct export_row *, void *);
	void *arg;
	struct err *e;
};

static int
export_row_cb(sqlite3_stmt *st, void *ctx)
{
	struct export_ctx *c = ctx;
	struct export_row r;

	if (db_export_row_read(st, &r) < 0)
		return err_set(c->e, ERR_INTERNAL, "export: incomplete request row");
	r.batch_id = col_null(st, 8) ? 0 : sqlite3_column_int64(st, 8);
	r.decided_at = sqlite3_column_int64(st, 9);
	return c->fn(&r, c->arg);
}

int
db_status_export(struct db *db, long long batch_id,
                 int (*fn)(const struct export_row *r, void *arg), void *arg, struct err *e)
{
	struct export_ctx c = {fn, arg, e};
	sqlite3_stmt *st;
	int rc;

	/*
	 * Two statements so each uses its own plan: a rowid scan, or the
	 * batch's decisions (the decision table's key, in seq order): a request
	 * whose batch_id is N has its decision row in batch N.
	 */
	rc = db_prepare(db,
	                batch_id > 0
	                    ? "SELECT r.request_id, c.child_id, a.activity_id, r.day, r.action,"
	                      " r.state, CASE WHEN r.state = 'refused' THEN r.reason END,"
	                      " CASE WHEN r.state = 'waitlisted' THEN r.position END,"
	                      " r.batch_id, b.ran_at FROM decision d"
	                      " JOIN request r ON r.seq = d.seq"
	                      " JOIN child c ON c.ref = r.child_ref"
	                      " JOIN activity a ON a.ref = r.activity_ref"
	                      " LEFT JOIN batch b ON b.batch_id = r.batch_id"
	                      " WHERE d.batch_id = ?1 AND r.batch_id = ?1 ORDER BY d.seq"
	                    : "SELECT r.request_id, c.child_id, a.activity_id, r.day, r.action,"
	                      " r.state, CASE WHEN r.state = 'refused' THEN r.reason END,"
	                      " CASE WHEN r.state = 'waitlisted' THEN r.position END,"
	                      " r.batch_id, b.ran_at FROM request r"
	                      " JOIN child c ON c.ref = r.child_ref"
	                      " JOIN activity a ON a.ref = r.activity_ref"
	                      " LEFT JOIN batch b ON b.batch_id = r.batch_id"
	                      " ORDER BY r.seq",
	                &st, e);
	if (rc < 0)
		return -1;
	if (batch_id > 0)
		sqlite3_bind_int64(st, 1, batch_id);
	return each_row(db, st, export_row_cb, &c, "read requests", e);
}

void
db_status_request_release(struct db_status_request *r)
{
	char **strs[] = {&r->request_id,  &r->child_id,    &r->child_first, &r->child_last,
	                 &r->family_id,   &r->family_name, &r->activity_id, &r->activity_name,
	                 &r->action,      &r->state,       &r->reason,      &r->undoes_id,
	                 &r->undoes_prev, &r->undone_by,   &r->prev_state,  &r->holder_id};

	for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++) {
		free(*strs[i]);
		*strs[i] = NULL;
	}
	free(r->open_days);
	r->open_days = NULL;
	r->n_open_days = 0;
}

/* The activity's open days, sorted, for its deadline rule. */
static int
open_days(struct db *db, struct db_status_request *r, struct err *e)
{
	sqlite3_stmt *st;
	size_t cap = 0;
	int rc;

	if (db_prepare(db, "SELECT day FROM opening WHERE activity_ref = ? ORDER BY day", &st, e) <
	    0)
		return -1;
	sqlite3_bind_int64(st, 1, r->activity_ref);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		xgrow(&r->open_days, &cap, r->n_open_days + 1, sizeof(*r->open_days));
		r->open_days[r->n_open_days++] = (int32_t)sqlite3_column_int64(st, 0);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return db_fail(db, e, "read openings");
	return 0;
}

/*
 * Prepare a one-row query, bind up to four integers to its parameters (as
 * many as it has) and step it. Returns 1 with *st on the row (caller reads
 * and finalizes), 0 when there is no row, -1 on error (finalized).
 */
static int
one_step(struct db *db, const char *sql, const long long v[6], sqlite3_stmt **st, struct err *e)
{
	int n, rc;

	if (db_prepare(db, sql, st, e) < 0)
		return -1;
	n = sqlite3_bind_parameter_count(*st);
	for (int i = 0; i < n && i < 6; i++)
		sqlite3_bind_int64(*st, i + 1, v[i]);
	rc = sqlite3_step(*st);
	if (rc == SQLITE_ROW)
		return 1;
	if (rc != SQLITE_DONE)
		db_fail(db, e, "read request");
	sqlite3_finalize(*st);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* A one-row query binding integers; *out = a copy of column 0's text or NULL. */
static int
one_text(struct db *db, const char *sql, long long a, long long b, char **out, struct err *e)
{
	const long long v[6] = {a, b, 0, 0};
	sqlite3_stmt *st;
	int rc = one_step(db, sql, v, &st, e);

	*out = NULL;
	if (rc == 1) {
		*out = db_column_dup(st, 0);
		sqlite3_finalize(st);
	}
	return rc < 0 ? -1 : 0;
}

/* Like one_text for an integer (0 when no row). */
static int
one_int(struct db *db, const char *sql, long long a, long long b, long long *out, struct err *e)
{
	const long long v[6] = {a, b, 0, 0};
	sqlite3_stmt *st;
	int rc = one_step(db, sql, v, &st, e);

	*out = 0;
	if (rc == 1) {
		*out = sqlite3_column_int64(st, 0);
		sqlite3_finalize(st);
	}
	return rc < 0 ? -1 : 0;
}

static int
request_links(struct db *db, struct db_status_request *r, long long child_ref, long long undoes,
              int has_undoes, struct err *e)
{
	long long v;

	/* The state this request had before its current batch. */
	if (r->batch_id > 0 &&
	    one_text(db,
	             "SELECT state FROM decision WHERE seq = ?1 AND batch_id < ?2"
	             " ORDER BY batch_id DESC LIMIT 1",
	             r->seq, r->batch_id, &r->prev_state, e) < 0)
		return -1;
	if (one_int(db,
	            "SELECT count(*) FROM decision WHERE seq = ?1 AND state = 'waitlisted'"
	            " AND batch_id < ?2",
	            r->seq, r->batch_id > 0 ? r->batch_id : (1LL << 62), &v, e) < 0)
		return -1;
	r->was_waitlisted = v > 0;
	if (has_undoes) {
		if (one_text(db, "SELECT request_id FROM request WHERE seq = ?1", undoes, 0,
		             &r->undoes_id, e) < 0 ||
		    one_text(db,
		             "SELECT state FROM decision WHERE seq = ?1 AND batch_id < ?2"
		             " ORDER BY batch_id DESC LIMIT 1",
		             undoes, r->batch_id, &r->undoes_prev, e) < 0)
			return -1;
	}
	if (strcmp(r->state, "cancelled") == 0 &&
	    one_text(db,
	             "SELECT request_id FROM request WHERE undoes = ?1 AND action = 'cancel'"
	             " AND state = 'accepted' ORDER BY seq LIMIT 1",
	             r->seq, 0, &r->undone_by, e) < 0)
		return -1;
	if (r->reason != NULL && strcmp(r->reason, "duplicate") == 0) {
		/* The request holding the slot now, if it provably held it when
		 * this one was refused: a request that holds a place or a list
		 * entry has held it without a break since it first got it, so it
		 * held it then if it got it in an earlier batch, or earlier in
		 * the same batch's order (submitted_at, seq). */
		const long long key[6] = {child_ref, r->activity_ref, r->day,
		                          r->seq,    r->batch_id,     r->submitted_at};
		sqlite3_stmt *st;
		int rc = one_step(db,
		                  "SELECT h.request_id FROM request h WHERE h.child_ref = ?1"
		                  " AND h.activity_ref = ?2 AND h.day = ?3" HELD
		                  " AND h.seq <> ?4 AND h.state IN ('accepted','waitlisted')"
		                  " AND EXISTS (SELECT 1 FROM decision d WHERE d.seq = h.seq"
		                  "  AND d.state IN ('accepted','waitlisted') AND (d.batch_id < ?5"
		                  "  OR (d.batch_id = ?5 AND (h.submitted_at < ?6"
		                  "  OR (h.submitted_at = ?6 AND h.seq < ?4)))))"
		                  " ORDER BY h.seq LIMIT 1",
		                  key, &st, e);

		if (rc < 0)
			return -1;
		if (rc == 1) {
			r->holder_id = db_column_dup(st, 0);
			sqlite3_finalize(st);
		}
	}
	return 0;
}

static int
request_slot(struct db *db, struct db_status_request *r, struct err *e)
{
	sqlite3_stmt *st;
	int rc;

	if (db_prepare(db, "SELECT capacity FROM opening WHERE activity_ref = ? AND day = ?", &st,
	               e) < 0)
		return -1;
	sqlite3_bind_int64(st, 1, r->activity_ref);
	sqlite3_bind_int64(st, 2, r->day);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		r->open = 1;
		r->has_opening_capacity = !col_null(st, 0);
		r->opening_capacity = sqlite3_column_int64(st, 0);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_fail(db, e, "read opening");
	if (one_int(db,
	            "SELECT count(*) FROM request WHERE activity_ref = ?1 AND day = ?2" HELD
	            " AND state = 'accepted'",
	            r->activity_ref, r->day, &r->places_taken, e) < 0 ||
	    one_int(db,
	            "SELECT count(*) FROM request WHERE activity_ref = ?1 AND day = ?2" HELD
	            " AND state = 'waitlisted'",
	            r->activity_ref, r->day, &r->waiting, e) < 0)
		return -1;
	return 0;
}

int
db_status_request(struct db *db, const char *request_id, struct db_status_request *r, struct err *e)
{
	sqlite3_stmt *st;
	long long child_ref, undoes;
	int rc, has_undoes;

	memset(r, 0, sizeof(*r));
	if (db_prepare(db,
	               "SELECT r.seq, r.request_id, c.child_id, c.first_name, c.last_name,"
	               " f.family_id, f.name, f.balance_cents, a.ref, a.activity_id, a.name,"
	               " a.capacity, a.waitlist, a.promote_days, a.hours_from, a.hours_to,"
	               " a.deadline_days, a.deadline_time, r.day, r.action, r.arrival,"
	               " r.departure, r.submitted_at, r.state, r.reason, r.position,"
	               " r.batch_id, b.ran_at, r.notice, r.undoes, c.ref, a.deadline_rule,"
	               " a.deadline_wday"
	               " FROM request r JOIN child c ON c.ref = r.child_ref"
	               " JOIN family f ON f.ref = c.family_ref"
	               " JOIN activity a ON a.ref = r.activity_ref"
	               " LEFT JOIN batch b ON b.batch_id = r.batch_id"
	               " WHERE r.request_id = ?",
	               &st, e) < 0)
		return -1;
	db_bind_text(st, 1, request_id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_DONE) {
		sqlite3_finalize(st);
		return 0;
	}
	if (rc != SQLITE_ROW) {
		db_fail(db, e, "read request");
		sqlite3_finalize(st);
		return -1;
	}
	r->seq = sqlite3_column_int64(st, 0);
	r->request_id = db_column_dup(st, 1);
	r->child_id = db_column_dup(st, 2);
	r->child_first = db_column_dup(st, 3);
	r->child_last = db_column_dup(st, 4);
	r->family_id = db_column_dup(st, 5);
	r->family_name = db_column_dup(st, 6);
	r->balance_cents = sqlite3_column_int64(st, 7);
	r->activity_ref = sqlite3_column_int64(st, 8);
	r->activity_id = db_column_dup(st, 9);
	r->activity_name = db_column_dup(st, 10);
	r->has_capacity = !col_null(st, 11);
	r->capacity = sqlite3_column_int64(st, 11);
	r->waitlist = sqlite3_column_int64(st, 12);
	r->promote_days = sqlite3_column_int64(st, 13);
	r->has_hours = !col_null(st, 14) && !col_null(st, 15);
	r->hours_from = sqlite3_column_int(st, 14);
	r->hours_to = sqlite3_column_int(st, 15);
	r->deadline_days = sqlite3_column_int64(st, 16);
	r->deadline_time = sqlite3_column_int(st, 17);
	r->day = (int32_t)sqlite3_column_int64(st, 18);
	r->action = db_column_dup(st, 19);
	r->has_arrival = !col_null(st, 20);
	r->arrival = sqlite3_column_int(st, 20);
	r->has_departure = !col_null(st, 21);
	r->departure = sqlite3_column_int(st, 21);
	r->submitted_at = sqlite3_column_int64(st, 22);
	r->state = db_column_dup(st, 23);
	r->reason = strcmp(r->state, "refused") == 0 ? db_column_dup(st, 24) : NULL;
	r->has_position = !col_null(st, 25) && strcmp(r->state, "waitlisted") == 0;
	r->position = sqlite3_column_int64(st, 25);
	r->batch_id = col_null(st, 26) ? 0 : sqlite3_column_int64(st, 26);
	r->ran_at = sqlite3_column_int64(st, 27);
	r->notice = sqlite3_column_int(st, 28);
	has_undoes = !col_null(st, 29);
	undoes = sqlite3_column_int64(st, 29);
	child_ref = sqlite3_column_int64(st, 30);
	r->deadline_rule = rules_deadline_rule_read(col_text(st, 31));
	r->deadline_wday = sqlite3_column_int(st, 32);
	sqlite3_finalize(st);

	if (r->deadline_rule == RULES_DL_OPEN && open_days(db, r, e) < 0)
		return -1;

	if (request_slot(db, r, e) < 0 ||
	    request_links(db, r, child_ref, undoes, has_undoes, e) < 0)
		return -1;
	return 1;
}

struct waitlist_ctx {
	int (*fn)(const char *, long long, void *);
	void *arg;
};

static int
waitlist_row(sqlite3_stmt *st, void *ctx)
{
	struct waitlist_ctx *c = ctx;
	return c->fn(col_text(st, 0), sqlite3_column_int64(st, 1), c->arg);
}

int
db_status_waitlist(struct db *db, long long activity_ref, int32_t day,
                   int (*fn)(const char *request_id, long long position, void *arg), void *arg,
                   struct err *e)
{
	struct waitlist_ctx c = {fn, arg};
	sqlite3_stmt *st;

	if (db_prepare(db,
	               "SELECT request_id, coalesce(position, 0) FROM request"
	               " WHERE activity_ref = ? AND day = ? AND state = 'waitlisted'"
	               " ORDER BY position, seq",
	               &st, e) < 0)
		return -1;
	sqlite3_bind_int64(st, 1, activity_ref);
	sqlite3_bind_int64(st, 2, day);
	return each_row(db, st, waitlist_row, &c, "read waiting list", e);
}

struct decision_ctx {
	int (*fn)(const struct db_status_decision *, void *);
	void *arg;
};

static int
decision_row(sqlite3_stmt *st, void *ctx)
{
	struct decision_ctx *c = ctx;
	struct db_status_decision d;

	d.batch_id = sqlite3_column_int64(st, 0);
	d.ran_at = sqlite3_column_int64(st, 1);
	d.state = col_text(st, 2);
	d.reason = col_text(st, 3);
	d.has_position = !col_null(st, 4);
	d.position = sqlite3_column_int64(st, 4);
	return c->fn(&d, c->arg);
}

int
db_status_decisions(struct db *db, long long seq,
                    int (*fn)(const struct db_status_decision *d, void *arg), void *arg,
                    struct err *e)
{
	struct decision_ctx c = {fn, arg};
	sqlite3_stmt *st;

	if (db_prepare(db,
	               "SELECT d.batch_id, coalesce(b.ran_at, 0), d.state, d.reason, d.position"
	               " FROM decision d LEFT JOIN batch b ON b.batch_id = d.batch_id"
	               " WHERE d.seq = ? ORDER BY d.batch_id",
	               &st, e) < 0)
		return -1;
	sqlite3_bind_int64(st, 1, seq);
	return each_row(db, st, decision_row, &c, "read decisions", e);
}

struct slot_ctx {
	int (*fn)(const struct db_status_slot *, void *);
	void *arg;
};

static int
slot_row(sqlite3_stmt *st, void *ctx)
{
	struct slot_ctx *c = ctx;
	struct db_status_slot s;

	s.activity_id = col_text(st, 0);
	s.activity_name = col_text(st, 1);
	s.day = (int32_t)sqlite3_column_int64(st, 2);
	s.has_capacity = !col_null(st, 3);
	s.capacity = sqlite3_column_int64(st, 3);
	s.taken = sqlite3_column_int64(st, 4);
	s.waiting = sqlite3_column_int64(st, 5);
	return c->fn(&s, c->arg);
}

int
db_status_batch_slots(struct db *db, long long batch_id,
                      int (*fn)(const struct db_status_slot *s, void *arg), void *arg,
                      struct err *e)
{
	struct slot_ctx c = {fn, arg};
	sqlite3_stmt *st;

	if (db_prepare(db,
	               "SELECT a.activity_id, a.name, s.day,"
	               " CASE WHEN o.activity_ref IS NOT NULL AND o.capacity IS NOT NULL"
	               "  THEN o.capacity ELSE a.capacity END,"
	               " (SELECT count(*) FROM request r WHERE r.activity_ref = s.activity_ref"
	               "  AND r.day = s.day AND r.state = 'accepted' AND r.action = 'reserve'"
	               "  AND r.state IN ('accepted','waitlisted','cancelled')),"
	               " (SELECT count(*) FROM request r WHERE r.activity_ref = s.activity_ref"
	               "  AND r.day = s.day AND r.state = 'waitlisted')"
	               " FROM (SELECT DISTINCT r.activity_ref, r.day FROM decision d"
	               "  JOIN request r ON r.seq = d.seq WHERE d.batch_id = ?) s"
	               " JOIN activity a ON a.ref = s.activity_ref"
	               " LEFT JOIN opening o ON o.activity_ref = s.activity_ref AND o.day = s.day"
	               " ORDER BY a.name, a.ref, s.day",
	               &st, e) < 0)
		return -1;
	sqlite3_bind_int64(st, 1, batch_id);
	return each_row(db, st, slot_row, &c, "read the batch's slots", e);
}
