/*
 * db_mail.h - the SQL of the morning mail: the requests to report, the
 * message queue (tables message and message_request) and its state changes.
 *
 * Bookkeeping on request: reported (0/1: a compte-rendu reported its current
 * decision) and notice (0 none, 1 owed, 2 composed). Composing walks the
 * requests family by family (db_mail_requests), stores each family's
 * message with the requests it covers (db_mail_store), and flips those
 * requests' flags (db_mail_mark) in the same transaction: the morning
 * walks on one connection and stores by chunks through another
 * (morning_compose.c). Each send outcome is one statement, committed at
 * once when no transaction is open.
 *
 * The queries are prepared once per handle (struct db_mail) and reused for
 * every family and every message of a run.
 */
#ifndef NOCTURNE_DB_MAIL_H
#define NOCTURNE_DB_MAIL_H

#include <stddef.h>
#include <stdint.h>

#include "db.h"
#include "err.h"

/* The mail queue of an open database, with its prepared statements. */
struct db_mail;

/*
 * A handle on db's mail queue (nothing is prepared yet: each statement is
 * prepared on first use and kept). Free with db_mail_close() before
 * db_close(db). Never fails.
 */
struct db_mail *db_mail_open(struct db *db);
/* Finalize the handle's statements and free it. NULL is fine. */
void db_mail_close(struct db_mail *q);

/* One decided request, with what the mail needs about it. */
struct db_mail_req {
	long long seq;
	long long family_ref;
	char *family_id, *family_name, *emails;
	char *child_id, *child_name; /* "First Last" */
	char *activity;
	int32_t day;
	char *action;           /* reserve | cancel */
	int arrival, departure; /* minutes, -1 = none */
	char *state, *reason;   /* current state; reason NULL unless refused */
	int position;           /* current waiting-list position, 0 = none */
	char *shown_state;      /* the state to show (see db_mail_requests) */
	int shown_position;
	char *child_first, *child_last;
	long long activity_ref; /* see db_mail_activity */
	int64_t submitted_at;
	/* an accepted cancellation: the reservation it undid (undoes 0 = none) */
	long long undoes;
	int undone_arrival, undone_departure;
	char *undone_state; /* its last state before it was cancelled, or NULL */
	/* refused 'duplicate': the child's reservation of the slot that holds, if any */
	char *holder_state; /* accepted | waitlisted | cancelled, or NULL */
	int holder_position;
	int64_t holder_submitted;
};

enum db_mail_select {
	/* reported, notice: request_mail's (db_schema.c), 0 and 0 without a row */
	DB_MAIL_TO_REPORT = 0, /* state <> 'pending' AND reported = 0 */
	DB_MAIL_TO_NOTIFY,     /* notice = 1 AND state = 'accepted' AND reported = 1 */
};

/*
 * Called with one family's requests reqs[0..n) (n >= 1), valid during the
 * call only. Return 0 to go on, -1 (e set) to stop the walk.
 */
typedef int (*db_mail_family_fn)(void *ctx, const struct db_mail_req *reqs, size_t n,
                                 struct err *e);

/*
 * Walk the requests to put in mail, ordered by family, child (its ref: the
 * caller puts a family's children in the order it shows them), date, import order, calling fn once
 * per family as the query steps: memory holds one family's requests, never the night's. shown_state
 * is the state itself, except for a 'cancelled' reservation: the last state a batch gave it before
 * ('accepted', or 'waitlisted' with shown_position), 'accepted' if unknown. When the walk is over,
 * the requests covered by the messages fn stored through q (db_mail_store) during it are marked
 * (db_mail_mark). Call it inside a write transaction (or a read one when fn stores nothing, or
 * stores through another connection's handle, which then marks them itself). Returns 0, or -1 with
 * the database's error or fn's.
 */
int db_mail_requests(struct db_mail *q, enum db_mail_select which, db_mail_family_fn fn, void *ctx,
                     struct err *e);

/*
 * Mark the requests covered by the messages of the walk's kind stored after
 * ref after: for DB_MAIL_TO_REPORT reported = 1 (and an owed notice becomes
 * composed: the report already says Acceptée); for DB_MAIL_TO_NOTIFY
 * notice = 2.
 */
int db_mail_mark(struct db_mail *q, enum db_mail_select which, long long after, struct err *e);

