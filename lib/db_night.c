#include "db_night.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db_night_int.h"

/*
 * A night reads the requests from the last batch's pending_from on (every
 * request below it is decided), in the table's order, not the whole
 * history, and sorts the pending ones into slot order itself (runsort.h:
 * fixed records, runs spilled to a temporary file past a few megabytes). A
 * slot's places come from the table held (its key begins with the slot),
 * without the pending requests of the slot beside them.
 */
static const char *const sql_text[ST_N] = {
    [ST_PENDING] = NIGHT_SQL_PENDING,
    [ST_SLOT] = "SELECT seq, child_ref, submitted_at, state = 'waitlisted', position"
                " FROM held WHERE activity_ref = ?1 AND day = ?2"
                " AND (state = 'accepted' OR state = 'waitlisted')",
    [ST_OPENING] = "SELECT capacity FROM opening WHERE activity_ref = ?1 AND day = ?2",
};

/* The pending requests' order: by slot (activity, day), then submitted_at, then seq. */
static int
cmp_slot_order(const void *pa, const void *pb)
{
	const struct rules_req *a = pa, *b = pb;

	if (a->activity != b->activity)
		return a->activity < b->activity ? -1 : 1;
	if (a->day != b->day)
		return a->day < b->day ? -1 : 1;
	if (a->submitted_at != b->submitted_at)
		return a->submitted_at < b->submitted_at ? -1 : 1;
	return (a->seq > b->seq) - (a->seq < b->seq);
}

/* An int32_t as 32 bits that compare as it does. */
static uint64_t
bits32(int32_t v)
{
	return (uint32_t)v ^ 0x80000000u;
}

/* cmp_slot_order's first part: the slot. */
static uint64_t
key_slot(const void *p)
{
	const struct rules_req *r = p;

	return bits32(r->activity) << 32 | bits32(r->day);
}

/* cmp_change's whole order: the seq. */
static uint64_t
key_change(const void *p)
{
	return bits32(((const struct night_change *)p)->seq);
}

/* cmp_event's whole order: (seq, n). */
static uint64_t
key_event(const void *p)
{
	const struct night_event *ev = p;

	return bits32(ev->seq) << 32 | bits32(ev->n);
}

/* The event table's key: (seq, n). */
static int
cmp_event(const void *pa, const void *pb)
{
	const struct night_event *a = pa, *b = pb;

	if (a->seq != b->seq)
		return a->seq < b->seq ? -1 : 1;
	return (a->n > b->n) - (a->n < b->n);
}

static int
cmp_change(const void *pa, const void *pb)
{
	const struct night_change *a = pa, *b = pb;

	return (a->seq > b->seq) - (a->seq < b->seq);
}

/* A state's place in held's key: the text order of its name. */
static int
state_rank(uint8_t state)
{
	switch (state) {
	case RULES_ACCEPTED:
		return 0;
	case RULES_CANCELLED:
		return 1;
	default: /* RULES_WAITLISTED */
		return 2;
	}
}

/* held's key order; a place that goes before the one that comes at its key. */
static int
cmp_held(const void *pa, const void *pb)
{
	const struct night_held *a = pa, *b = pb;

	if (a->activity != b->activity)
		return a->activity < b->activity ? -1 : 1;
	if (a->day != b->day)
		return a->day < b->day ? -1 : 1;
	if (a->state != b->state)
		return state_rank(a->state) < state_rank(b->state) ? -1 : 1;
	if (a->child != b->child)
		return a->child < b->child ? -1 : 1;
	if (a->submitted_at != b->submitted_at)
		return a->submitted_at < b->submitted_at ? -1 : 1;
	if (a->seq != b->seq)
		return a->seq < b->seq ? -1 : 1;
	return (a->op > b->op) - (a->op < b->op);
}

