/*
 * db_night_write.c - the night's changes and events: recorded as the slots
 * are resolved, sorted by request once the night is resolved (still in the
 * read phase), then applied in the write phase (db_night.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db_night_int.h"

/* The events, in (seq, n) order: appended to the event table's tree. */
static const char sql_apply_events[] =
    "INSERT INTO event(seq, batch_id, n, kind, reason, position, other, prev, deadline,"
    " hours_from, hours_to, detail)"
    " SELECT seq, ?1, n, kind, reason, position, other, prev, deadline, hours_from, hours_to,"
    " detail FROM night_events";

/*
 * The decisions an earlier batch made of the requests this night changes
 * (a request row is its last batch's decision until a night changes it:
 * schema 15, db_schema.c), kept from the rows before the update; a
 * decision already kept stays as it is (it said so first: a moved
 * request's row shows its batch with another position). Then the requests
 * themselves: each one decided tonight is tonight's decision.
 */
static const char sql_keep_decisions[] =
    "INSERT OR IGNORE INTO decision_kept(batch_id, seq, state, reason, position)"
    " SELECT r.batch_id, r.seq, r.state, r.reason, r.position"
    " FROM night_past AS c JOIN request r ON r.seq = +c.seq WHERE r.batch_id IS NOT NULL";

/*
 * The requests, in one pass over their rows in seq order (the rowid range
 * of the changes), merged with the changes' sort, also in seq order:
 * night_take(seq) moves the sort on to seq and says whether seq changed,
 * and the other functions give that change's values. An UPDATE ... FROM
 * the sort's table runs in two passes, the join first copied into a
 * temporary table (SQLite's way with FROM): the first night of the bench's
 * 1M town x0.86 without it. A row between two changes is read and left.
 * Every change must meet its row, once: a request another writer deleted
 * meanwhile, or rows not visited in order, leave changes untaken and fail
 * the night (apply_requests).
 */
static const char sql_apply_requests[] =
    "UPDATE OR FAIL request SET state = night_change(1), reason = night_change(2),"
    " position = night_change(3),"
    " batch_id = CASE WHEN night_change(5) & 1 THEN ?1 ELSE batch_id END,"
    " undoes = coalesce(night_change(4), undoes)"
    " WHERE seq BETWEEN ?2 AND ?3 AND night_take(seq)";
_Static_assert(CH_STATE == 1 && CH_REASON == 2 && CH_POSITION == 3 && CH_UNDOES == 4 &&
                   CH_EV == 5 && EV_CHANGED == 1,
               "sql_apply_requests names a change's columns by number");

/* The merge of sql_apply_requests: the change in hand. */
struct walk {
	struct db_night *h;
	struct night_change cur;
	int have;       /* cur holds a change (none: the sort is read to its end) */
	int cur_taken;  /* ... whose row was met */
	uint64_t taken; /* changes whose row was met */
	int64_t missed; /* the first change whose row was not, 0: none */
	struct err err; /* the sort's failure */
};

/* The next change into cur: 1, 0 at the end, -1 (w->err). */
static int
walk_next(struct walk *w)
{
	int rc;

	if (w->have && !w->cur_taken && w->missed == 0)
		w->missed = w->cur.seq;
	rc = runsort_next(&w->h->changes, &w->cur, &w->err);
	w->have = rc > 0;
	w->cur_taken = 0;
	return rc;
}

/* The sort's failure, into e. */
static int
walk_failed(const struct walk *w, struct err *e)
{
	*e = w->err;
	return err_prefix(e, "read the night's changes");
}

/* night_take(seq): whether the change in hand, moved on to seq, is seq's. */
static void
fn_take(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	struct walk *w = sqlite3_user_data(ctx);
	int64_t seq = sqlite3_value_int64(argv[0]);

	(void)argc;
	while (w->have && w->cur.seq < seq) {
		if (walk_next(w) < 0) {
			sqlite3_result_error(ctx, "cannot read the night's changes", -1);
			return;
		}
	}
	if (w->have && w->cur.seq == seq && !w->cur_taken) {
		w->cur_taken = 1;
		w->taken++;
		sqlite3_result_int(ctx, 1);
	} else {
		sqlite3_result_int(ctx, 0);
	}
}

/* night_change(col): a column of the change in hand, as night_mail has it. */
static void
fn_change(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	const struct walk *w = sqlite3_user_data(ctx);

	(void)argc;
	db_night_change_column(NULL, &w->cur, ctx, sqlite3_value_int(argv[0]));
}

