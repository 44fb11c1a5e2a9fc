/*
 * returns.h - one returned message, from bytes to the record (contract
 * section 8): read it (bounce.h), find the message it returns and record a
 * hard bounce (db_bounce.h), and say in one line what was done.
 *
 * Used by both modes of nocturne-bounce: the MTA's pipe (one message) and
 * --fetch (each message of the IMAP mailbox, imap.h).
 */
#ifndef NOCTURNE_RETURNS_H
#define NOCTURNE_RETURNS_H

#include <stddef.h>
#include <stdint.h>

#include "bounce.h"
#include "config.h"
#include "db.h"
#include "err.h"

enum returns_what {
	RETURNS_RECORDED = 0, /* a hard bounce, recorded (the message is 'bounced') */
	RETURNS_ALREADY,      /* a hard bounce already recorded: nothing changed */
	RETURNS_IGNORED,      /* a delay or an auto-reply: nothing to record */
	RETURNS_UNKNOWN,      /* a hard bounce of no message of ours */
	RETURNS_NOT_BOUNCE,   /* not a bounce */
};

struct returns_outcome {
	enum returns_what what;
	int handled;       /* 1: done with it (--fetch deletes or moves it); 0: leave it */
	int undeliverable; /* 1: this bounce made (or keeps) the family undeliverable */
	struct bounce_result r;
	char line[1024]; /* what was done, one line for the log */
};

/*
 * Handle the message msg[0..len). env_rcpt: the envelope recipient the MTA
 * gives ($ORIGINAL_RECIPIENT), or NULL. dry: find, but change nothing.
 * Returns 0 with *o filled, whatever the message; -1 only when the
 * database fails (e: ERR_TEMP when busy).
 */
int returns_handle(struct db *db, const struct config *cfg, const char *msg, size_t len,
                   const char *env_rcpt, int64_t now, int dry, struct returns_outcome *o,
                   struct err *e);

/* What --fetch did. */
struct returns_fetch_stats {
	size_t messages; /* in the mailbox */
	size_t handled;  /* deleted or moved (with dry: would be) */
	size_t left;
};

/* Called with each message's outcome (for the log); uid: its IMAP UID. */
typedef void (*returns_fetch_fn)(void *ctx, unsigned long uid, const struct returns_outcome *o);

/*
 * nocturne-bounce --fetch: read every message of the [bounce] url mailbox
 * (imap.h), handle each (returns_handle) and, unless dry, delete the
 * handled ones or move them to [bounce] done_folder; the others stay.
 * fn (may be NULL) hears of each. ERR_CONFIG: no url, a bad password
 * file; the IMAP errors of imap.h, except that a failure after some
 * messages were handled is ERR_TEMP (they are recorded; the rest waits).
 */
int returns_fetch(struct db *db, const struct config *cfg, int64_t now, int dry,
                  returns_fetch_fn fn, void *ctx, struct returns_fetch_stats *st, struct err *e);

/*
 * 1 when address is the current first address of emails (a family's
 * list), case-insensitively; else 0.
 */
int returns_is_first(const char *emails, const char *address);

#endif
