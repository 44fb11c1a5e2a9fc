/*
 * db_night_int.h - what db_night.c (the night's reads) and db_night_write.c
 * (its changes, places and events: recorded, sorted, applied) share: the
 * handle, its statements, its sorts. Private to those files and
 * db_night_sorted.c.
 */
#ifndef NOCTURNE_DB_NIGHT_INT_H
#define NOCTURNE_DB_NIGHT_INT_H

#include "db_int.h"
#include "db_night.h"
#include "runsort.h"

/* The pending requests of seq in [?1, ?2) (db_night_pending.c). */
#define NIGHT_SQL_PENDING                                                                          \
	"SELECT seq, child_ref, activity_ref, day, action = 'cancel', arrival, departure,"         \
	" submitted_at FROM request WHERE seq >= ?1 AND seq < ?2 AND state = 'pending'"

enum {
	ST_PENDING,
	ST_SLOT,
	ST_OPENING,
	ST_N,
};

/*
 * The batch's changes go as they come (slot by slot) into an external sort
 * by seq (runsort.h), still in the read phase; the write phase applies them
 * to request with one UPDATE that merges its rows with the sort, both in
 * seq order (db_night_write.c): a million single-row statements cost twice
 * as much, an UPDATE ... FROM (a temporary table copy of the join) a sixth
 * more. Memory holds a few megabytes of them, not the batch.
 */
struct night_change {
	int32_t seq;
	int32_t position; /* 0: none */
	int32_t undoes;   /* 0: none */
	uint8_t state;    /* enum rules_state */
	uint8_t reason;   /* enum rules_reason */
	uint8_t ev;       /* EV_* */
};

/*
 * A place that comes or goes in held (the table of the slots' places,
 * db_schema.c): recorded as each slot is resolved, sorted in held's key
 * order (activity_ref, day, state, child_ref, submitted_at, seq), and
 * applied in the write phase as a merge of that order into the table,
 * instead of an insertion scattered over it per changed request.
 */
enum { HELD_DEL = 0, HELD_PUT = 1 };
struct night_held {
	int64_t submitted_at;
	int32_t activity, day, child, seq;
	int32_t position; /* 0: none */
	uint8_t state;    /* enum rules_state: accepted, waitlisted or cancelled */
	uint8_t op;       /* HELD_DEL (the place as it was) or HELD_PUT (as it is) */
};

/*
 * The night's page cache, in KiB, instead of the tools' 32 MiB: its reads
 * and writes walk the tables in key order (the pending requests by seq, the
 * changes by seq, the decisions appended) and its sorts are its own, so a
 * bigger cache holds pages read once. Measured on the 1M town: the same
 * time, 36 MiB at the peak instead of 61-65.
 */
#define NIGHT_CACHE_KIB 8192

/* What each external sort keeps in memory before it spills a run (twice:
 * one buffer fills while the other is sorted and written, runsort.h). */
#define NIGHT_SORT_MEM (2 * 1024 * 1024)

/*
 * An event of the batch (rules.h struct rules_event, the facts a store
 * keeps): recorded as they come (slot by slot, n their order in the
 * batch), sorted by the event table's key (seq, n) in the read phase, and
 * appended in that order by the write phase through night_events. No event
 * is held in memory beyond the sort's few megabytes.
 */
struct night_event {
	int64_t deadline;
	int32_t seq, n, other, position;
	int16_t hours_from, hours_to;
	uint8_t kind, reason, detail, prev;
};

/* A change's columns: night_mail's and night_past's, and what
 * db_night_change_column gives of one (NULL for a position or an undone
 * request of 0, a reason of RULES_OK). */
enum { CH_SEQ, CH_STATE, CH_REASON, CH_POSITION, CH_UNDOES, CH_EV };
void db_night_change_column(const void *owner, const void *rec, sqlite3_context *ctx, int col);

/* night_change.ev bits */
enum { EV_CHANGED = 1, EV_PROMOTED = 2, EV_CANCELLED = 4, EV_EXPIRED = 8 };

struct db_night {
	struct db *db;
	sqlite3_stmt *st[ST_N];
	int reading;            /* 0, 1 once the pending requests are sorted, 2 at their end */
	int64_t from;           /* the last batch's pending_from (db_night_pending_from) */
	int64_t next_from;      /* this batch's (read_pending) */
	struct runsort pending; /* the pending requests (struct rules_req), by slot */
	struct runsort changes; /* struct night_change, by seq (its count: the changes) */
	struct runsort mail;    /* of them, the changes to what the mail owes (request_mail) */
	struct runsort past;    /* of them, the requests an earlier batch decided */
	int64_t changes_hi;     /* the largest seq changed */
	struct runsort held;    /* struct night_held, in held's key order */
	struct runsort events;  /* struct night_event, by (seq, n) */
	long long cache_saved;  /* the connection's cache_size before the night */
	/* The batch row's ran_at, started_at and delivery (db_night_new_batch). */
	int64_t batch_now, batch_wall;
	int batch_deliver;
	struct db *twin; /* NULL, or a twin for the pending requests' read (db_night_twin) */
};

/*
 * Make h's sorted changes, places and events the tables night_mail, night_past,
 * night_held and night_events on its connection (db_night_sort must have
 * run before a statement reads them); the unregistering drops the tables.
 */
int db_night_sorted_register(struct db_night *h, struct err *e);
void db_night_sorted_unregister(struct db_night *h);

/*
 * Read every pending request of the batch (submitted at or before cutoff)
 * into h->pending, and find the batch's next_from (db_night_pending.c).
 */
int db_night_read_pending(struct db_night *h, int64_t cutoff, struct err *e);
/* col i of st, or none when NULL. */
int db_night_col_opt_int(sqlite3_stmt *st, int i, int none);

/* Run one-shot SQL returning a single integer. */
int db_night_query_int(struct db_night *h, const char *sql, long long *v, struct err *e);
/* Whether v fits a 32-bit record field. */
int db_night_fits32(long long v);

#endif