/*
 * Apply the changes to request (sql_apply_requests), the connection's
 * triggers off (the caller). The two functions exist for this statement
 * only; the sort's first change is the range's start.
 */
static int
apply_requests(struct db_night *h, long long batch_id, struct err *e)
{
	sqlite3 *sql = h->db->sql;
	struct walk w;
	sqlite3_stmt *st;
	int rc;

	memset(&w, 0, sizeof(w));
	w.h = h;
	if (runsort_rewind(&h->changes, e) < 0)
		return err_prefix(e, "read changes");
	if ((rc = walk_next(&w)) <= 0)
		return rc < 0 ? walk_failed(&w, e) : 0;
	if (sqlite3_create_function(sql, "night_take", 1, SQLITE_UTF8, &w, fn_take, NULL, NULL) !=
	        SQLITE_OK ||
	    sqlite3_create_function(sql, "night_change", 1, SQLITE_UTF8, &w, fn_change, NULL,
	                            NULL) != SQLITE_OK)
		rc = db_fail(h->db, e, "update requests");
	else
		rc = db_prepare(h->db, sql_apply_requests, &st, e);
	if (rc == 0) {
		sqlite3_bind_int64(st, 1, batch_id);
		sqlite3_bind_int64(st, 2, w.cur.seq);
		sqlite3_bind_int64(st, 3, h->changes_hi);
		if (sqlite3_step(st) != SQLITE_DONE)
			rc = w.err.kind != ERR_NONE ? walk_failed(&w, e)
			                            : db_fail(h->db, e, "update requests");
		sqlite3_finalize(st);
	}
	sqlite3_create_function(sql, "night_take", 1, SQLITE_UTF8, NULL, NULL, NULL, NULL);
	sqlite3_create_function(sql, "night_change", 1, SQLITE_UTF8, NULL, NULL, NULL, NULL);
	if (rc == 0 && w.taken != h->changes.count) {
		while (w.missed == 0 && w.have)
			if (walk_next(&w) < 0)
				return walk_failed(&w, e);
		rc = err_set(e, ERR_TEMP,
		             "%s: request %lld (import order), decided tonight, is no longer there"
		             " (another writer deleted it): nothing stored; the next night"
		             " decides again",
		             db_path(h->db), (long long)w.missed);
	}
	return rc;
}

/*
 * What the mail owes (request_mail, db_schema.c; no row is 0 and 0): a
 * cancelled request's owed notice is dropped; one promoted after a
 * compte-rendu reported it waitlisted is owed a notice; an expired one is
 * reported again by the next compte-rendu. Only a request the mail has
 * reported has a row for these to change. They come from night_mail, the
 * changes of these three kinds alone (a few in a hundred), not from a scan
 * of every change (0.38 s of a 4M night).
 */
static const char sql_apply_mail[] =
    "UPDATE request_mail SET"
    " notice = CASE WHEN c.ev & 4 THEN (CASE WHEN notice = 1 THEN 0 ELSE notice END)"
    "   WHEN c.ev & 2 AND reported = 1 THEN 1 ELSE notice END,"
    " reported = CASE WHEN c.ev & 8 THEN 0 ELSE reported END"
    " FROM night_mail AS c WHERE request_mail.seq = +c.seq";

/*
 * The places that went, one by its whole key each (a set-based DELETE ...
 * IN (SELECT ...) seeks by slot alone and reads the slot's every place for
 * each: x5 the time), then the ones that came, in held's key order: a merge
 * into the table (held_update, the trigger that keeps held in step with any
 * other writer's UPDATE, is off meanwhile: see db_night_apply).
 */
static const char sql_held_del[] =
    "DELETE FROM held WHERE activity_ref = ?1 AND day = ?2 AND state = ?3 AND child_ref = ?4"
    " AND submitted_at = ?5 AND seq = ?6";
static const char sql_held_put[] =
    "INSERT OR REPLACE INTO held(activity_ref, day, state, child_ref, submitted_at, seq,"
    " position) SELECT activity_ref, day, state, child_ref, submitted_at, seq, position"
    " FROM night_held WHERE op = 1";

int
db_night_new_batch(struct db_night *h, int64_t now, int64_t wall, int deliver, long long *batch_id,
                   struct err *e)
{
	long long id;

