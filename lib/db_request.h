/*
 * db_request.h - the read-only queries behind nocturne-status --request
 * (explain.h): one request, its slot as it stands now, its links to the
 * requests it undid or that undid it, its waiting list and its decisions.
 *
 * Like db_status.h, every function only reads; the caller holds one read
 * transaction around the series, and a callback returns 0 to go on or -1
 * to stop (the listing then returns -1 too); strings passed to a callback
 * are valid only during the call.
 */
#ifndef NOCTURNE_DB_REQUEST_H
#define NOCTURNE_DB_REQUEST_H

#include <stddef.h>
#include <stdint.h>

#include "db.h"
#include "err.h"

/* Everything about one request and its slot. Strings are owned (release). */
struct db_request {
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
 * such request, -1 on error. Release out with db_request_release()
 * whatever the result.
 */
int db_request_read(struct db *db, const char *request_id, struct db_request *out, struct err *e);
void db_request_release(struct db_request *r);

/* The slot's waiting list in order (its stored positions). */
int db_request_waitlist(struct db *db, long long activity_ref, int32_t day,
                        int (*fn)(const char *request_id, long long position, void *arg), void *arg,
                        struct err *e);

/* One line of a request's history in the decision table. */
struct db_request_decision {
	long long batch_id;
	int64_t ran_at;
	const char *state;
	const char *reason; /* NULL when none */
	int has_position;
	long long position;
};

/* The decisions about request seq, oldest batch first. */
int db_request_decisions(struct db *db, long long seq,
                         int (*fn)(const struct db_request_decision *d, void *arg), void *arg,
                         struct err *e);

#endif
