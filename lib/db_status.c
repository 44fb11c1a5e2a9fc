#include "db_status.h"

#include <stdlib.h>
#include <string.h>

#include "db_int.h"
#include "db_row.h"
#include "rules.h"

/* A listing's callback and its argument, as db_row_each's ctx. */
struct listing {
	union {
		int (*by_activity)(const char *, const char *, long long, void *);
		int (*batch)(const struct db_status_batch *, void *);
		int (*message)(const struct db_status_message *, void *);
		int (*slot)(const struct db_status_slot *, void *);
	} fn;
	void *arg;
};

int
db_status_pending(struct db *db, struct db_status_pending *out, struct err *e)
{
	sqlite3_stmt *st;

	memset(out, 0, sizeof(*out));
	if (db_row_one(db,
	               "SELECT count(*), min(submitted_at) FROM request WHERE state = 'pending'",
	               &st, "count pending requests", e) < 0)
		return -1;
	out->count = sqlite3_column_int64(st, 0);
	out->oldest = sqlite3_column_int64(st, 1);
	sqlite3_finalize(st);
	return 0;
}

static int
by_activity_row(sqlite3_stmt *st, void *ctx)
{
	const struct listing *c = ctx;
	return c->fn.by_activity(db_row_text(st, 0), db_row_text(st, 1),
	                         sqlite3_column_int64(st, 2), c->arg);
}

int
db_status_pending_by_activity(struct db *db,
                              int (*fn)(const char *activity_id, const char *name, long long count,
                                        void *arg),
                              void *arg, struct err *e)
{
	struct listing c = {.fn.by_activity = fn, .arg = arg};
	sqlite3_stmt *st;

	if (db_prepare(db,
	               "SELECT a.activity_id, a.name, count(*) FROM request r"
	               " JOIN activity a ON a.ref = r.activity_ref"
	               " WHERE r.state = 'pending' GROUP BY a.ref ORDER BY a.activity_id",
	               &st, e) < 0)
		return -1;
	return db_row_each(db, st, by_activity_row, &c, "count pending requests", e);
}

static int
batch_row(sqlite3_stmt *st, void *ctx)
{
	const struct listing *c = ctx;
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
	b.delivery = db_row_text(st, 18);
	b.delivery_attempts = sqlite3_column_int64(st, 19);
	b.has_delivered_at = !db_row_null(st, 20);
	b.delivered_at = sqlite3_column_int64(st, 20);
	b.has_delivery_status = !db_row_null(st, 21);
	b.delivery_status = sqlite3_column_int64(st, 21);
	b.delivery_error = db_row_text(st, 22);
	return c->fn.batch(&b, c->arg);
}

int
db_status_batches(struct db *db, long long only_id, int limit,
                  int (*fn)(const struct db_status_batch *b, void *arg), void *arg, struct err *e)
{
	struct listing c = {.fn.batch = fn, .arg = arg};
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
	return db_row_each(db, st, batch_row, &c, "read batches", e);
}

int
db_status_batch_exists(struct db *db, long long batch_id, struct err *e)
{
	sqlite3_stmt *st;
	int rc = db_row_maybe(db, "SELECT 1 FROM batch WHERE batch_id = ?1", &batch_id, 1, &st,
	                      "read batches", e);

	if (rc == 1)
		sqlite3_finalize(st);
	return rc;
}

int
db_status_mail(struct db *db, struct db_status_mail *out, struct err *e)
{
	sqlite3_stmt *st;

	memset(out, 0, sizeof(*out));
	if (db_row_one(
	        db,
	        "SELECT coalesce(sum(state = 'pending'), 0), coalesce(sum(state = 'sent'), 0),"
	        " coalesce(sum(state = 'failed'), 0), coalesce(sum(state = 'skipped'), 0),"
	        " min(CASE WHEN state = 'pending' THEN next_at END),"
	        " coalesce(sum(state = 'bounced'), 0) FROM message",
	        &st, "count messages", e) < 0)
		return -1;
	out->pending = sqlite3_column_int64(st, 0);
	out->sent = sqlite3_column_int64(st, 1);
	out->failed = sqlite3_column_int64(st, 2);
	out->skipped = sqlite3_column_int64(st, 3);
	out->has_next = !db_row_null(st, 4);
	out->next_at = sqlite3_column_int64(st, 4);
	out->bounced = sqlite3_column_int64(st, 5);
	sqlite3_finalize(st);
	return 0;
}

#define MESSAGE_COLS                                                                               \
	"SELECT m.ref, m.kind, coalesce(f.family_id, '(service)'), coalesce(f.name, ''),"          \
	" m.recipient, m.state, m.reason,"                                                         \
	" m.attempts, m.created_at, m.next_at, m.sent_at, m.bounced_at, m.bounce_status,"          \
	" m.bounce_diagnostic FROM message m"                                                      \
	" LEFT JOIN family f ON f.ref = m.family_ref"

