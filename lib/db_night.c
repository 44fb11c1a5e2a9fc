#include "db_night.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db_int.h"

enum {
	ST_PENDING,
	ST_SLOT,
	ST_OPENING,
	ST_CHANGE,
	ST_EVENT,
	ST_N,
};

/*
 * The batch's changes go as they come (slot by slot) into night_change_raw,
 * then, sorted by seq, into night_change, still in the read phase; the
 * write phase applies them to request and decision with two set-based
 * statements, in key order: a million single-row UPDATEs cost three times
 * as much (statement setup, index cursors per row). Nothing is held in
 * memory: the night's memory does not grow with the batch.
 */
#define CHANGE_COLS                                                                                \
	"state TEXT NOT NULL, reason TEXT, position INTEGER, undoes INTEGER, ev INTEGER NOT NULL"
#define CHANGE_RAW_TABLE "CREATE TEMP TABLE night_change_raw(seq INTEGER NOT NULL, " CHANGE_COLS ")"
#define CHANGE_TABLE "CREATE TEMP TABLE night_change(seq INTEGER PRIMARY KEY, " CHANGE_COLS ")"
static const char sql_sort_changes[] =
    "INSERT INTO temp.night_change(seq, state, reason, position, undoes, ev)"
    " SELECT seq, state, reason, position, undoes, ev FROM temp.night_change_raw ORDER BY seq";

/*
 * The events go as they come (slot by slot) into night_event_raw, whose
 * rowid is their order n in the batch; once the night is resolved they are
 * sorted into night_event by (seq, n), the event table's key, still in the
 * read phase: the write phase then appends them in key order. No event is
 * held in memory (a million would cost 30 MB).
 */
#define EVENT_COLS                                                                                 \
	"kind TEXT NOT NULL, reason TEXT, position INTEGER, other INTEGER, prev TEXT,"             \
	" deadline INTEGER, hours_from INTEGER, hours_to INTEGER, detail TEXT"
#define EVENT_RAW_TABLE                                                                            \
	"CREATE TEMP TABLE night_event_raw(n INTEGER PRIMARY KEY, seq INTEGER NOT "                \
	"NULL, " EVENT_COLS ")"
#define EVENT_TABLE                                                                                \
	"CREATE TEMP TABLE night_event(seq INTEGER NOT NULL, n INTEGER NOT NULL, " EVENT_COLS      \
	", PRIMARY KEY(seq, n)) WITHOUT ROWID"
static const char sql_sort_events[] =
    "INSERT INTO temp.night_event(seq, n, kind, reason, position, other, prev, deadline,"
    " hours_from, hours_to, detail) SELECT seq, n, kind, reason, position, other, prev,"
    " deadline, hours_from, hours_to, detail FROM temp.night_event_raw ORDER BY seq, n";

/* night_change.ev bits */
enum { EV_CHANGED = 1, EV_PROMOTED = 2, EV_CANCELLED = 4, EV_EXPIRED = 8 };

/*
 * A night reads the requests from the last batch's pending_from on (every
 * request below it is decided), in the table's order, not the whole
 * history; SQLite's sorter puts the pending ones in slot order (spilling to
 * temporary files past a few megabytes). A slot's held places come from the
 * partial index request_held, without the pending requests of the slot
 * beside them.
 */
