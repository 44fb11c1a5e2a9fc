#include "db_request.h"

#include <stdlib.h>
#include <string.h>

#include "db_int.h"
#include "db_row.h"
#include "rules.h"

void
db_request_release(struct db_request *r)
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
open_days(struct db *db, struct db_request *r, struct err *e)
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
 * A one-row query binding integers a and b: column 0 into *text (a copy,
 * NULL when no row) when text is not NULL, else into *num (0 when no row).
 */
static int
one_value(struct db *db, const char *sql, long long a, long long b, char **text, long long *num,
          struct err *e)
{
	const long long v[2] = {a, b};
	sqlite3_stmt *st;
	int rc = db_row_maybe(db, sql, v, 2, &st, "read request", e);

	if (text != NULL)
		*text = rc == 1 ? db_column_dup(st, 0) : NULL;
	else
		*num = rc == 1 ? sqlite3_column_int64(st, 0) : 0;
	if (rc == 1)
		sqlite3_finalize(st);
	return rc < 0 ? -1 : 0;
}

static int
one_text(struct db *db, const char *sql, long long a, long long b, char **out, struct err *e)
{
	return one_value(db, sql, a, b, out, NULL, e);
}

static int
one_int(struct db *db, const char *sql, long long a, long long b, long long *out, struct err *e)
{
	return one_value(db, sql, a, b, NULL, out, e);
}