static int
message_row(sqlite3_stmt *st, void *ctx)
{
	const struct listing *c = ctx;
	struct db_status_message m;

	m.ref = sqlite3_column_int64(st, 0);
	m.kind = db_row_text(st, 1);
	m.family_id = db_row_text(st, 2);
	m.family_name = db_row_text(st, 3);
	m.recipient = db_row_text(st, 4);
	m.state = db_row_text(st, 5);
	m.reason = db_row_text(st, 6);
	m.attempts = sqlite3_column_int64(st, 7);
	m.created_at = sqlite3_column_int64(st, 8);
	m.next_at = sqlite3_column_int64(st, 9);
	m.has_sent_at = !db_row_null(st, 10);
	m.sent_at = sqlite3_column_int64(st, 10);
	m.bounced_at = sqlite3_column_int64(st, 11);
	m.bounce_status = db_row_text(st, 12);
	m.bounce_diagnostic = db_row_text(st, 13);
	return c->fn.message(&m, c->arg);
}

/*
 * The messages sql selects (MESSAGE_COLS and a tail with one parameter:
 * the text only_state, or with by_seq the request seq), handed to fn.
 */
static int
list_messages(struct db *db, const char *sql, const char *only_state, int by_seq, long long seq,
              int (*fn)(const struct db_status_message *m, void *arg), void *arg, struct err *e)
{
	struct listing c = {.fn.message = fn, .arg = arg};
	sqlite3_stmt *st;

	if (db_prepare(db, sql, &st, e) < 0)
		return -1;
	if (by_seq)
		sqlite3_bind_int64(st, 1, seq);
	else
		db_bind_text(st, 1, only_state);
	return db_row_each(db, st, message_row, &c, "read messages", e);
}

int
db_status_messages(struct db *db, const char *only_state,
                   int (*fn)(const struct db_status_message *m, void *arg), void *arg,
                   struct err *e)
{
	return list_messages(
	    db,
	    MESSAGE_COLS " WHERE (?1 IS NULL AND m.state <> 'sent') OR m.state = ?1 ORDER BY m.ref",
	    only_state, 0, 0, fn, arg, e);
}

int
db_status_request_messages(struct db *db, long long seq,
                           int (*fn)(const struct db_status_message *m, void *arg), void *arg,
                           struct err *e)
{
	return list_messages(db,
	                     MESSAGE_COLS " JOIN message_request mr ON mr.message_ref = m.ref"
	                                  " WHERE mr.seq = ? ORDER BY m.ref",
	                     NULL, 1, seq, fn, arg, e);
}

/*
 * The export's columns: request_id, child_ref, activity_ref, day, action,
 * state, reason, position, batch_id; EXPORT_COLS then a source naming the
 * request r; the ids and clocks come from struct db_export_names.
 */
#define EXPORT_COLS                                                                                \
	"SELECT r.request_id, r.child_ref, r.activity_ref, r.day, r.action, r.state,"              \
	" CASE WHEN r.state = 'refused' THEN r.reason END,"                                        \
	" CASE WHEN r.state = 'waitlisted' THEN r.position END, r.batch_id FROM "

/* The page cache of an export's scan, in KiB (db_status_export). */
#define EXPORT_CACHE_KIB 1024

struct db_status_export {
	struct db *db; /* the connection it was opened on, its cache given back at close */
	long long batch_id;
	long long first, last; /* the span of seq */
	long long cache_saved;
	struct db_export_names names;
};

struct export_ctx {
	int (*fn)(const struct export_row *, void *);
	void *arg;
	struct err *e;
	const struct db_export_names *names;
};

static int
export_row_cb(sqlite3_stmt *st, void *ctx)
{
	struct export_ctx *c = ctx;
	struct export_row r;

	if (db_export_row_read(st, c->names, &r) < 0)
		return err_set(c->e, ERR_INTERNAL, "export: incomplete request row");
	r.batch_id = db_row_null(st, 8) ? 0 : sqlite3_column_int64(st, 8);
	r.decided_at = db_export_clock(c->names, r.batch_id);
	return c->fn(&r, c->arg);
}

void
db_status_export_close(struct db_status_export *x)
{
	struct err ignored;

	if (x == NULL)
		return;
	db_cache_size(x->db, x->cache_saved, NULL, &ignored);
	db_export_names_free(&x->names);
	free(x);
}

int
db_status_export_open(struct db *db, long long batch_id, struct db_status_export **out,
                      struct err *e)
{
	struct db_status_export *x = xcalloc(1, sizeof(*x));
	sqlite3_stmt *st;