static const char *const sql_text[ST_N] = {
    [ST_PENDING] = "SELECT seq, child_ref, activity_ref, day, action = 'cancel', arrival,"
                   " departure, submitted_at FROM request"
                   " WHERE seq >= ?2 AND state = 'pending' AND submitted_at <= ?1"
                   " ORDER BY activity_ref, day, submitted_at, seq",
    [ST_SLOT] = "SELECT seq, child_ref, submitted_at, state = 'waitlisted', position"
                " FROM request WHERE activity_ref = ?1 AND day = ?2"
                " AND state IN ('accepted','waitlisted','cancelled') AND action = 'reserve'"
                " AND state IN ('accepted','waitlisted')",
    [ST_OPENING] = "SELECT capacity FROM opening WHERE activity_ref = ?1 AND day = ?2",
    [ST_CHANGE] = "INSERT INTO temp.night_change_raw(seq, state, reason, position, undoes, ev)"
                  " VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    [ST_EVENT] = "INSERT INTO temp.night_event_raw(seq, kind, reason, position, other, prev,"
                 " deadline, hours_from, hours_to, detail)"
                 " VALUES (?1, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
};

/* The events, already in (seq, n) order: appended to the event table's tree. */
static const char sql_apply_events[] =
    "INSERT INTO event(seq, batch_id, n, kind, reason, position, other, prev, deadline,"
    " hours_from, hours_to, detail)"
    " SELECT seq, ?1, n, kind, reason, position, other, prev, deadline, hours_from, hours_to,"
    " detail FROM temp.night_event ORDER BY seq, n";

/* Decisions first (the snapshot), then the requests themselves. */
static const char sql_apply_decisions[] =
    "INSERT INTO decision(batch_id, seq, state, reason, position)"
    " SELECT ?1, seq, state, reason, position FROM temp.night_change"
    " WHERE ev & 1 ORDER BY seq";
static const char sql_apply_requests[] =
    "UPDATE OR FAIL request SET state = c.state, reason = c.reason, position = c.position,"
    " batch_id = CASE WHEN c.ev & 1 THEN ?1 ELSE request.batch_id END,"
    " undoes = coalesce(c.undoes, request.undoes),"
    /* cancelled: an owed notice is dropped; promoted after a compte-rendu
     * reported it waitlisted: a notice is owed */
    " notice = CASE WHEN c.ev & 4 THEN (CASE WHEN request.notice = 1 THEN 0"
    "   ELSE request.notice END)"
    "   WHEN c.ev & 2 AND request.reported = 1 THEN 1 ELSE request.notice END,"
    /* expired: the next compte-rendu reports it */
    " reported = CASE WHEN c.ev & 8 THEN 0 ELSE request.reported END"
    " FROM temp.night_change AS c WHERE request.seq = +c.seq"; /* c outer, in seq order */

struct db_night {
	struct db *db;
	sqlite3_stmt *st[ST_N];
	int reading;  /* the pending requests' statement has started */
	int64_t from; /* db_night_pending_from's *from */
};

static const char *const temp_tables[] = {"night_change_raw", "night_change", "night_event_raw",
                                          "night_event"};
#define NTEMP (sizeof(temp_tables) / sizeof(temp_tables[0]))

static void
drop_temp(struct db *db)
{
	char sql[64];

	for (size_t i = 0; i < NTEMP; i++) {
		snprintf(sql, sizeof(sql), "DROP TABLE IF EXISTS temp.%s", temp_tables[i]);
		sqlite3_exec(db->sql, sql, NULL, NULL, NULL);
	}
}

int
db_night_open(struct db *db, struct db_night **out, struct err *e)
{
	struct db_night *h = xcalloc(1, sizeof(*h));

	h->db = db;
	/* A table left by an earlier failed write phase on this connection
	 * (its drop was rolled back with it) must not stop this night. */
	drop_temp(db);
	if (db_exec(db, CHANGE_RAW_TABLE, e) < 0 || db_exec(db, CHANGE_TABLE, e) < 0 ||
	    db_exec(db, EVENT_TABLE, e) < 0 || db_exec(db, EVENT_RAW_TABLE, e) < 0) {
		free(h);
		*out = NULL;
		return -1;
	}
	for (int i = 0; i < ST_N; i++) {
		if (db_prepare(db, sql_text[i], &h->st[i], e) < 0) {
			db_night_close(h);
			*out = NULL;
			return -1;
		}
	}
	*out = h;
	return 0;
}

void
db_night_close(struct db_night *h)
{
	if (h == NULL)
		return;
	for (int i = 0; i < ST_N; i++)
		sqlite3_finalize(h->st[i]);
	drop_temp(h->db);
	free(h);
}

/* Run one-shot SQL returning a single integer. */
static int
query_int(struct db_night *h, const char *sql, long long *v, struct err *e)
{
	sqlite3_stmt *st;
	int rc;

	if (db_prepare(h->db, sql, &st, e) < 0)
		return -1;
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		db_fail(h->db, e, "read");
		sqlite3_finalize(st);
		return -1;
	}
	*v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return 0;
}

