/*
 * db.h - the nocturne database: opening, schema, transactions.
 *
 * All SQL lives in lib/db*.c (this file and its table-group companions:
 * db_import.c, db_night.c, db_mail.c, db_batch.c...), which share the private
 * lib/db_int.h. Everything else sees an opaque struct db.
 *
 * The database is SQLite in WAL mode with a busy timeout, so the portal can
 * keep inserting requests while a batch runs. The schema is versioned with
 * PRAGMA user_version and migrated forward on open.
 *
 * Schema (version 1), in words:
 *   family(ref, family_id, name, emails, balance_cents)
 *   child(ref, child_id, family_ref, first_name, last_name)
 *   activity(ref, activity_id, name, structure, capacity NULL=unlimited,
 *            waitlist 0=none -1=unlimited N=limit, promote_days,
 *            hours_from/hours_to minutes NULL=no hours, deadline_days,
 *            deadline_time minutes)
 *   opening(activity_ref, day, capacity NULL=activity's)
 *   request(seq = import order, request_id, child_ref, activity_ref, day,
 *           action 'reserve'|'cancel', arrival/departure minutes or NULL,
 *           submitted_at instant, state, reason, position, batch_id,
 *           undoes = seq of the reservation an accepted cancellation undid,
 *           reported 0/1 = a compte-rendu composed since its last decision,
 *           notice 0 none / 1 owed / 2 composed)
 *   batch(batch_id, ran_at = the batch's clock (decided_at), cutoff (always
 *         = ran_at: requests submitted up to the clock), counts,
 *         delivery 'none'|'pending'|'delivered', delivery details)
 *   decision(batch_id, seq, state, reason, position): each request a batch
 *           decided or changed, as it stood at the batch's commit
 *   message(ref, kind 'report'|'notice', family_ref, recipient, subject,
 *           message_id, state 'pending'|'sent'|'failed'|'skipped', reason,
 *           attempts, times)
 *   message_content(message_ref, content = the RFC 5322 bytes), apart so
 *           that a state change does not rewrite the message's bytes
 *   message_request(message_ref, seq): the requests a message covers
 * Version 4 (bounces, the service's page): message.state may be 'bounced',
 * with bounced_at, bounce_status, bounce_diagnostic; message.kind may be
 * 'page' (the morning page mailed to [report] to: no family_ref, its
 * batch_id, one per batch); and
 *   bounce(ref, family_ref, address = the recipient it returned from,
 *          message_ref UNIQUE, bounced_at, status, diagnostic): one row per
 *          hard bounce (see db_bounce.h)
 *   tool_run(tool, last_success_at instant, duration_ms) (version 5): the
 *           last run of each tool that ended well, for the metrics file
 * Days are days since 1970-01-01, instants seconds since 1970-01-01 local
 * (see when.h), times of day minutes since midnight.
 */
#ifndef NOCTURNE_DB_H
#define NOCTURNE_DB_H

#include "err.h"

struct db;

enum db_open_mode {
	DB_OPEN_EXISTING = 0, /* a missing database is ERR_NOINPUT */
	DB_OPEN_CREATE = 1,   /* create it (and its schema) when missing */
	DB_OPEN_READONLY = 2, /* existing, read-only: no migration, no write */
};

/*
 * Before the process's first db_open, if at all: SQLite's page caches from
 * one pool of kib KiB in huge pages, where the kernel gives them (else
 * nothing changes). SQLite then keeps the caches of all the process's
 * connections within the pool: for a tool whose cache is that size or
 * whose reads are scans (transmit, import, status), not for one that
 * rereads a large cache (notify's 32 MiB: x1.4 the time in 8 MiB).
 */
void db_page_pool(int kib);

/* The pool of those tools: the night's cache (8 MiB) fits in it. */
#define DB_PAGE_POOL_KIB 8192