	if (db_night_query_int(h, "SELECT coalesce(max(batch_id), 0) + 1 FROM batch", &id, e) < 0)
		return -1;
	h->batch_now = now;
	h->batch_wall = wall;
	h->batch_deliver = deliver;
	*batch_id = id;
	return 0;
}

/* Whether a reservation in state s holds a place in held (db_schema.c). */
static int
holds(uint8_t s)
{
	return s == RULES_ACCEPTED || s == RULES_WAITLISTED || s == RULES_CANCELLED;
}

/* Record the place r had (op HELD_DEL, state was) or has (HELD_PUT). */
static int
place(struct db_night *h, const struct rules_req *r, uint8_t op, uint8_t state, struct err *e)
{
	struct night_held p;

	memset(&p, 0, sizeof(p));
	p.submitted_at = r->submitted_at;
	p.activity = r->activity;
	p.day = r->day;
	p.child = r->child;
	p.seq = r->seq;
	p.position = op == HELD_PUT && r->position > 0 ? r->position : 0;
	p.state = state;
	p.op = op;
	if (runsort_add(&h->held, &p, e) < 0)
		return err_prefix(e, "record a place");
	return 0;
}

int
db_night_write(struct db_night *h, const struct rules_req *r, uint8_t was, struct err *e)
{
	struct night_change c;
	int had, has;

	if (!(r->flags & (RULES_F_CHANGED | RULES_F_MOVED)))
		return 0;
	/* held follows the row: the key holds the state, so a new state is
	 * another place; the same one with a new position is put again. */
	had = r->action == RULES_RESERVE && holds(was);
	has = r->action == RULES_RESERVE && holds(r->state);
	if (had && (!has || was != r->state) && place(h, r, HELD_DEL, was, e) < 0)
		return -1;
	if (has && place(h, r, HELD_PUT, r->state, e) < 0)
		return -1;
	memset(&c, 0, sizeof(c));
	if (r->flags & RULES_F_CHANGED)
		c.ev |= EV_CHANGED;
	if (r->flags & RULES_F_PROMOTED)
		c.ev |= EV_PROMOTED;
	if (r->flags & RULES_F_CANCELLED)
		c.ev |= EV_CANCELLED;
	if (r->flags & RULES_F_EXPIRED)
		c.ev |= EV_EXPIRED;
	c.seq = r->seq;
	if (r->seq > h->changes_hi)
		h->changes_hi = r->seq;
	c.state = r->state;
	c.reason = r->reason;
	c.position = r->position > 0 ? r->position : 0;
	c.undoes = r->undoes;
	if (runsort_add(&h->changes, &c, e) < 0)
		return err_prefix(e, "record a change");
	if (c.ev & (EV_PROMOTED | EV_CANCELLED | EV_EXPIRED)) {
		if (runsort_add(&h->mail, &c, e) < 0)
			return err_prefix(e, "record a change");
	}
	if (was != RULES_PENDING && runsort_add(&h->past, &c, e) < 0)
		return err_prefix(e, "record a change");
	return 0;
}

int
db_night_event(struct db_night *h, const struct rules_event *ev, struct err *e)
{
	struct night_event r;

	memset(&r, 0, sizeof(r));
	r.deadline = ev->deadline;
	r.seq = ev->seq;
	r.n = (int32_t)(h->events.count + 1); /* the night's events numbered from 1 */
	r.other = ev->other;
	r.position = ev->position;
	r.hours_from = ev->hours_from;
	r.hours_to = ev->hours_to;
	r.kind = ev->kind;
	r.reason = ev->reason;
	r.detail = ev->detail;
	r.prev = ev->prev;
	if (runsort_add(&h->events, &r, e) < 0)
		return err_prefix(e, "record an event");
	return 0;
}

/*
 * Run sql, a statement that sorts, with a page cache of SORT_CACHE_KIB:
 * SQLite's sorter keeps up to cache_size bytes in memory before it spills
 * sorted runs to temporary files, so a small cache while a sort starts
 * (an index's build) keeps the peak flat, for a merge of a few more runs
 * (16 MiB instead of 4 made the 1M night x1.09 slower).
 */
#define SORT_CACHE_KIB 4096