static int
fits32(long long v)
{
	return v >= INT32_MIN && v <= INT32_MAX;
}

int
db_night_new_batch(struct db_night *h, int64_t now, int64_t wall, int deliver, long long *batch_id,
                   struct err *e)
{
	sqlite3_stmt *st;
	long long id;

	if (query_int(h, "SELECT coalesce(max(batch_id), 0) + 1 FROM batch", &id, e) < 0)
		return -1;
	if (db_prepare(h->db,
	               "INSERT INTO batch(batch_id, ran_at, cutoff, started_at, finished_at,"
	               " delivery, events) VALUES (?1, ?2, ?2, ?3, ?3, ?4, 1)",
	               &st, e) < 0)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, now);
	sqlite3_bind_int64(st, 3, wall);
	sqlite3_bind_text(st, 4, deliver ? "pending" : "none", -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE) {
		db_fail(h->db, e, "create batch");
		sqlite3_finalize(st);
		return -1;
	}
	sqlite3_finalize(st);
	*batch_id = id;
	return 0;
}

static int
col_opt_int(sqlite3_stmt *st, int i, int none)
{
	return sqlite3_column_type(st, i) == SQLITE_NULL ? none : sqlite3_column_int(st, i);
}

int
db_night_activities(struct db_night *h, struct rules_activity **acts, size_t *n, struct err *e)
{
	sqlite3_stmt *st;
	size_t cap = 0;
	int rc;

	*acts = NULL;
	*n = 0;
	if (db_prepare(h->db,
	               "SELECT ref, capacity, waitlist, promote_days, hours_from, hours_to,"
	               " deadline_days, deadline_time, deadline_rule, deadline_wday"
	               " FROM activity ORDER BY ref",
	               &st, e) < 0)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct rules_activity *a;
		long long ref = sqlite3_column_int64(st, 0);

		if (!fits32(ref)) {
			sqlite3_finalize(st);
			return err_set(e, ERR_INTERNAL, "activity ref %lld out of range", ref);
		}
		xgrow(acts, &cap, *n + 1, sizeof(**acts));
		a = &(*acts)[(*n)++];
		a->ref = (int32_t)ref;
		a->capacity = col_opt_int(st, 1, -1);
		a->waitlist = sqlite3_column_int(st, 2);
		a->promote_days = sqlite3_column_int(st, 3);
		a->hours_from = col_opt_int(st, 4, RULES_NO_TIME);
		a->hours_to = col_opt_int(st, 5, RULES_NO_TIME);
		if (a->hours_to == RULES_NO_TIME)
			a->hours_from = RULES_NO_TIME;
		a->deadline_days = sqlite3_column_int(st, 6);
		a->deadline_time = sqlite3_column_int(st, 7);
		a->deadline_rule =
		    rules_deadline_rule_read((const char *)sqlite3_column_text(st, 8));
		a->deadline_wday = sqlite3_column_int(st, 9);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return db_fail(h->db, e, "read activities");
	return 0;
}

