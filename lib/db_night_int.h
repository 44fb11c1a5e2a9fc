/*
 * db_night_int.h - what db_night.c (the night's reads) and db_night_write.c
 * (its changes and events: recorded, sorted, applied) share: the handle,
 * its statements, the temporary tables. Private to those two files.
 */
#ifndef NOCTURNE_DB_NIGHT_INT_H
#define NOCTURNE_DB_NIGHT_INT_H

#include "db_int.h"
#include "db_night.h"

enum {
	ST_PENDING,
	ST_SLOT,
	ST_OPENING,
	ST_CHANGE,
	ST_EVENT,
	ST_N,
};

/*
 * The batch's changes go as they come (slot by slot) into night_change_raw,
 * then, sorted by seq, into night_change, still in the read phase; the
 * write phase applies them to request and decision with two set-based
 * statements, in key order: a million single-row UPDATEs cost three times
 * as much (statement setup, index cursors per row). Nothing is held in
 * memory: the night's memory does not grow with the batch.
 */
#define CHANGE_COLS                                                                                \
	"state TEXT NOT NULL, reason TEXT, position INTEGER, undoes INTEGER, ev INTEGER NOT NULL"
#define CHANGE_RAW_TABLE "CREATE TEMP TABLE night_change_raw(seq INTEGER NOT NULL, " CHANGE_COLS ")"
#define CHANGE_TABLE "CREATE TEMP TABLE night_change(seq INTEGER PRIMARY KEY, " CHANGE_COLS ")"

/*
 * The events go as they come (slot by slot) into night_event_raw, whose
 * rowid is their order n in the batch; once the night is resolved they are
 * sorted into night_event by (seq, n), the event table's key, still in the
 * read phase: the write phase then appends them in key order. No event is
 * held in memory (a million would cost 30 MB).
 */
#define EVENT_COLS                                                                                 \
	"kind TEXT NOT NULL, reason TEXT, position INTEGER, other INTEGER, prev TEXT,"             \
	" deadline INTEGER, hours_from INTEGER, hours_to INTEGER, detail TEXT"
#define EVENT_RAW_TABLE                                                                            \
	"CREATE TEMP TABLE night_event_raw(n INTEGER PRIMARY KEY, seq INTEGER NOT "                \
	"NULL, " EVENT_COLS ")"
#define EVENT_TABLE                                                                                \
	"CREATE TEMP TABLE night_event(seq INTEGER NOT NULL, n INTEGER NOT NULL, " EVENT_COLS      \
	", PRIMARY KEY(seq, n)) WITHOUT ROWID"

/* night_change.ev bits */
enum { EV_CHANGED = 1, EV_PROMOTED = 2, EV_CANCELLED = 4, EV_EXPIRED = 8 };

struct db_night {
	struct db *db;
	sqlite3_stmt *st[ST_N];
	int reading;        /* the pending requests' statement has started */
	int64_t from;       /* the last batch's pending_from (db_night_pending_from) */
	long long nchanges; /* rows recorded in night_change_raw */
};

/* Run one-shot SQL returning a single integer. */
int db_night_query_int(struct db_night *h, const char *sql, long long *v, struct err *e);
/* Whether v fits a 32-bit record field. */
int db_night_fits32(long long v);
/*
 * A small page cache while a sort starts (SQLite's sorter keeps up to
 * cache_size bytes in memory before it spills runs to temporary files),
 * and the saved size back.
 */
int db_night_cache_small(struct db_night *h, long long *saved, struct err *e);
int db_night_cache_restore(struct db_night *h, long long saved, struct err *e);

#endif