/*
 * Open (and migrate) the database at path. busy_ms: how long a statement
 * waits for another writer. On success *out is set; free with db_close().
 *
 * DB_OPEN_READONLY (nocturne-status) opens with SQLITE_OPEN_READONLY and
 * migrates nothing: a schema newer than this build, or older (not yet
 * migrated by a writing tool), is ERR_CONFIG naming both versions; a
 * database with no schema at all (an empty file) is ERR_NOINPUT. A reader
 * who may not create the WAL index (-shm) beside a database no writer has
 * open (no -wal file) reads it as immutable: the only way SQLite reads a
 * WAL database from a folder it cannot write to.
 */
int db_open(struct db **out, const char *path, int busy_ms, enum db_open_mode mode, struct err *e);

/*
 * A second connection to db's database, for another thread of the same
 * run (the morning mail: one thread composes, one sends). The two share a
 * write lock in the process: db_begin() on either waits for the other's
 * write transaction to end (commit or rollback) rather than for SQLite's
 * busy timeout, which sleeps. Other processes (the portal, a night) still
 * meet the busy timeout. cache_kib > 0: the sibling's page cache, in KiB,
 * instead of the tools' own (a connection that reads each page once needs
 * little). Close the sibling before db.
 */
int db_open_sibling(struct db *db, struct db **out, int cache_kib, struct err *e);
/*
 * A twin: a second connection reading the very snapshot db reads, for a
 * second thread of one view (the export of nocturne-status, the night's
 * read of its pending requests). SQLite without its snapshot API cannot
 * open a read transaction at another connection's snapshot, so the twin
 * proves it instead:
 *
 *   twin = db_twin_open(db, "export");  before db's read transaction begins
 *   db_begin_read(db, e); ...read...     db's snapshot is taken by its first read
 *   db_twin_join(twin, e);               1: twin is in a read transaction of
 *                                        that same snapshot
 *
 * The twin reads PRAGMA data_version when it opens and again in the read
 * transaction join begins: the same value means no other connection
 * committed in between, so db's snapshot, taken between the two, is the
 * twin's. 0: a commit came between (the twin is then in no transaction;
 * read without it), -1 on an error. A view can always do without its
 * twin: db_twin_open gives NULL when none can be had, and both say why
 * under -vv, naming the view (what). The twin opens in db's own mode
 * (read-only for nocturne-status), with a page cache of DB_TWIN_CACHE_KIB
 * (it reads each page once). Close it with db_close (it ends its
 * transaction); NULL is fine.
 */
#define DB_TWIN_CACHE_KIB 1024
struct db *db_twin_open(struct db *db, const char *what);
int db_twin_join(struct db *twin, struct err *e);

/*
 * The connection's page cache from now on: size in PRAGMA cache_size's
 * terms (-N: N KiB, N: N pages); the size it replaces into *saved, unless
 * NULL, to be given back the same way. 0 or -1.
 */
int db_cache_size(struct db *db, long long size, long long *saved, struct err *e);

/*
 * hold 1: commits through db no longer copy the write-ahead log back into
 * the database (SQLite's automatic checkpoint, every 1000 pages). While a
 * sibling keeps a long read snapshot (the morning's walk), nothing written
 * since could be copied anyway, yet every commit would go over the whole
 * log trying. hold 0: automatic checkpoints again, and one now (passive:
 * it waits for no reader).
 */
void db_hold_checkpoints(struct db *db, int hold);

/*
 * One passive checkpoint through db now, automatic ones still held: what
 * the log holds so far is copied back while a sibling goes on committing
 * (it waits for no writer, and stops at any frame a reader still needs).
 */
void db_checkpoint_passive(struct db *db);

/*
 * Close. Every statement should be finalized by then: one left over is
 * finalized here and reported with log_warn (a leak the tests see on
 * stderr). NULL is fine.
 */
void db_close(struct db *db);

const char *db_path(const struct db *db);

/*
 * BEGIN IMMEDIATE (a write transaction), COMMIT, ROLLBACK. A COMMIT that
 * fails rolls the transaction back: no caller is left holding the write
 * lock.
 */
int db_begin(struct db *db, struct err *e);
/* BEGIN (deferred): a read snapshot for reports and dry runs. */
int db_begin_read(struct db *db, struct err *e);