/* Run sql, which selects (activity_ref, day) pairs, into a new array *out. */
static int
read_pairs(struct db_night *h, const char *sql, const char *what, struct db_night_slot **out,
           size_t *n, struct err *e)
{
	sqlite3_stmt *st;
	size_t cap = 0;
	int rc;

	*out = NULL;
	*n = 0;
	if (db_prepare(h->db, sql, &st, e) < 0)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		long long act = sqlite3_column_int64(st, 0), day = sqlite3_column_int64(st, 1);
		if (!fits32(act) || !fits32(day)) {
			sqlite3_finalize(st);
			return err_set(e, ERR_INTERNAL, "read %s: value out of range", what);
		}
		xgrow(out, &cap, *n + 1, sizeof(**out));
		(*out)[*n].activity = (int32_t)act;
		(*out)[*n].day = (int32_t)day;
		(*n)++;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return db_fail(h->db, e, what);
	return 0;
}

int
db_night_open_days(struct db_night *h, struct db_night_slot **days, size_t *n, struct err *e)
{
	/* The primary key (activity_ref, day) gives the order for free. */
	return read_pairs(h,
	                  "SELECT o.activity_ref, o.day FROM activity a"
	                  " JOIN opening o ON o.activity_ref = a.ref"
	                  " WHERE a.deadline_rule = 'open' ORDER BY o.activity_ref, o.day",
	                  "read openings", days, n, e);
}

int
db_night_debtors(struct db_night *h, int32_t **children, size_t *n, struct err *e)
{
	sqlite3_stmt *st;
	size_t cap = 0;
	int rc;

	*children = NULL;
	*n = 0;
	if (db_prepare(h->db,
	               "SELECT c.ref FROM child c JOIN family f ON f.ref = c.family_ref"
	               " WHERE f.balance_cents < 0 ORDER BY c.ref",
	               &st, e) < 0)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		long long ref = sqlite3_column_int64(st, 0);
		if (!fits32(ref))
			continue; /* no request can name it (see db_night_pending) */
		xgrow(children, &cap, *n + 1, sizeof(**children));
		(*children)[(*n)++] = (int32_t)ref;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return db_fail(h->db, e, "read debtors");
	return 0;
}

/*
 * SQLite's sorter keeps up to cache_size bytes in memory before it spills
 * sorted runs to temporary files: with the night's 32 MB cache, a million
 * rows would add 30 MB to the peak. A small cache while a sort starts keeps
 * the peak flat, for a merge of a few more runs.
 */
static int
cache_small(struct db_night *h, long long *saved, struct err *e)
{
	if (query_int(h, "PRAGMA cache_size", saved, e) < 0 ||
	    db_exec(h->db, "PRAGMA cache_size = -4096", e) < 0)
		return -1;
	return 0;
}

static int
cache_restore(struct db_night *h, long long saved, struct err *e)
{
	char sql[64];

	snprintf(sql, sizeof(sql), "PRAGMA cache_size = %lld", saved);
	return db_exec(h->db, sql, e);
}

int
db_night_pending_from(struct db_night *h, int64_t cutoff, int64_t *from, int64_t *next,
                      struct err *e)
{
	sqlite3_stmt *st;
	int rc;

	if (db_prepare(h->db,
	               "SELECT coalesce((SELECT pending_from FROM batch"
	               "  ORDER BY batch_id DESC LIMIT 1), 0)",
	               &st, e) < 0)
		return -1;
	rc = sqlite3_step(st);
	*from = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW)
		return db_fail(h->db, e, "read the last batch");
	if (db_prepare(h->db,
	               "SELECT coalesce((SELECT min(seq) FROM request WHERE seq >= ?1"
	               "  AND state = 'pending' AND submitted_at > ?2),"
	               " (SELECT coalesce(max(seq), 0) + 1 FROM request))",
	               &st, e) < 0)
		return -1;
	sqlite3_bind_int64(st, 1, *from);
	sqlite3_bind_int64(st, 2, cutoff);
	rc = sqlite3_step(st);
	*next = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW)
		return db_fail(h->db, e, "read the pending requests");
	h->from = *from;
	return 0;
}

