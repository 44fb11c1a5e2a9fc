/*
 * night.h - one nightly batch (contract section 4), atomic.
 *
 * night_resolve() reads, in a read transaction (a snapshot), every pending
 * request submitted at or before the clock, resolves slot by slot with
 * rules.h (the slots with pending requests and every slot that has a waiting
 * list, so a raised capacity promotes even without a new request; the
 * waiting lists of past days expire) and records the changes in external
 * sorts (runsort.h). Then it opens a write transaction (BEGIN IMMEDIATE),
 * applies the changes in import order (a request's row is its last batch's
 * decision; the one an earlier batch made is kept apart before it changes:
 * db_schema.c, schema 15) and the slots' places, and writes the batch row
 * with its counts: the portal's inserts wait only for this
 * write phase, and requests inserted after the snapshot stay pending for the
 * next night. It leaves the write transaction open: the caller stores it
 * (night_store) or, for a dry run, looks at it (night_export), rolls it
 * back (db_rollback), and calls night_end and night_release (the write
 * phase runs with the connection's foreign keys and CHECKs off: every
 * reference it writes is its own, every state, reason and kind a name of
 * rules.h). Nothing is stored until the commit, so a crash or a kill
 * leaves the database as it was.
 *
 * The batch's places in held (the slots' places, nocturne's own index of
 * the requests that hold or wait for a place) follow in a write
 * transaction of their own (schema 16, night_store): the portal's inserts
 * wait for each of the two, not for both (a million requests: 0.7 s and
 * 0.4 s instead of 1.1 s). A reader of held waits for them
 * (db_begin_read_places); a run that finds a batch whose places were never
 * written (its night stopped between the two commits) writes held again
 * from the requests first (night_places_again: nocturne-transmit, and
 * nocturne-notify while no night runs).
 */
#ifndef NOCTURNE_NIGHT_H
#define NOCTURNE_NIGHT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "config.h"
#include "db.h"
#include "err.h"
#include "rules.h"

struct db_night;

struct night_result {
	long long batch_id; /* the batch's number */
	int64_t ran_at;     /* its clock (now) */
	size_t n_slots;     /* slots resolved */
	size_t n_moved;     /* waiting-list positions renumbered without a decision */
	struct rules_counts counts;
	struct db_night *places; /* its places, for night_store (NULL: none to write) */
	double write_secs;       /* how long its write phase held the write lock */
};

/*
 * Resolve one batch at clock now with cfg's [transmit] rules; the batch
 * expects a back-office delivery when cfg->bo_url is set. On success the
 * write transaction is still open (see above) and *res is filled. On
 * failure everything is rolled back and e says why (ERR_TEMP when another
 * writer kept the database busy past the timeout).
 */
int night_resolve(struct db *db, const struct config *cfg, int64_t now, struct night_result *res,
                  struct err *e);

/*
 * Store the batch night_resolve left open: commit it, synced (durable
 * before anyone hears of it: the back office, notify), then night_end,
 * then its places in a write transaction of their own (when its write
 * phase held the lock long, a tenth of a second after the batch's commit
 * first: SQLite's busy handler tries every 100 ms once it has waited a
 * quarter of a second, so a writer that waited through the batch gets in
 * before the places). Always releases res. 0: all stored; -1: the batch
 * could not be committed (nothing stored); 1: the batch is stored but its
 * places could not be written (e says so; the next run writes them).
 */
int night_store(struct db *db, struct night_result *res, struct err *e);

/* After night_resolve's transaction is committed or rolled back: the
 * connection's foreign keys and CHECKs on again (a failure is ignored: the
 * night's writes are over). */
void night_end(struct db *db);

/*
 * For a run that holds the transmit lock, before it reads held: when a
 * batch's places were never written (its night stopped between its two
 * commits), held made again from the requests, in a write transaction of
 * its own, and a line saying so (log_info). Nothing to do: nothing written.
 */
int night_places_again(struct db *db, struct err *e);

/* Free what night_resolve kept for night_store (NULL-safe, idempotent). */
void night_release(struct night_result *res);

/*
 * Write the decisions of batch batch_id to fp in the export format (contract
 * section 5), header first. Works inside night_resolve's transaction too.
 */
int night_export(struct db *db, long long batch_id, FILE *fp, struct err *e);

/*
 * One line of counts: "N requests: A accepted, W waitlisted, F refused
 * (closed 1, full 2), P promoted, E expired, C cancelled". Reasons with a
 * zero count are left out.
 */
void night_summary(const struct rules_counts *c, char *buf, size_t size);

#endif
