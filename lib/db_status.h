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
 * with batch_id > 0 those whose current batch_id is batch_id, read in
 * parts, by ranges of import order, on db or on a twin of it (db.h) from
 * another thread (export_parts.h): db_status_export_open reads what every
 * part needs (the ids the rows name, the range of seq) once, in db's read
 * transaction; db_status_export_part gives the rows whose seq is in
 * [from, to), in order, read through conn. Parts read on different
 * connections may run at once; the export is only read by them.
 */
struct db_status_export;
int db_status_export_open(struct db *db, long long batch_id, struct db_status_export **out,
                          struct err *e);
/* The seq of the export's first and last request; *last < *first when there is none. */
void db_status_export_span(const struct db_status_export *x, long long *first, long long *last);
int db_status_export_part(const struct db_status_export *x, struct db *conn, long long from,
                          long long to, int (*fn)(const struct export_row *r, void *arg), void *arg,
                          struct err *e);
void db_status_export_close(struct db_status_export *x);

#endif