static int
exec_sorting(struct db_night *h, const char *sql, struct err *e)
{
	struct err ignored;
	long long saved;
	int rc;

	if (db_cache_size(h->db, -SORT_CACHE_KIB, &saved, e) < 0)
		return -1;
	rc = db_exec(h->db, sql, e);
	if (db_cache_size(h->db, saved, NULL, rc < 0 ? &ignored : e) < 0)
		rc = -1;
	return rc;
}

int
db_night_sort(struct db_night *h, struct err *e)
{
	if (runsort_finish(&h->changes, e) < 0 || runsort_finish(&h->mail, e) < 0 ||
	    runsort_finish(&h->past, e) < 0)
		return err_prefix(e, "sort changes");
	if (runsort_finish(&h->held, e) < 0)
		return err_prefix(e, "sort places");
	if (runsort_finish(&h->events, e) < 0)
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

/*
 * request's secondary indexes (an operator's own: nocturne keeps none
 * since schema 13), as the schema has them: each changed request that
 * enters one is an insertion at its slot's place, scattered over the
 * index, which costs three times what the row's own update does. A batch that changes a third
 * of the table or more drops them before its update and makes them again
 * after it, one sorted build (when the slots' places were such an index, a
 * million changes: 3.2 s instead of 5.0 s); a smaller one keeps them (the
 * build reads the whole table). Same transaction: atomic with the rest,
 * the same text from sqlite_schema.
 */
#define REBUILD_MAX 8

struct rebuild {
	size_t n;
	char *name[REBUILD_MAX];
	char *sql[REBUILD_MAX];
};

static void
rebuild_free(struct rebuild *rb)
{
	for (size_t i = 0; i < rb->n; i++) {
		free(rb->name[i]);
		free(rb->sql[i]);
	}
	rb->n = 0;
}

static int
rebuild_drop(struct db_night *h, struct rebuild *rb, struct err *e)
{
	sqlite3_stmt *st;
	long long rows;
	int rc;

	rb->n = 0;
	if (db_night_query_int(h, "SELECT coalesce(max(seq), 0) FROM request", &rows, e) < 0)
		return -1;
	if ((long long)h->changes.count * 3 < rows)
		return 0;
	if (db_prepare(h->db,
	               "SELECT name, sql FROM sqlite_schema WHERE type = 'index'"
	               " AND tbl_name = 'request' AND sql IS NOT NULL ORDER BY name",
	               &st, e) < 0)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && rb->n < REBUILD_MAX) {
		rb->name[rb->n] = xstrdup((const char *)sqlite3_column_text(st, 0));
		rb->sql[rb->n] = xstrdup((const char *)sqlite3_column_text(st, 1));
		rb->n++;
	}
	sqlite3_finalize(st);
	if (rc == SQLITE_ROW) { /* more indexes than kept (an operator's own): update them */
		rebuild_free(rb);
		return 0;
	}
	if (rc != SQLITE_DONE) {
		rebuild_free(rb);
		return db_fail(h->db, e, "read request's indexes");
	}
	for (size_t i = 0; i < rb->n; i++) {
		char *sql = sqlite3_mprintf("DROP INDEX \"%w\"", rb->name[i]);
		int drc = sql != NULL ? db_exec(h->db, sql, e)
		                      : err_set(e, ERR_INTERNAL, "out of memory");

		sqlite3_free(sql);
		if (drc < 0) {
			rebuild_free(rb);
			return -1;
		}
	}
	return 0;
}

/* Each build sorts with a small cache, as the night's other sorts do. */
static int
rebuild_make(struct db_night *h, struct rebuild *rb, struct err *e)
{
	int rc = 0;

	for (size_t i = 0; i < rb->n && rc == 0; i++)
		rc = exec_sorting(h, rb->sql[i], e);
	rebuild_free(rb);
	return rc;
}

/* Delete the places recorded as gone (op HELD_DEL), in held's key order. */
static int
held_delete(struct db_night *h, struct err *e)
{
	struct night_held p;
	sqlite3_stmt *st;
	int rc;

	if (runsort_rewind(&h->held, e) < 0)
		return err_prefix(e, "read places");
	if (db_prepare(h->db, sql_held_del, &st, e) < 0)
		return -1;
	while ((rc = runsort_next(&h->held, &p, e)) > 0) {
		if (p.op != HELD_DEL)
			continue;
		sqlite3_bind_int(st, 1, p.activity);
		sqlite3_bind_int(st, 2, p.day);
		sqlite3_bind_text(st, 3, rules_state_name(p.state), -1, SQLITE_STATIC);
		sqlite3_bind_int(st, 4, p.child);
		sqlite3_bind_int64(st, 5, p.submitted_at);
		sqlite3_bind_int(st, 6, p.seq);
		if (db_step_done(h->db, st, "delete a place", e) < 0) {
			rc = -1;
			break;
		}
	}
	sqlite3_finalize(st);
	if (rc < 0)
		return err_prefix(e, "delete places");
	return 0;
}

