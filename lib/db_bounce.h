/*
 * db_bounce.h - the SQL of bounces (contract section 8): marking a sent
 * message 'bounced', counting the hard bounces of a family's address, and
 * listing the families whose address bounced.
 *
 * A family is undeliverable while its current first address (family.emails,
 * first of the ';' list) has at least [bounce] limit rows in bounce for
 * it. The rows keep the address each bounce returned from, so an import of
 * families that gives another first address ends it without touching the
 * bounces: the history stays, and a family that goes back to the dead
 * address is undeliverable again.
 */
#ifndef NOCTURNE_DB_BOUNCE_H
#define NOCTURNE_DB_BOUNCE_H

#include <stdint.h>

#include "db.h"
#include "err.h"

enum db_bounce_outcome {
	DB_BOUNCE_RECORDED = 0, /* the message is now 'bounced' */
	DB_BOUNCE_UNKNOWN,      /* no such message (or one never sent: skipped) */
	DB_BOUNCE_ALREADY,      /* the message was already bounced: nothing changed */
};

struct db_bounce_new {
	long long ref;          /* the message's ref (VERP), 0 = unknown */
	const char *message_id; /* the returned Message-ID, NULL or "" = unknown */
	const char *status;     /* "5.1.1" */
	const char *diagnostic; /* one line, may be "" */
	int64_t now;
};

/* What recording found: the message and its family, malloc'ed strings (release). */
struct db_bounce_hit {
	enum db_bounce_outcome outcome;
	long long message_ref, family_ref;
	char *family_id, *emails, *address; /* address: the message's recipient */
	long long count; /* hard bounces of (family, address), this one included */
};
void db_bounce_hit_release(struct db_bounce_hit *h);

/*
 * Find the message b names (by ref when it is set and exists, else by
 * Message-ID) and, unless dry, mark it 'bounced' with b's status,
 * diagnostic and time and add its bounce row, in one write transaction
 * (BEGIN IMMEDIATE: a busy database is ERR_TEMP), committed durably
 * (db_commit_durable: the MTA or the mailbox lets the message go once we
 * answer). Fills *hit. A message named by both a ref and a Message-ID that
 * disagree is found by its ref.
 */
int db_bounce_record(struct db *db, const struct db_bounce_new *b, int dry,
                     struct db_bounce_hit *hit, struct err *e);

/* The last bounce of an address. */
struct db_bounce_last {
	long long count;
	int64_t at;
	char status[16];
	char diagnostic[256];
};

/* Prepared once for a whole composition run (see morning.c). */
struct db_bounce;
struct db_bounce *db_bounce_open(struct db *db);
void db_bounce_close(struct db_bounce *q);

/*
 * Whether the bounce table holds any bounce (*any 1, else 0), in the
 * connection's current snapshot: when none, no address has bounced and
 * db_bounce_of has nothing to tell for the rest of that snapshot.
 */
int db_bounce_any(struct db_bounce *q, int *any, struct err *e);

/* The hard bounces of family_ref's address (case-insensitive), and the last one. */
int db_bounce_of(struct db_bounce *q, long long family_ref, const char *address,
                 struct db_bounce_last *last, struct err *e);

/* One family whose address bounced, with the last bounce; strings valid during the call. */
struct db_bounce_family {
	long long family_ref;
	const char *family_id, *name, *emails, *address;
	long long count;
	int64_t at;
	const char *status, *diagnostic;
};

/*
 * Call fn for each (family, address) with at least one bounce, ordered by
 * family_id then address. fn returns 0 to go on, -1 (e set) to stop.
 * Inside the caller's read transaction, if any.
 */
int db_bounce_families(struct db *db,
                       int (*fn)(const struct db_bounce_family *f, void *arg, struct err *e),
                       void *arg, struct err *e);

#endif