/*
 * db_begin_read for a reader of held, the slots' places: once every
 * batch's places are written (batch.places, schema 16). A night writes
 * them just after its batch, in a second transaction (night.h): meanwhile
 * this waits, in 10 ms steps, up to the busy timeout. A batch whose places
 * are still missing while no nocturne-transmit runs (its night stopped
 * between the two) fails at once: ERR_TEMP, saying the next
 * nocturne-transmit writes them. The read transaction is open on success.
 */
int db_begin_read_places(struct db *db, struct err *e);
/* The same for a write transaction (db_begin) that reads held. */
int db_begin_places(struct db *db, struct err *e);

/* The first batch whose places are not written (schema 16), 0: none. */
int db_places_missing(struct db *db, long long *batch_id, struct err *e);
int db_commit(struct db *db, struct err *e);
/*
 * COMMIT, then make it durable: the write-ahead log is synced to disk, so a
 * power cut after this returns cannot lose the transaction (with
 * synchronous = NORMAL a plain commit survives a crash of the process, not
 * of the machine). For the commits others rely on: a batch before its
 * delivery, messages before they are sent. One fsync.
 */
int db_commit_durable(struct db *db, struct err *e);
/* Roll back if a transaction is open; never fails. */
void db_rollback(struct db *db);

/*
 * The connection's foreign key enforcement on or off, for a writer whose
 * every reference comes from rows it read in the same transaction (the
 * check would only look them up again). Only between transactions: SQLite
 * ignores the pragma inside one.
 */
int db_foreign_keys(struct db *db, int on, struct err *e);

/*
 * The connection's CHECK constraints on or off, for a writer whose every
 * value of a checked column comes from nocturne's own names (rules.h: a
 * state, a reason, an event's kind), so that no check could fail: each one
 * is evaluated per row written (the event table's kind IN (...) doubled the
 * cost of its inserts). A setting of this connection alone: every other
 * writer's rows are still checked. The caller turns them back on.
 */
int db_checks(struct db *db, int on, struct err *e);

/*
 * The connection's triggers off (on 0) or back on (1), for a writer that
 * keeps held (db_schema.c) itself or writes nothing it holds (the night's
 * update of request, the import's pending requests): a trigger runs for
 * every row, even when its WHEN is false (a sixth of a million-request
 * import). A setting of this connection, not a change of the schema:
 * nothing another connection sees, no DDL (a trigger dropped, then made
 * again at the end of a large transaction, rewrote a page of the schema the
 * log already held, and SQLite then rewrites the checksum of every frame
 * after it at commit, reading the whole log back), and nothing a rollback
 * undoes: the caller turns them back on, whatever happens. An operator's
 * own triggers do not fire for those rows either.
 */
void db_triggers(struct db *db, int on);

/* wal_checkpoint(TRUNCATE), after a big batch. Failures are ignored. */
void db_checkpoint(struct db *db);

/*
 * Write a consistent copy of the whole database (one snapshot, VACUUM INTO)
 * to path, which must not exist or be empty. Not synced: the caller fsyncs.
 * ERR_IO on failure (a partial file may be left: the caller removes it).
 */
int db_copy_to(struct db *db, const char *path, struct err *e);

/*
 * PRAGMA quick_check: the first max problems it reports, malloc'ed lines in
 * *lines (*n of them, none when the database is sound): caller frees each
 * and the array. -1 (ERR_IO) when the check itself cannot run.
 */
int db_quick_check(struct db *db, int max, char ***lines, size_t *n, struct err *e);

/*
 * A table that three triggers keep in step with request (db_schema.c):
 * held, the slots' places, or request_key, the requests' ids. *astray: the
 * rows that are in one and not the other (0 when they agree), *triggers:
 * how many of its three triggers are there (3).
 */
enum db_mirror { DB_MIRROR_HELD, DB_MIRROR_KEY };
int db_mirror_check(struct db *db, enum db_mirror m, long long *astray, int *triggers,
                    struct err *e);

#endif
