/*
 * db_mail.h - the SQL of the morning mail: the requests to report, the
 * message queue (tables message and message_request) and its state changes.
 *
 * Bookkeeping on request: reported (0/1: a compte-rendu reported its current
 * decision) and notice (0 none, 1 owed, 2 composed). Composing a message
 * stores it with the requests it covers and flips those flags in the same
 * transaction (the caller's db_begin). Each send outcome is one statement,
 * committed at once when no transaction is open.
 */
#ifndef NOCTURNE_DB_MAIL_H
#define NOCTURNE_DB_MAIL_H

#include <stddef.h>
#include <stdint.h>

#include "db.h"
#include "err.h"

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
};

enum db_mail_select {
	DB_MAIL_TO_REPORT = 0, /* state <> 'pending' AND reported = 0 */
	DB_MAIL_TO_NOTIFY,     /* notice = 1 AND state = 'accepted' AND reported = 1 */
};

/*
 * The requests to put in mail, ordered by family, child (last name, first
 * name), date, import order. shown_state is the state itself, except for a
 * 'cancelled' reservation: the last state a batch gave it before
 * ('accepted', or 'waitlisted' with shown_position), 'accepted' if unknown.
 * *out is malloc'ed (free with db_mail_reqs_free), *n its length.
 */
int db_mail_requests(struct db *db, enum db_mail_select which, struct db_mail_req **out, size_t *n,
                     struct err *e);
void db_mail_reqs_free(struct db_mail_req *r, size_t n);

/* A message to store. state: "pending" or "skipped" (reason says why). */
struct db_mail_new {
	const char *kind; /* "report" | "notice" */
	long long family_ref;
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
 * Store m, the requests seqs[0..nseq) it covers, and mark them: a report
 * sets reported = 1 (and an owed notice becomes composed: the report already
 * says Acceptée); a notice sets notice = 2. *ref gets the message's ref.
 */
int db_mail_store(struct db *db, const struct db_mail_new *m, const long long *seqs, size_t nseq,
                  long long *ref, struct err *e);

/* The refs of pending messages due at now (next_at <= now), oldest first. */
int db_mail_due(struct db *db, int64_t now, long long **refs, size_t *n, struct err *e);

/* One stored message. */
struct db_mail_msg {
	long long ref;
	char *kind, *recipient, *subject, *message_id, *state;
	char *content;
	size_t length;
	int attempts;
};
int db_mail_load(struct db *db, long long ref, struct db_mail_msg *m, struct err *e);
void db_mail_msg_release(struct db_mail_msg *m);

/*
 * Outcomes, each one UPDATE (committed at once outside a transaction).
 * attempts is the new count (this attempt included); reason: the server's
 * reply or a description (may be NULL). Sent stamps sent_at; a temporary
 * failure leaves the message 'pending' until next_at.
 */
int db_mail_sent(struct db *db, long long ref, int attempts, int64_t now, const char *reason,
                 struct err *e);
int db_mail_defer(struct db *db, long long ref, int attempts, int64_t next_at, int64_t now,
                  const char *reason, struct err *e);
int db_mail_fail(struct db *db, long long ref, int attempts, int64_t now, const char *reason,
                 struct err *e);

/* How many messages are pending, and the earliest next_at among them. */
int db_mail_pending(struct db *db, long long *count, int64_t *next_at, struct err *e);

#endif