static int
request_links(struct db *db, struct db_request *r, long long child_ref, long long undoes,
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
		int rc =
		    db_row_maybe(db,
		                 "SELECT r.request_id FROM held h JOIN request r ON r.seq = h.seq"
		                 " WHERE h.activity_ref = ?2 AND h.day = ?3 AND h.child_ref = ?1"
		                 " AND h.seq <> ?4"
		                 " AND (h.state = 'accepted' OR h.state = 'waitlisted')"
		                 /* its decisions: those kept apart, and the one its
		                  * row is (schema 15; the view decision, which SQLite
		                  * cannot narrow to h's seq here, reads them all) */
		                 " AND (EXISTS (SELECT 1 FROM decision_kept d WHERE d.seq = h.seq"
		                 "  AND d.state IN ('accepted','waitlisted') AND (d.batch_id < ?5"
		                 "  OR (d.batch_id = ?5 AND (h.submitted_at < ?6"
		                 "  OR (h.submitted_at = ?6 AND h.seq < ?4)))))"
		                 " OR (r.state IN ('accepted','waitlisted') AND (r.batch_id < ?5"
		                 "  OR (r.batch_id = ?5 AND (h.submitted_at < ?6"
		                 "  OR (h.submitted_at = ?6 AND h.seq < ?4))))"
		                 "  AND NOT EXISTS (SELECT 1 FROM decision_kept k"
		                 "  WHERE k.batch_id = r.batch_id AND k.seq = r.seq)))"
		                 " ORDER BY h.seq LIMIT 1",
		                 key, 6, &st, "read request", e);

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
request_slot(struct db *db, struct db_request *r, struct err *e)
{
	const long long slot[2] = {r->activity_ref, r->day};
	sqlite3_stmt *st;
	int rc =
	    db_row_maybe(db, "SELECT capacity FROM opening WHERE activity_ref = ?1 AND day = ?2",
	                 slot, 2, &st, "read opening", e);

	if (rc < 0)
		return -1;
	if (rc == 1) {
		r->open = 1;
		r->has_opening_capacity = !db_row_null(st, 0);
		r->opening_capacity = sqlite3_column_int64(st, 0);
		sqlite3_finalize(st);
	}
	if (one_int(db,
	            "SELECT count(*) FROM held WHERE activity_ref = ?1 AND day = ?2"
	            " AND state = 'accepted'",
	            r->activity_ref, r->day, &r->places_taken, e) < 0 ||
	    one_int(db,
	            "SELECT count(*) FROM held WHERE activity_ref = ?1 AND day = ?2"
	            " AND state = 'waitlisted'",
	            r->activity_ref, r->day, &r->waiting, e) < 0)
		return -1;
	return 0;
}

int
db_request_read(struct db *db, const char *request_id, struct db_request *r, struct err *e)
{
	sqlite3_stmt *st;
	long long child_ref, undoes;
	int rc, has_undoes;

	memset(r, 0, sizeof(*r));
	if (db_prepare(
	        db,
	        "SELECT r.seq, r.request_id, c.child_id, c.first_name, c.last_name,"
	        " f.family_id, f.name, f.balance_cents, a.ref, a.activity_id, a.name,"
	        " a.capacity, a.waitlist, a.promote_days, a.hours_from, a.hours_to,"
	        " a.deadline_days, a.deadline_time, r.day, r.action, r.arrival,"
	        " r.departure, r.submitted_at, r.state, r.reason, r.position,"
	        " r.batch_id, b.ran_at, coalesce(k.notice, 0), r.undoes, c.ref, a.deadline_rule,"
	        " a.deadline_wday"
	        " FROM request r JOIN child c ON c.ref = r.child_ref"
	        " JOIN family f ON f.ref = c.family_ref"
	        " JOIN activity a ON a.ref = r.activity_ref"
	        " LEFT JOIN batch b ON b.batch_id = r.batch_id"
	        " LEFT JOIN request_mail k ON k.seq = r.seq"
	        " WHERE r.seq = (SELECT seq FROM request_key WHERE request_id = ?)",
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
	r->has_capacity = !db_row_null(st, 11);
	r->capacity = sqlite3_column_int64(st, 11);
	r->waitlist = sqlite3_column_int64(st, 12);
	r->promote_days = sqlite3_column_int64(st, 13);
	r->has_hours = !db_row_null(st, 14) && !db_row_null(st, 15);
	r->hours_from = sqlite3_column_int(st, 14);
	r->hours_to = sqlite3_column_int(st, 15);
	r->deadline_days = sqlite3_column_int64(st, 16);
	r->deadline_time = sqlite3_column_int(st, 17);
	r->day = (int32_t)sqlite3_column_int64(st, 18);
	r->action = db_column_dup(st, 19);
	r->has_arrival = !db_row_null(st, 20);
	r->arrival = sqlite3_column_int(st, 20);
	r->has_departure = !db_row_null(st, 21);
	r->departure = sqlite3_column_int(st, 21);
	r->submitted_at = sqlite3_column_int64(st, 22);
	r->state = db_column_dup(st, 23);
	r->reason = strcmp(r->state, "refused") == 0 ? db_column_dup(st, 24) : NULL;
	r->has_position = !db_row_null(st, 25) && strcmp(r->state, "waitlisted") == 0;
	r->position = sqlite3_column_int64(st, 25);
	r->batch_id = db_row_null(st, 26) ? 0 : sqlite3_column_int64(st, 26);
	r->ran_at = sqlite3_column_int64(st, 27);
	r->notice = sqlite3_column_int(st, 28);
	has_undoes = !db_row_null(st, 29);
	undoes = sqlite3_column_int64(st, 29);
	child_ref = sqlite3_column_int64(st, 30);
	r->deadline_rule = rules_deadline_rule_read(db_row_text(st, 31));
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
	return c->fn(db_row_text(st, 0), sqlite3_column_int64(st, 1), c->arg);
}

int
db_request_waitlist(struct db *db, long long activity_ref, int32_t day,
                    int (*fn)(const char *request_id, long long position, void *arg), void *arg,
                    struct err *e)
{
	struct waitlist_ctx c = {fn, arg};
	sqlite3_stmt *st;

	if (db_prepare(db,
	               "SELECT r.request_id, coalesce(h.position, 0) FROM held h"
	               " JOIN request r ON r.seq = h.seq"
	               " WHERE h.activity_ref = ? AND h.day = ? AND h.state = 'waitlisted'"
	               " ORDER BY h.position, h.seq",
	               &st, e) < 0)
		return -1;
	sqlite3_bind_int64(st, 1, activity_ref);
	sqlite3_bind_int64(st, 2, day);
	return db_row_each(db, st, waitlist_row, &c, "read waiting list", e);
}

struct decision_ctx {
	int (*fn)(const struct db_request_decision *, void *);
	void *arg;
};

static int
decision_row(sqlite3_stmt *st, void *ctx)
{
	struct decision_ctx *c = ctx;
	struct db_request_decision d;

	d.batch_id = sqlite3_column_int64(st, 0);
	d.ran_at = sqlite3_column_int64(st, 1);
	d.state = db_row_text(st, 2);
	d.reason = db_row_text(st, 3);
	d.has_position = !db_row_null(st, 4);
	d.position = sqlite3_column_int64(st, 4);
	return c->fn(&d, c->arg);
}

int
db_request_decisions(struct db *db, long long seq,
                     int (*fn)(const struct db_request_decision *d, void *arg), void *arg,
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
	return db_row_each(db, st, decision_row, &c, "read decisions", e);
}