/* The last message ref stored (0 when none). */
int db_mail_last_ref(struct db_mail *q, long long *ref, struct err *e);

/* A message to store. state: "pending" or "skipped" (reason says why). */
struct db_mail_new {
	const char *kind;      /* "report" | "notice" | "page" */
	long long family_ref;  /* 0 for a page */
	long long batch_id;    /* a page's batch, else 0 */
	const char *recipient; /* may be NULL */
	const char *subject;
	const char *message_id;
	const char *content;
	size_t length;
	const char *state;
	const char *reason; /* NULL unless skipped */
	int64_t now;
};

/*
 * Store m and the requests seqs[0..nseq) it covers; *ref gets the message's
 * ref. The requests are marked by the db_mail_requests walk this is called
 * from (see there).
 */
int db_mail_store(struct db_mail *q, const struct db_mail_new *m, const long long *seqs,
                  size_t nseq, long long *ref, struct err *e);

/*
 * The refs of pending messages due at now (next_at <= now) with a ref above
 * after, oldest first: a snapshot; the caller passes the highest ref it
 * already tried in the run, so a message deferred during the run is not
 * tried twice. *refs is malloc'ed (caller frees), *n its length.
 */
int db_mail_due(struct db_mail *q, int64_t now, long long after, long long **refs, size_t *n,
                struct err *e);

/* One stored message. */
struct db_mail_msg {
	long long ref;
	char *kind, *recipient, *subject, *message_id, *state;
	char *content; /* length bytes, then a NUL */
	size_t length;
	int attempts;
	int sending; /* an earlier run handed it to the server, outcome unknown */
};
/* Load message ref into *m (free with db_mail_msg_release). */
int db_mail_load(struct db_mail *q, long long ref, struct db_mail_msg *m, struct err *e);
/*
 * Load messages refs[0..n) into out[0..n) in one read transaction (outside
 * any other), so a chunk costs one snapshot, not one per message. On
 * failure nothing is left loaded.
 */
int db_mail_load_many(struct db_mail *q, const long long *refs, size_t n, struct db_mail_msg *out,
                      struct err *e);
void db_mail_msg_release(struct db_mail_msg *m);

/*
 * Outcomes, each one UPDATE (committed at once outside a transaction).
 * attempts is the new count (this attempt included); reason: the server's
 * reply or a description (may be NULL). Sent stamps sent_at; a temporary
 * failure leaves the message 'pending' until next_at.
 */
int db_mail_sent(struct db_mail *q, long long ref, int attempts, int64_t now, const char *reason,
                 struct err *e);
/*
 * Mark message ref as handed to the server (one UPDATE), before it is; each
 * outcome above clears the mark. A message still marked when loaded was
 * handed over by a run that died before committing its outcome.
 */
int db_mail_sending(struct db_mail *q, long long ref, struct err *e);
int db_mail_defer(struct db_mail *q, long long ref, int attempts, int64_t next_at, int64_t now,
                  const char *reason, struct err *e);
int db_mail_fail(struct db_mail *q, long long ref, int attempts, int64_t now, const char *reason,
                 struct err *e);

/*
 * The open days of an activity, ascending, for its deadline rule: *days
 * malloc'ed (caller frees; NULL when none), *n its length.
 */
int db_mail_openings(struct db_mail *q, long long activity_ref, int32_t **days, size_t *n,
                     struct err *e);

/* What the mail says about an activity (read once per activity and run). */
struct db_mail_activity {
	char *structure;          /* "" when none */
	int hours_from, hours_to; /* minutes, -1 = none */
	int waitlist;             /* 0 none, -1 unlimited, N */
	int deadline_days, deadline_time;
	int deadline_rule; /* enum rules_deadline_rule */
	int deadline_wday; /* week rule: 0 = Monday .. 6 = Sunday */
};
/* Read activity ref into *a (a->structure malloc'ed: caller frees). */
int db_mail_activity(struct db_mail *q, long long ref, struct db_mail_activity *a, struct err *e);
/* 1 when the page of batch batch_id is stored already, else 0; -1 on error. */
int db_mail_page_exists(struct db_mail *q, long long batch_id, struct err *e);

/* How many messages are pending, and the earliest next_at among them. */
int db_mail_pending(struct db_mail *q, long long *count, int64_t *next_at, struct err *e);

#endif
