/*
 * db_batch.h - the SQL of the back-office delivery (contract section 7).
 *
 * Which batches still wait for delivery, the rows a batch's delivery sends
 * (the batch's decision snapshot joined with the immutable columns of its
 * requests, so a redelivery sends the same bytes), and the recording of each
 * attempt's outcome on the batch row.
 */
#ifndef NOCTURNE_DB_BATCH_H
#define NOCTURNE_DB_BATCH_H

#include <stddef.h>
#include <stdint.h>

#include "db.h"
#include "err.h"
#include "export.h"

/*
 * The batches with delivery = 'pending', oldest (smallest batch_id) first.
 * On success *ids is a malloc'ed array of *n ids (NULL when none): caller
 * frees. On failure nothing is allocated.
 */
int db_batch_undelivered(struct db *db, long long **ids, size_t *n, struct err *e);

/*
 * The oldest batch with delivery = 'pending': 1 with *id and *ran_at (the
 * batch's clock) set, 0 when none waits, -1 on error.
 */
int db_batch_oldest_undelivered(struct db *db, long long *id, int64_t *ran_at, struct err *e);

/* A cursor over the body rows of one batch. */
struct db_batch_rows;

/*
 * Open a cursor over batch_id's decisions in import (seq) order: one row per
 * request the batch decided or changed, with its state, reason and position
 * as they stood at the batch's commit, batch_id = the batch and decided_at =
 * the batch's ran_at. A batch that does not exist is ERR_INTERNAL. Inside
 * a transaction: the children's and activities' ids are read at the open,
 * once (db_export_names). Close with db_batch_rows_close().
 */
int db_batch_rows_open(struct db *db, long long batch_id, struct db_batch_rows **out,
                       struct err *e);

/*
 * The next row into *r: 1 when a row was read, 0 at the end, -1 on error.
 * The strings in *r belong to the cursor and stay valid until the next call.
 */
int db_batch_rows_next(struct db_batch_rows *c, struct export_row *r, struct err *e);

/* Start again from the first row. 0 or -1. */
int db_batch_rows_rewind(struct db_batch_rows *c, struct err *e);

/* Finalize the cursor. NULL is fine. */
void db_batch_rows_close(struct db_batch_rows *c);

/*
 * Record a successful delivery: delivery = 'delivered', delivered_at = at,
 * delivery_status = the HTTP status, delivery_attempts + 1, delivery_error
 * cleared. Its own write transaction. 0 or -1.
 */
int db_batch_mark_delivered(struct db *db, long long batch_id, int64_t at, int status,
                            struct err *e);

/*
 * Record a failed attempt: the batch stays 'pending', delivery_attempts + 1,
 * delivery_status = the HTTP status (0 = no answer: stored as NULL),
 * delivery_error = why. Its own write transaction. 0 or -1.
 */
int db_batch_mark_failed(struct db *db, long long batch_id, int status, const char *why,
                         struct err *e);

/*
 * The newest batch: its number (*id, 0 when there is none yet) and clock
 * (*ran_at, 0 when none). 0 or -1.
 */
int db_batch_last(struct db *db, long long *id, int64_t *ran_at, struct err *e);

/*
 * The clock never goes backwards (contract section 10): ERR_USAGE naming
 * both times when now is before the newest batch's ran_at, else 0. what
 * says what the clock was for ("tonight's batch", "this morning's mail").
 */
int db_batch_check_clock(struct db *db, int64_t now, const char *what, struct err *e);

#endif