int
db_night_pending_next(struct db_night *h, int64_t cutoff, struct rules_req *r, struct err *e)
{
	sqlite3_stmt *st = h->st[ST_PENDING];
	long long saved, seq, child, act, day;
	struct err ignored;
	int rc;

	if (h->reading == 2)
		return 0;
	if (h->reading == 0) {
		sqlite3_bind_int64(st, 1, cutoff);
		sqlite3_bind_int64(st, 2, h->from);
		if (cache_small(h, &saved, e) < 0)
			return -1;
		rc = sqlite3_step(st); /* the sort happens here */
		if (cache_restore(h, saved, rc == SQLITE_ROW || rc == SQLITE_DONE ? e : &ignored) <
		    0)
			rc = SQLITE_ERROR;
		h->reading = 1;
	} else {
		rc = sqlite3_step(st);
	}
	if (rc != SQLITE_ROW) {
		h->reading = 2;
		if (rc != SQLITE_DONE) {
			if (e->kind == ERR_NONE)
				db_fail(h->db, e, "read pending requests");
			sqlite3_reset(st);
			return -1;
		}
		sqlite3_reset(st);
		return 0;
	}
	seq = sqlite3_column_int64(st, 0);
	child = sqlite3_column_int64(st, 1);
	act = sqlite3_column_int64(st, 2);
	day = sqlite3_column_int64(st, 3);
	if (!fits32(seq) || !fits32(child) || !fits32(act) || !fits32(day)) {
		h->reading = 2;
		sqlite3_reset(st);
		return err_set(e, ERR_INTERNAL, "request %lld: a key is out of range", seq);
	}
	memset(r, 0, sizeof(*r));
	r->seq = (int32_t)seq;
	r->child = (int32_t)child;
	r->activity = (int32_t)act;
	r->day = (int32_t)day;
	r->action = sqlite3_column_int(st, 4) ? RULES_CANCEL : RULES_RESERVE;
	r->arrival = (int16_t)col_opt_int(st, 5, RULES_NO_TIME);
	r->departure = (int16_t)col_opt_int(st, 6, RULES_NO_TIME);
	r->submitted_at = sqlite3_column_int64(st, 7);
	r->state = RULES_PENDING;
	return 1;
}

int
db_night_waitlist_slots(struct db_night *h, struct db_night_slot **slots, size_t *n, struct err *e)
{
	return read_pairs(h,
	                  "SELECT DISTINCT activity_ref, day FROM request"
	                  " WHERE state = 'waitlisted' ORDER BY activity_ref, day",
	                  "read waiting lists", slots, n, e);
}

int
db_night_opening(struct db_night *h, int32_t activity, int32_t day, int *open, int *has_cap,
                 int *cap, struct err *e)
{
	sqlite3_stmt *st = h->st[ST_OPENING];
	int rc;

	sqlite3_bind_int(st, 1, activity);
	sqlite3_bind_int(st, 2, day);
	rc = sqlite3_step(st);
	*open = rc == SQLITE_ROW;
	*has_cap = *open && sqlite3_column_type(st, 0) != SQLITE_NULL;
	*cap = *has_cap ? sqlite3_column_int(st, 0) : 0;
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_fail(h->db, e, "read opening");
	return 0;
}

int
db_night_slot_reservations(struct db_night *h, int32_t activity, int32_t day,
                           struct rules_req **reqs, size_t *n, size_t *cap, struct err *e)
{
	sqlite3_stmt *st = h->st[ST_SLOT];
	int rc;

	*n = 0;
	sqlite3_bind_int(st, 1, activity);
	sqlite3_bind_int(st, 2, day);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		long long seq = sqlite3_column_int64(st, 0), child = sqlite3_column_int64(st, 1);
		struct rules_req *r;