	*out = NULL;
	x->db = db;
	x->batch_id = batch_id;
	/*
	 * Every part reads its pages once, in order: a small cache for the
	 * scan. The connection's 32 MiB filled with pages read once cost a
	 * page fault for each (a 1M export: x0.85 the time, 12 MB at the peak
	 * instead of 45).
	 */
	if (db_cache_size(db, -EXPORT_CACHE_KIB, &x->cache_saved, e) < 0) {
		free(x);
		return -1;
	}
	if (db_export_names_read(db, &x->names, e) < 0 ||
	    db_row_one(db,
	               /* one min() or max() each: SQLite reads each from the
	                * b-tree's edge, both in one query by a scan */
	               "SELECT coalesce((SELECT min(seq) FROM request), 1),"
	               " coalesce((SELECT max(seq) FROM request), 0)",
	               &st, "read the requests' span", e) < 0) {
		db_status_export_close(x);
		return -1;
	}
	x->first = sqlite3_column_int64(st, 0);
	x->last = sqlite3_column_int64(st, 1);
	sqlite3_finalize(st);
	*out = x;
	return 0;
}

void
db_status_export_span(const struct db_status_export *x, long long *first, long long *last)
{
	*first = x->first;
	*last = x->last;
}

int
db_status_export_part(const struct db_status_export *x, struct db *conn, long long from,
                      long long to, int (*fn)(const struct export_row *r, void *arg), void *arg,
                      struct err *e)
{
	struct export_ctx c = {fn, arg, e, &x->names};
	sqlite3_stmt *st;

	/* A rowid range either way: no index names a request's batch (a night
	 * would write an entry for each request it decides). */
	if (db_prepare(conn,
	               x->batch_id > 0 ? EXPORT_COLS "request r WHERE r.seq >= ?2 AND r.seq < ?3"
	                                             " AND r.batch_id = ?1 ORDER BY r.seq"
	                               : EXPORT_COLS
	                   "request r WHERE r.seq >= ?2 AND r.seq < ?3 ORDER BY r.seq",
	               &st, e) < 0)
		return -1;
	if (x->batch_id > 0)
		sqlite3_bind_int64(st, 1, x->batch_id);
	sqlite3_bind_int64(st, 2, from);
	sqlite3_bind_int64(st, 3, to);
	return db_row_each(conn, st, export_row_cb, &c, "read requests", e) < 0 ? -1 : 0;
}

static int
slot_row(sqlite3_stmt *st, void *ctx)
{
	const struct listing *c = ctx;
	struct db_status_slot s;

	s.activity_id = db_row_text(st, 0);
	s.activity_name = db_row_text(st, 1);
	s.day = (int32_t)sqlite3_column_int64(st, 2);
	s.has_capacity = !db_row_null(st, 3);
	s.capacity = sqlite3_column_int64(st, 3);
	s.taken = sqlite3_column_int64(st, 4);
	s.waiting = sqlite3_column_int64(st, 5);
	return c->fn.slot(&s, c->arg);
}

int
db_status_batch_slots(struct db *db, long long batch_id,
                      int (*fn)(const struct db_status_slot *s, void *arg), void *arg,
                      struct err *e)
{
	struct listing c = {.fn.slot = fn, .arg = arg};
	sqlite3_stmt *st;

	if (db_prepare(db,
	               "SELECT a.activity_id, a.name, s.day,"
	               " CASE WHEN o.activity_ref IS NOT NULL AND o.capacity IS NOT NULL"
	               "  THEN o.capacity ELSE a.capacity END,"
	               " (SELECT count(*) FROM held h WHERE h.activity_ref = s.activity_ref"
	               "  AND h.day = s.day AND h.state = 'accepted'),"
	               " (SELECT count(*) FROM held h WHERE h.activity_ref = s.activity_ref"
	               "  AND h.day = s.day AND h.state = 'waitlisted')"
	               /* the slots of the requests the batch decided: those
	                * whose row names it, and those it decided that a later
	                * night changed (decision_kept, schema 15) */
	               " FROM (SELECT DISTINCT activity_ref, day FROM"
	               "  (SELECT r.activity_ref, r.day FROM request r WHERE r.batch_id = ?1"
	               "  UNION ALL SELECT r.activity_ref, r.day FROM decision_kept d"
	               "  JOIN request r ON r.seq = d.seq WHERE d.batch_id = ?1)) s"
	               " JOIN activity a ON a.ref = s.activity_ref"
	               " LEFT JOIN opening o ON o.activity_ref = s.activity_ref AND o.day = s.day"
	               " ORDER BY a.name, a.ref, s.day",
	               &st, e) < 0)
		return -1;
	sqlite3_bind_int64(st, 1, batch_id);
	return db_row_each(db, st, slot_row, &c, "read the batch's slots", e);
}
