/*
 * db_event.h - the record of what the rules decided, event by event.
 *
 * Each batch writes, with its decisions, one row per transition the rules
 * made (rules.h struct rules_event): a request accepted, waitlisted at a
 * position, refused with the facts of the refusal (the deadline applied, the
 * hours and the bound that failed, the request holding the slot), promoted
 * (into the place freed by which cancellation), cancelled (by which
 * cancellation, from which state), expired. Table:
 *
 *   event(seq, batch_id, n, kind, reason, position, other, prev, deadline,
 *         hours_from, hours_to, detail)   PRIMARY KEY (seq, batch_id, n)
 *
 * n orders the events of one batch as they happened. batch.events is 1 for
 * the batches that recorded their events; batches written before the record
 * existed have none (and must be explained from their decisions alone).
 *
 * Most of a night's events are said all by their decision (a request
 * accepted, or refused closed, debtor or nothing_to_cancel, and nothing else
 * happening to it that night): those are not stored, and the view event_log
 * (same columns) gives them back from the decision rows of the batches that
 * record events, n = 0, other = the undone reservation of a cancel. Read
 * event_log, not event.
 *
 * Read-only here; the night writes them (db_night.h). Callers hold a read
 * transaction (db_begin_read) for a consistent view.
 */
#ifndef NOCTURNE_DB_EVENT_H
#define NOCTURNE_DB_EVENT_H

#include <stdint.h>

#include "db.h"
#include "err.h"

/* One recorded event. Strings are valid during the callback only. */
struct db_event {
	long long seq;        /* the request */
	long long batch_id;   /* the batch that made it */
	long long n;          /* its order within the batch */
	int64_t ran_at;       /* the batch's clock */
	int kind;             /* enum rules_event_kind */
	int reason;           /* enum rules_reason (refused), RULES_OK otherwise */
	long long position;   /* see struct rules_event; 0 = none */
	long long other;      /* the other request's seq; 0 = none */
	const char *other_id; /* its request_id; NULL = none */
	int prev;             /* cancelled: enum rules_state it left; 0 otherwise */
	int has_deadline;
	int64_t deadline; /* refused deadline: the instant applied */
	int has_hours;
	int hours_from, hours_to; /* refused times: the hours applied */
	int detail;               /* times: enum rules_times_fail; full: enum rules_full_why */
};

/*
 * The events of request seq, oldest first (batch, then n); with
 * batch_id > 0 only that batch's. fn returns 0 to go on, -1 to stop.
 * Returns the number of events given to fn, or -1.
 */
int db_event_list(struct db *db, long long seq, long long batch_id,
                  int (*fn)(const struct db_event *ev, void *arg), void *arg, struct err *e);

/* 1 when batch batch_id recorded its events, 0 when not (older, or no such batch), -1. */
int db_event_recorded(struct db *db, long long batch_id, struct err *e);

#endif