		if (!fits32(seq) || !fits32(child)) {
			sqlite3_reset(st);
			return err_set(e, ERR_INTERNAL, "request %lld: a key is out of range", seq);
		}
		xgrow(reqs, cap, *n + 1, sizeof(**reqs));
		r = &(*reqs)[(*n)++];
		memset(r, 0, sizeof(*r));
		r->seq = (int32_t)seq;
		r->child = (int32_t)child;
		r->activity = activity;
		r->day = day;
		r->submitted_at = sqlite3_column_int64(st, 2);
		r->action = RULES_RESERVE;
		r->state = sqlite3_column_int(st, 3) ? RULES_WAITLISTED : RULES_ACCEPTED;
		r->position = r->state == RULES_WAITLISTED ? col_opt_int(st, 4, 0) : 0;
		r->arrival = r->departure = RULES_NO_TIME;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return db_fail(h->db, e, "read the slot's reservations");
	return 0;
}

static void
bind_reason(sqlite3_stmt *st, int i, const struct rules_req *r)
{
	if (r->reason == RULES_OK)
		sqlite3_bind_null(st, i);
	else
		sqlite3_bind_text(st, i, rules_reason_name(r->reason), -1, SQLITE_STATIC);
}

int
db_night_write(struct db_night *h, const struct rules_req *r, struct err *e)
{
	sqlite3_stmt *st = h->st[ST_CHANGE];
	int ev = 0;

	if (!(r->flags & (RULES_F_CHANGED | RULES_F_MOVED)))
		return 0;
	if (r->flags & RULES_F_CHANGED)
		ev |= EV_CHANGED;
	if (r->flags & RULES_F_PROMOTED)
		ev |= EV_PROMOTED;
	if (r->flags & RULES_F_CANCELLED)
		ev |= EV_CANCELLED;
	if (r->flags & RULES_F_EXPIRED)
		ev |= EV_EXPIRED;
	sqlite3_bind_int(st, 1, r->seq);
	sqlite3_bind_text(st, 2, rules_state_name(r->state), -1, SQLITE_STATIC);
	bind_reason(st, 3, r);
	db_bind_opt_int(st, 4, r->position > 0, r->position);
	db_bind_opt_int(st, 5, r->undoes != 0, r->undoes);
	sqlite3_bind_int(st, 6, ev);
	return db_step_done(h->db, st, "record a change", e);
}

int
db_night_event(struct db_night *h, const struct rules_event *ev, struct err *e)
{
	sqlite3_stmt *st = h->st[ST_EVENT];

	sqlite3_bind_int(st, 1, ev->seq);
	sqlite3_bind_text(st, 3, rules_event_name(ev->kind), -1, SQLITE_STATIC);
	if (ev->kind == RULES_EV_REFUSED)
		sqlite3_bind_text(st, 4, rules_reason_name(ev->reason), -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 4);
	db_bind_opt_int(st, 5, ev->position > 0, ev->position);
	db_bind_opt_int(st, 6, ev->other != 0, ev->other);
	if (ev->kind == RULES_EV_CANCELLED)
		sqlite3_bind_text(st, 7, rules_state_name(ev->prev), -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 7);
	db_bind_opt_int(st, 8, ev->reason == RULES_DEADLINE, ev->deadline);
	db_bind_opt_int(st, 9, ev->reason == RULES_TIMES, ev->hours_from);
	db_bind_opt_int(st, 10, ev->reason == RULES_TIMES, ev->hours_to);
	if (ev->kind == RULES_EV_REFUSED && ev->reason == RULES_TIMES)
		sqlite3_bind_text(st, 11, rules_times_fail_name(ev->detail), -1, SQLITE_STATIC);
	else if (ev->kind == RULES_EV_REFUSED && ev->reason == RULES_FULL)
		sqlite3_bind_text(st, 11, rules_full_why_name(ev->detail), -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 11);
	return db_step_done(h->db, st, "record an event", e);
}