/*
 * held_update (db_schema.c) puts each updated request's place right in
 * held, one insertion at its slot's place: for a million changes, what the
 * index request_held cost before it. The night turns its connection's
 * triggers off for its own UPDATE (db_triggers) and applies its recorded
 * places instead (sql_held_del, sql_held_put: db_night_apply_places); every
 * other writer (an operator's UPDATE) still keeps held in step.
 */
int
db_night_apply(struct db_night *h, long long batch_id, struct err *e)
{
	struct rebuild rb;
	int rc;

	/*
	 * Foreign keys checked once at commit, not per statement: an immediate
	 * check makes SQLite keep a statement journal for every UPDATE, which
	 * costs ten times the update itself over a million rows. SQLite turns
	 * this pragma off at every COMMIT and ROLLBACK, so it is set here, in
	 * the write transaction that applies the changes.
	 */
	if (db_exec(h->db, "PRAGMA defer_foreign_keys = ON", e) < 0 ||
	    exec_batch(h, sql_apply_events, batch_id, "insert events", e) < 0 ||
	    (h->past.count > 0 && db_exec(h->db, sql_keep_decisions, e) < 0) ||
	    rebuild_drop(h, &rb, e) < 0)
		return -1;
	db_triggers(h->db, 0);
	rc = apply_requests(h, batch_id, e);
	db_triggers(h->db, 1);
	if (rc < 0 || (h->mail.count > 0 && db_exec(h->db, sql_apply_mail, e) < 0)) {
		rebuild_free(&rb);
		return -1;
	}
	return rebuild_make(h, &rb, e);
}

int
db_night_has_places(const struct db_night *h)
{
	return h->held.count > 0;
}

int
db_night_apply_places(struct db_night *h, long long batch_id, struct err *e)
{
	sqlite3_stmt *st;

	if (held_delete(h, e) < 0 || db_exec(h->db, sql_held_put, e) < 0 ||
	    db_prepare(h->db, "UPDATE batch SET places = 1 WHERE batch_id = ?1", &st, e) < 0)
		return -1;
	sqlite3_bind_int64(st, 1, batch_id);
	if (db_step_done(h->db, st, "mark the batch's places written", e) < 0) {
		sqlite3_finalize(st);
		return -1;
	}
	sqlite3_finalize(st);
	return 0;
}

/*
 * The batch row goes in last, whole: a row written first and updated last
 * is on a page a large night's cache has long since spilled to the log,
 * and a page the log holds rewritten in the same transaction makes SQLite
 * rewrite the checksum of every frame after it at commit (it reads the
 * whole log back: a tenth of the 100k night). The night's rows name the
 * batch before it exists; foreign keys are off until its end (night.c).
 */
int
db_night_finish_batch(struct db_night *h, long long batch_id, const struct rules_counts *c,
                      int64_t finished_at, int64_t pending_from, struct err *e)
{
	sqlite3_stmt *st;
	int rc;

	if (db_prepare(
	        h->db,
	        "INSERT INTO batch(batch_id, ran_at, cutoff, started_at, finished_at,"
	        " delivery, events, n_requests, n_accepted, n_waitlisted, n_refused,"
	        " n_closed, n_deadline, n_times, n_debtor, n_full, n_duplicate,"
	        " n_nothing_to_cancel, n_promoted, n_expired, n_cancelled, pending_from, places)"
	        " VALUES (?1, ?18, ?18, ?19, ?16, ?20, 1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9,"
	        " ?10, ?11, ?12, ?13, ?14, ?15, ?17, ?21)",
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
	sqlite3_bind_int64(st, 18, h->batch_now);
	sqlite3_bind_int64(st, 19, h->batch_wall);
	sqlite3_bind_text(st, 20, h->batch_deliver ? "pending" : "none", -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 21, !db_night_has_places(h));
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return db_fail(h->db, e, "store batch");
	return 0;
}
