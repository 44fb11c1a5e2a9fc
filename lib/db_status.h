/*
 * db_status.h - the read-only queries behind nocturne-status.
 *
 * Every function here only reads. Callers wrap a series of calls in one
 * read transaction (db_begin_read ... db_rollback) so a report is one
 * consistent snapshot while the portal and the nightly tools keep writing.
 *
 * Lists are streamed through a callback, one row at a time, so a report over
 * a million requests never holds them in memory. A callback returns 0 to go
 * on or -1 to stop (it then fills the struct err it was given through its
 * argument, if any); the listing function then returns -1 too. Strings passed
 * to a callback are valid only during the call.
 */
#ifndef NOCTURNE_DB_STATUS_H
#define NOCTURNE_DB_STATUS_H

#include <stdint.h>

#include "db.h"
#include "err.h"
#include "export.h"

/* Pending requests ("Non transmise"). */
struct db_status_pending {
	long long count;
	int64_t oldest; /* submitted_at of the oldest, when count > 0 */
};

int db_status_pending(struct db *db, struct db_status_pending *out, struct err *e);

/* Pending requests per activity, in activity_id order. */
int db_status_pending_by_activity(struct db *db,
                                  int (*fn)(const char *activity_id, const char *name,
                                            long long count, void *arg),
                                  void *arg, struct err *e);

/* One batch row. */
struct db_status_batch {
	long long batch_id;
	int64_t ran_at; /* the clock, and the cutoff: requests submitted up to it */
	int64_t started_at, finished_at;
	long long n_requests, n_accepted, n_waitlisted, n_refused;
	long long n_closed, n_deadline, n_times, n_debtor, n_full, n_duplicate, n_nothing_to_cancel;
	long long n_promoted, n_expired, n_cancelled;
	const char *delivery; /* "none" | "pending" | "delivered" */
	long long delivery_attempts;
	int has_delivered_at;
	int64_t delivered_at;
	int has_delivery_status;
	long long delivery_status;  /* last HTTP status */
	const char *delivery_error; /* NULL when none */
};

/*
 * Batches, newest first: with only_id > 0 just that one, else the last
 * limit ones (limit <= 0: all). Returns the number of rows given to fn,
 * or -1.
 */
int db_status_batches(struct db *db, long long only_id, int limit,
                      int (*fn)(const struct db_status_batch *b, void *arg), void *arg,
                      struct err *e);

/* The mail queue in numbers. */
struct db_status_mail {
	long long pending, sent, failed, skipped, bounced;
	int has_next;
	int64_t next_at; /* earliest next_at of a pending message */
};

int db_status_mail(struct db *db, struct db_status_mail *out, struct err *e);

/* One message (its content is not read). */
struct db_status_message {
	long long ref;
	const char *kind; /* "report" | "notice" */
	const char *family_id;
	const char *family_name;
	const char *recipient; /* NULL when the family has no usable address */
	const char *state;     /* pending | sent | failed | skipped | bounced */
	const char *reason;    /* last reply, or why skipped; NULL when none */
	long long attempts;
	int64_t created_at, next_at;
	int has_sent_at;
	int64_t sent_at;
	int64_t bounced_at;        /* state 'bounced': when it was recorded */
	const char *bounce_status; /* and its status, NULL otherwise */
	const char *bounce_diagnostic;
};

/*
 * Messages in ref order: only those in state only_state, or with only_state
 * NULL every message that is not 'sent'. Returns rows given, or -1.
 */
int db_status_messages(struct db *db, const char *only_state,
                       int (*fn)(const struct db_status_message *m, void *arg), void *arg,
                       struct err *e);

/* The messages that reported request seq, in ref order. */
int db_status_request_messages(struct db *db, long long seq,
                               int (*fn)(const struct db_status_message *m, void *arg), void *arg,
                               struct err *e);