/* Run an INSERT ... SELECT ... ORDER BY with a small cache, then empty the raw table. */
static int
sort_into(struct db_night *h, const char *sql, const char *raw, struct err *e)
{
	struct err ignored;
	long long saved;
	char del[64];
	int rc;

	if (cache_small(h, &saved, e) < 0)
		return -1;
	rc = db_exec(h->db, sql, e);
	if (cache_restore(h, saved, rc < 0 ? &ignored : e) < 0)
		rc = -1;
	snprintf(del, sizeof(del), "DELETE FROM temp.%s", raw);
	if (rc < 0 || db_exec(h->db, del, e) < 0)
		return -1;
	return 0;
}

int
db_night_sort(struct db_night *h, struct err *e)
{
	if (sort_into(h, sql_sort_changes, "night_change_raw", e) < 0)
		return err_prefix(e, "sort changes");
	if (sort_into(h, sql_sort_events, "night_event_raw", e) < 0)
		return err_prefix(e, "sort events");
	return 0;
}

static int
exec_batch(struct db_night *h, const char *sql, long long batch_id, const char *what, struct err *e)
{
	sqlite3_stmt *st;
	int rc;

	if (db_prepare(h->db, sql, &st, e) < 0)
		return -1;
	sqlite3_bind_int64(st, 1, batch_id);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return db_fail(h->db, e, what);
	return 0;
}

int
db_night_apply(struct db_night *h, long long batch_id, struct err *e)
{
	/*
	 * Foreign keys checked once at commit, not per statement: an immediate
	 * check makes SQLite keep a statement journal for every UPDATE, which
	 * costs ten times the update itself over a million rows. SQLite turns
	 * this pragma off at every COMMIT and ROLLBACK, so it is set here, in
	 * the write transaction that applies the changes.
	 */
	if (db_exec(h->db, "PRAGMA defer_foreign_keys = ON", e) < 0 ||
	    exec_batch(h, sql_apply_events, batch_id, "insert events", e) < 0 ||
	    exec_batch(h, sql_apply_decisions, batch_id, "insert decisions", e) < 0 ||
	    exec_batch(h, sql_apply_requests, batch_id, "update requests", e) < 0)
		return -1;
	return 0;
}

int
db_night_finish_batch(struct db_night *h, long long batch_id, const struct rules_counts *c,
                      int64_t finished_at, int64_t pending_from, struct err *e)
{
	sqlite3_stmt *st;
	int rc;

	if (db_prepare(h->db,
	               "UPDATE batch SET n_requests = ?2, n_accepted = ?3, n_waitlisted = ?4,"
	               " n_refused = ?5, n_closed = ?6, n_deadline = ?7, n_times = ?8,"
	               " n_debtor = ?9, n_full = ?10, n_duplicate = ?11,"
	               " n_nothing_to_cancel = ?12, n_promoted = ?13, n_expired = ?14,"
	               " n_cancelled = ?15, finished_at = ?16, pending_from = ?17"
	               " WHERE batch_id = ?1",
	               &st, e) < 0)
		return -1;
	sqlite3_bind_int64(st, 1, batch_id);
	sqlite3_bind_int64(st, 2, c->n_requests);
	sqlite3_bind_int64(st, 3, c->n_accepted);
	sqlite3_bind_int64(st, 4, c->n_waitlisted);
	sqlite3_bind_int64(st, 5, c->n_refused);
	for (int i = RULES_CLOSED; i <= RULES_NOTHING_TO_CANCEL; i++)
		sqlite3_bind_int64(st, 6 + i - RULES_CLOSED, c->n_reason[i]);
	sqlite3_bind_int64(st, 13, c->n_promoted);
	sqlite3_bind_int64(st, 14, c->n_expired);
	sqlite3_bind_int64(st, 15, c->n_cancelled);
	sqlite3_bind_int64(st, 16, finished_at);
	sqlite3_bind_int64(st, 17, pending_from);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return db_fail(h->db, e, "finish batch");
	return 0;
}