int
db_night_open(struct db *db, struct db_night **out, struct err *e)
{
	struct db_night *h = xcalloc(1, sizeof(*h));

	h->db = db;
	runsort_init(&h->pending, sizeof(struct rules_req), NIGHT_SORT_MEM, cmp_slot_order);
	runsort_init(&h->changes, sizeof(struct night_change), NIGHT_SORT_MEM, cmp_change);
	runsort_init(&h->mail, sizeof(struct night_change), NIGHT_SORT_MEM, cmp_change);
	runsort_init(&h->past, sizeof(struct night_change), NIGHT_SORT_MEM, cmp_change);
	runsort_init(&h->held, sizeof(struct night_held), NIGHT_SORT_MEM, cmp_held);
	runsort_init(&h->events, sizeof(struct night_event), NIGHT_SORT_MEM, cmp_event);
	/* Radix sorts on these keys (runsort_keyed); held's key is too wide. */
	runsort_keyed(&h->pending, key_slot);
	runsort_keyed(&h->changes, key_change);
	runsort_keyed(&h->mail, key_change);
	runsort_keyed(&h->past, key_change);
	runsort_keyed(&h->events, key_event);
	if (db_cache_size(h->db, -NIGHT_CACHE_KIB, &h->cache_saved, e) < 0 ||
	    db_night_sorted_register(h, e) < 0) {
		db_night_close(h);
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
db_night_twin(struct db_night *h, struct db *twin)
{
	db_close(h->twin);
	h->twin = twin;
}

void
db_night_close(struct db_night *h)
{
	if (h == NULL)
		return;
	db_close(h->twin);
	for (int i = 0; i < ST_N; i++)
		sqlite3_finalize(h->st[i]);
	db_night_sorted_unregister(h);
	if (h->cache_saved != 0) {
		struct err ignored;
		db_cache_size(h->db, h->cache_saved, NULL, &ignored);
	}
	runsort_release(&h->pending);
	runsort_release(&h->changes);
	runsort_release(&h->mail);
	runsort_release(&h->past);
	runsort_release(&h->held);
	runsort_release(&h->events);
	free(h);
}

/*
 * held made again from the requests, in its key order (as migration 11
 * first filled it), and every batch's places marked written.
 */
static const char sql_places_again[] =
    "DELETE FROM held;"
    "INSERT INTO held(" HELD_COLS ") " HELD_ROWS
    " ORDER BY activity_ref, day, state, child_ref, submitted_at, seq;"
    "UPDATE batch SET places = 1 WHERE places = 0;";

int
db_night_places_again(struct db *db, long long *batch_id, struct err *e)
{
	if (db_places_missing(db, batch_id, e) < 0)
		return -1;
	if (*batch_id == 0)
		return 0;
	if (db_begin(db, e) < 0)
		return -1;
	if (db_exec(db, sql_places_again, e) < 0) {
		db_rollback(db);
		return err_prefix(e, "write the places of batch %lld again", *batch_id);
	}
	return db_commit(db, e);
}

/* Run one-shot SQL returning a single integer. */
int
db_night_query_int(struct db_night *h, const char *sql, long long *v, struct err *e)
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

int
db_night_fits32(long long v)
{
	return v >= INT32_MIN && v <= INT32_MAX;
}

int
db_night_col_opt_int(sqlite3_stmt *st, int i, int none)
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

		if (!db_night_fits32(ref)) {
			sqlite3_finalize(st);
			return err_set(e, ERR_INTERNAL, "activity ref %lld out of range", ref);
		}
		xgrow(acts, &cap, *n + 1, sizeof(**acts));
		a = &(*acts)[(*n)++];
		a->ref = (int32_t)ref;
		a->capacity = db_night_col_opt_int(st, 1, -1);
		a->waitlist = sqlite3_column_int(st, 2);
		a->promote_days = sqlite3_column_int(st, 3);
		a->hours_from = db_night_col_opt_int(st, 4, RULES_NO_TIME);
		a->hours_to = db_night_col_opt_int(st, 5, RULES_NO_TIME);
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
		if (!db_night_fits32(act) || !db_night_fits32(day)) {
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
		if (!db_night_fits32(ref))
			continue; /* no request can name it (see db_night_pending) */
		xgrow(children, &cap, *n + 1, sizeof(**children));
		(*children)[(*n)++] = (int32_t)ref;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return db_fail(h->db, e, "read debtors");
	return 0;
}

int
db_night_pending_from(struct db_night *h, struct err *e)
{
	sqlite3_stmt *st;
	int rc;

	if (db_prepare(h->db,
	               "SELECT coalesce((SELECT pending_from FROM batch"
	               "  ORDER BY batch_id DESC LIMIT 1), 0)",
	               &st, e) < 0)
		return -1;
	rc = sqlite3_step(st);
	h->from = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW)
		return db_fail(h->db, e, "read the last batch");
	return 0;
}

int64_t
db_night_next_from(const struct db_night *h)
{
	return h->next_from;
}

int
db_night_pending_next(struct db_night *h, int64_t cutoff, struct rules_req *r, struct err *e)
{
	int rc;

	if (h->reading == 2)
		return 0;
	if (h->reading == 0) {
		h->reading = 1;
		if (db_night_read_pending(h, cutoff, e) < 0) {
			h->reading = 2;
			return -1;
		}
	}
	rc = runsort_next(&h->pending, r, e);
	if (rc <= 0) {
		h->reading = 2;
		runsort_release(&h->pending); /* its memory, before the changes grow */
		if (rc < 0)
			return err_prefix(e, "sort the pending requests");
	}
	return rc;
}

int
db_night_waitlist_slots(struct db_night *h, struct db_night_slot **slots, size_t *n, struct err *e)
{
	return read_pairs(h,
	                  "SELECT DISTINCT activity_ref, day FROM held"
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

		if (!db_night_fits32(seq) || !db_night_fits32(child)) {
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
		r->position = r->state == RULES_WAITLISTED ? db_night_col_opt_int(st, 4, 0) : 0;
		r->arrival = r->departure = RULES_NO_TIME;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return db_fail(h->db, e, "read the slot's reservations");
	return 0;
}