/* One slot (activity, day) a batch decided requests of, as it stands now. */
struct db_status_slot {
	const char *activity_id, *activity_name;
	int32_t day;
	int has_capacity;   /* 0: unlimited */
	long long capacity; /* the opening's, else the activity's */
	long long taken;    /* accepted reservations */
	long long waiting;  /* waitlisted requests */
};

/*
 * The slots of the requests batch batch_id decided or changed, by activity
 * name then day. Returns rows given, or -1.
 */
int db_status_batch_slots(struct db *db, long long batch_id,
                          int (*fn)(const struct db_status_slot *s, void *arg), void *arg,
                          struct err *e);

/* 1 if batch batch_id exists, 0 if not, -1 on error. */
int db_status_batch_exists(struct db *db, long long batch_id, struct err *e);

/*
 * The export rows (contract section 5) in import order: every request, or
 * with batch_id > 0 those whose current batch_id is batch_id. Streams; returns
 * rows given or -1.
 */
int db_status_export(struct db *db, long long batch_id,
                     int (*fn)(const struct export_row *r, void *arg), void *arg, struct err *e);

/* Everything about one request and its slot. Strings are owned (release). */
struct db_status_request {
	long long seq;
	char *request_id;
	char *child_id, *child_first, *child_last;
	char *family_id, *family_name;
	long long balance_cents;
	long long activity_ref;
	char *activity_id, *activity_name;
	int has_capacity;
	long long capacity; /* the activity's */
	long long waitlist; /* 0 none, -1 unlimited, N limit */
	long long promote_days;
	int has_hours;
	int hours_from, hours_to;
	long long deadline_days;
	int deadline_time;
	int deadline_rule;  /* enum rules_deadline_rule */
	int deadline_wday;  /* week rule */
	int32_t *open_days; /* rule open: the activity's open days, sorted (owned) */
	size_t n_open_days;
	int32_t day;
	char *action; /* reserve | cancel */
	int has_arrival, has_departure;
	int arrival, departure;
	int64_t submitted_at;
	char *state;
	char *reason; /* NULL unless refused */
	int has_position;
	long long position;
	long long batch_id; /* 0 while pending */
	int64_t ran_at;     /* that batch's clock */
	int notice;         /* 0 none, 1 owed, 2 composed */

	/* The slot (activity, day) as it stands now. */
	int open; /* an opening exists that day */
	int has_opening_capacity;
	long long opening_capacity;
	long long places_taken; /* accepted reservations */
	long long waiting;      /* waitlisted reservations */

	/* Links. */
	char *undoes_id;    /* accepted cancel: the reservation it undid */
	char *undoes_prev;  /* that reservation's state before this batch, or NULL */
	char *undone_by;    /* cancelled reservation: the cancellation, or NULL */
	char *prev_state;   /* this request's state before its current batch, or NULL */
	int was_waitlisted; /* some earlier decision put it on the waiting list */
	char *holder_id;    /* refused duplicate: the child's request holding the slot,
	                     * only when it provably held it when this one was refused */
};

/*
 * Read request request_id into out. Returns 1 if found, 0 if there is no
 * such request, -1 on error. Release out with db_status_request_release()
 * whatever the result.
 */
int db_status_request(struct db *db, const char *request_id, struct db_status_request *out,
                      struct err *e);
void db_status_request_release(struct db_status_request *r);

/* The slot's waiting list in order (its stored positions). */
int db_status_waitlist(struct db *db, long long activity_ref, int32_t day,
                       int (*fn)(const char *request_id, long long position, void *arg), void *arg,
                       struct err *e);

/* One line of a request's history in the decision table. */
struct db_status_decision {
	long long batch_id;
	int64_t ran_at;
	const char *state;
	const char *reason; /* NULL when none */
	int has_position;
	long long position;
};

/* The decisions about request seq, oldest batch first. */
int db_status_decisions(struct db *db, long long seq,
                        int (*fn)(const struct db_status_decision *d, void *arg), void *arg,
                        struct err *e);

#endif
