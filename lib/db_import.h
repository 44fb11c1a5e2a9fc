/*
 * db_import.h - the SQL of nocturne-import: reference data and requests.
 *
 * A struct db_import holds the prepared statements of one import on one
 * connection (the caller opens the transaction with db_begin()). Reference
 * rows are read by id (db_import_get_*), then inserted or updated; a
 * request's id goes into request_key with ON CONFLICT DO NOTHING, and the
 * request is inserted when its id was new, fetched when it was not. Text in
 * the records below is borrowed from the caller on input; the strings of a
 * record filled by a get function belong to the struct db_import and stay
 * valid until its next get call.
 */
#ifndef NOCTURNE_DB_IMPORT_H
#define NOCTURNE_DB_IMPORT_H

#include <stdint.h>

#include "db.h"
#include "err.h"

struct db_import;

struct db_family {
	const char *family_id;
	const char *name;
	const char *emails;
	int64_t balance_cents;
};

struct db_child {
	const char *child_id;
	const char *family_id; /* read back by get */
	int64_t family_ref;
	const char *first_name;
	const char *last_name;
};

struct db_activity {
	const char *activity_id;
	const char *name;
	const char *structure;
	int has_capacity;
	int capacity;
	int waitlist; /* 0 none, -1 unlimited, N */
	int promote_days;
	int has_hours;
	int hours_from, hours_to; /* minutes */
	int deadline_days;
	int deadline_time; /* minutes */
	int deadline_rule; /* enum rules_deadline_rule */
	int deadline_wday; /* week rule: 0 = Monday .. 6 = Sunday */
};

struct db_opening {
	int64_t activity_ref;
	int32_t day;
	int has_capacity;
	int capacity;
};

struct db_request {
	const char *request_id;
	const char *child_id;    /* read back by get */
	const char *activity_id; /* read back by get */
	int64_t child_ref, activity_ref;
	int32_t day;
	const char *action; /* "reserve" | "cancel" */
	int has_arrival, arrival;
	int has_departure, departure;
	int64_t submitted_at;
	int64_t seq; /* read back by get */
};

/* Prepare the statements. Free with db_import_free(), after the transaction. */
int db_import_new(struct db_import **out, struct db *db, struct err *e);
void db_import_free(struct db_import *d);

/*
 * Get functions: 1 and *out filled (strings owned by the db_import until its
 * next get) when the row exists, 0 when not, -1 on error.
 */
int db_import_get_family(struct db_import *d, const char *family_id, int64_t *ref,
                         struct db_family *out, struct err *e);
int db_import_get_child(struct db_import *d, const char *child_id, int64_t *ref,
                        struct db_child *out, struct err *e);
int db_import_get_activity(struct db_import *d, const char *activity_id, int64_t *ref,
                           struct db_activity *out, struct err *e);
int db_import_get_opening(struct db_import *d, int64_t activity_ref, int32_t day,
                          struct db_opening *out, struct err *e);
int db_import_get_request(struct db_import *d, const char *request_id, struct db_request *out,
                          struct err *e);

/* The ref of a family / an activity by id: 1 found, 0 not, -1 error. */
int db_import_family_ref(struct db_import *d, const char *family_id, int64_t *ref, struct err *e);
int db_import_activity_ref(struct db_import *d, const char *activity_id, int64_t *ref,
                           struct err *e);

/* Insert (ref == 0) or update the row with that ref. 0 or -1. */
int db_import_put_family(struct db_import *d, int64_t ref, const struct db_family *f,
                         struct err *e);
int db_import_put_child(struct db_import *d, int64_t ref, const struct db_child *c, struct err *e);
int db_import_put_activity(struct db_import *d, int64_t ref, const struct db_activity *a,
                           struct err *e);
/* Insert (exists == 0) or update an opening. */
int db_import_put_opening(struct db_import *d, int exists, const struct db_opening *o,
                          struct err *e);

/*
 * Give request_id the seq of a request about to be inserted (request_key,
 * db_schema.c; the triggers that would are off in an import of requests).
 * Returns 1 when added, 0 when the id is already there (nothing changed),
 * -1 on error. Keys added in id order each write a page of the key once.
 */
int db_import_add_key(struct db_import *d, const char *request_id, int64_t seq, struct err *e);
struct runsort;

/*
 * The ids of db_import_add_keys: ids, records of an id (at the start, up
 * to id_max bytes, 0-padded, so it may fill them) and its request's seq
 * (int64_t at seq_off), finished and in id order; the seqs whose id is
 * taken go to taken (a runsort of int64_t); err is set when the failure
 * was one of these sorts' (reading ids, or adding to taken).
 */
struct db_keys {
	struct runsort *ids;
	size_t id_max, seq_off;
	struct runsort *taken;
	struct err err;
};

/*
 * Give ids their seqs in request_key, in one statement (db_import_add_key's
 * work, for many): in id order, each goes in at the key's end, as CREATE
 * INDEX writes it, without a seek of its own from the root; an id already
 * there (an earlier import's, or an earlier one of these) is left to its
 * owner and its seq added to taken as SQLite meets it. 0 or -1 (e set, and
 * k->err too when a sort failed).
 */
int db_import_add_keys(struct db_import *d, struct db_keys *k, struct err *e);

/*
 * Insert a new pending request as seq (its key added before or after). The
 * request is stored with the next ones, a few at a time (db_import.c):
 * every function here that reads or changes the requests stores those
 * waiting first, and db_import_flush stores them before the commit. r's
 * strings are copied. 0 or -1 (for the request or those waiting with it).
 */
int db_import_add_request(struct db_import *d, const struct db_request *r, int64_t seq,
                          struct err *e);
/* Store the requests still waiting (db_import_add_request). 0 or -1. */
int db_import_flush(struct db_import *d, struct err *e);
/*
 * Take back the request this import inserted as seq, its id found taken
 * when its key came to be added: 1 and *out as it was (strings as a get's),
 * 0 when there is none, -1 on error.
 */
int db_import_take_request(struct db_import *d, int64_t seq, struct db_request *out, struct err *e);

/*
 * Begin the import's write transaction (BEGIN IMMEDIATE). References are
 * checked by the caller before each insert; SQLite checks its foreign keys
 * once at commit (an immediate check per row costs a third of a large
 * import). own_refs: every reference the caller writes comes from the ids
 * it read in this transaction (a request's child and activity), so
 * SQLite's own check is not needed at all: the connection's foreign keys
 * are off until db_import_free (the deferred check still looks up both
 * parents of each row: a sixth of a million-request import).
 */
int db_import_begin(struct db_import *d, int own_refs, struct err *e);
/*
 * Before the caller commits: what db_import_begin set aside for the
 * transaction is back (own_refs: the connection's triggers are off
 * meanwhile, db.h db_triggers: of those on request, a pending request
 * never fires held_insert, and the caller adds request_key_insert's key).
 */
void db_import_end(struct db_import *d);

/* SQLite's page cache for the rest of the connection: kib KiB. 0 or -1. */
int db_import_cache(struct db_import *d, int kib, struct err *e);

/* The greatest request seq so far (0 when none). */
int db_import_max_seq(struct db_import *d, int64_t *seq, struct err *e);

/*
 * Call fn(id, ref, ctx) for every child (table "child") or activity
 * ("activity"). 0 or -1.
 */
enum db_import_table { DB_IMPORT_CHILDREN, DB_IMPORT_ACTIVITIES };
int db_import_each_id(struct db_import *d, enum db_import_table t,
                      void (*fn)(const char *id, int64_t ref, void *ctx), void *ctx, struct err *e);

#endif
