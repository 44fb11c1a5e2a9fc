/*
 * db_night.h - the SQL of one nightly batch (tables request, batch,
 * decision; reads activity, opening, child, family).
 *
 * A struct db_night holds the batch's prepared statements, reused for every
 * row, and external sorts (runsort.h) of its changes, places and events.
 * The caller runs them in three transactions (night.c): the reads
 * (db_night_activities ... db_night_pending_next,
 * db_night_slot_reservations), db_night_write, db_night_event and
 * db_night_sort in a read snapshot (db_begin_read: recording touches only
 * the sorts, so no write lock is taken), then db_night_new_batch,
 * db_night_apply and db_night_finish_batch in one write transaction
 * (db_begin) that the caller commits: the batch is stored whole or not at
 * all. Then the batch's places, db_night_apply_places, in a write
 * transaction of their own (schema 16: readers of held wait for it). The
 * pending requests stream in slot order, one slot at a time, as the compact
 * struct rules_req of rules.h: memory holds a slot and a few megabytes of
 * sorted records, not the batch.
 */
#ifndef NOCTURNE_DB_NIGHT_H
#define NOCTURNE_DB_NIGHT_H

#include <stddef.h>
#include <stdint.h>

#include "db.h"
#include "err.h"
#include "rules.h"

struct db_night;

/* An (activity, day) pair. */
struct db_night_slot {
	int32_t activity;
	int32_t day;
};

/* Prepare the statements. Free with db_night_close() (NULL is fine). */
int db_night_open(struct db *db, struct db_night **out, struct err *e);
void db_night_close(struct db_night *h);
/*
 * A twin of the night's connection (db.h: db_twin_open before the night's
 * read transaction began), for a second thread reading half of the pending
 * requests when there are many (db_night_pending.c). h owns it from now on.
 */
void db_night_twin(struct db_night *h, struct db *twin);

/*
 * Number the batch, one past the highest so far (*batch_id), and keep what
 * its row will say: ran_at = now (the schema's cutoff column is written
 * equal to it), started_at = wall, delivery 'pending' when deliver else
 * 'none', events = 1 (it records its events). The row itself is inserted
 * whole by db_night_finish_batch, the write phase's last statement (see
 * there).
 */
int db_night_new_batch(struct db_night *h, int64_t now, int64_t wall, int deliver,
                       long long *batch_id, struct err *e);

/* Every activity's rules, sorted by ref, into a malloc'ed array (caller frees). */
int db_night_activities(struct db_night *h, struct rules_activity **acts, size_t *n, struct err *e);

/*
 * The openings of every activity whose deadline_rule is 'open', sorted by
 * (activity, day), into a malloc'ed array (caller frees): one read for the
 * whole night, whatever the number of requests.
 */
int db_night_open_days(struct db_night *h, struct db_night_slot **days, size_t *n, struct err *e);

/* The children of families whose balance is < 0, sorted (caller frees). */
int db_night_debtors(struct db_night *h, int32_t **children, size_t *n, struct err *e);

/*
 * Where this night reads from: the last batch's pending_from (0 when none:
 * the whole table), kept in h. Call once, before db_night_pending_next.
 */
int db_night_pending_from(struct db_night *h, struct err *e);

/*
 * The next pending request with submitted_at <= cutoff from the last
 * batch's pending_from on (db_night_pending_from), in slot order
 * (activity, day), then (submitted_at, seq), into *r (pending, flags 0):
 * 1, or 0 when there is none left, or -1. The first call sorts them all
 * (in temporary files past a few megabytes): memory does not grow with
 * the batch. Other db_night calls may run between two calls.
 */
int db_night_pending_next(struct db_night *h, int64_t cutoff, struct rules_req *r, struct err *e);

/*
 * Once db_night_pending_next has returned 0: the pending_from this batch
 * stores, found as the pending requests were read (the lowest seq at or
 * after the last one's that stays pending, submitted after cutoff, or one
 * past the highest seq).
 */
int64_t db_night_next_from(const struct db_night *h);

/* The slots holding waitlisted requests, sorted, into a malloc'ed array. */
int db_night_waitlist_slots(struct db_night *h, struct db_night_slot **slots, size_t *n,
                            struct err *e);

/*
 * The slot's opening: *open = 1 when the activity opens that day, and then
 * *has_cap and *cap its own capacity (has_cap 0 when NULL).
 */
int db_night_opening(struct db_night *h, int32_t activity, int32_t day, int *open, int *has_cap,
                     int *cap, struct err *e);

/*
 * Replace *reqs[0..*n) with the slot's reservations that hold a place
 * (accepted) or wait in its list (waitlisted, with their position).
 */
int db_night_slot_reservations(struct db_night *h, int32_t activity, int32_t day,
                               struct rules_req **reqs, size_t *n, size_t *cap, struct err *e);

/*
 * Record what the batch did to one request (nothing unless RULES_F_CHANGED
 * or RULES_F_MOVED), in an external sort by request (memory, then a
 * temporary file), in any order; was is its state before the batch
 * (RULES_PENDING, or the state db_night_slot_reservations read): the place
 * it held, if any, goes from the table held and the one it holds now
 * comes in, in another such sort, in held's order.
 */
int db_night_write(struct db_night *h, const struct rules_req *r, uint8_t was, struct err *e);

/*
 * Record one event of the batch (rules.h struct rules_event) in an external
 * sort; the order of the calls is the order of the events in the batch.
 */
int db_night_event(struct db_night *h, const struct rules_event *ev, struct err *e);

/*
 * Sort the recorded changes by request, the places by held's key and the
 * events by (request, order),
 * ready for db_night_apply (in the read phase: the write phase then appends
 * in key order).
 */
int db_night_sort(struct db_night *h, struct err *e);

/*
 * Apply the recorded changes: the events into the event table, the
 * decisions earlier batches made of the requests it changes into
 * decision_kept, then the requests: state, reason, position, batch_id
 * (changed ones), undoes, and the mail bookkeeping (promoted: a notice is
 * owed if a compte-rendu reported it waitlisted; cancelled: an owed notice
 * is dropped; expired: to be reported again). Moved ones get their
 * position. The places are db_night_apply_places's.
 */
int db_night_apply(struct db_night *h, long long batch_id, struct err *e);

/*
 * Insert the batch row (db_night_new_batch) with its counts, finished_at
 * and pending_from (db_night_next_from); places is 0 when it has places to
 * write (db_night_has_places), else 1.
 */
int db_night_finish_batch(struct db_night *h, long long batch_id, const struct rules_counts *c,
                          int64_t finished_at, int64_t pending_from, struct err *e);

/* Whether the batch changes held (db_night_apply_places has work). */
int db_night_has_places(const struct db_night *h);

/*
 * In a write transaction of the caller's, after the batch's commit: the
 * places that went and came, in held (in held's key order), and the batch
 * row's places = 1.
 */
int db_night_apply_places(struct db_night *h, long long batch_id, struct err *e);

/*
 * Before a night reads anything: when a batch's places were never written
 * (its run stopped between its two commits), held made again from the
 * requests in a write transaction of its own, and every batch marked
 * (*batch_id: the first such batch, 0 when there was none).
 */
int db_night_places_again(struct db *db, long long *batch_id, struct err *e);

#endif
