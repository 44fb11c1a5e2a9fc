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
#include <stdio.h>

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

/* What nocturne-bounce was asked to do. */
struct returns_run_opts {
	int fetch;            /* 1: the [bounce] mailbox over IMAP; 0: one message (pipe) */
	const char *file;     /* pipe: the message's file; NULL or "-": standard input */
	const char *env_rcpt; /* pipe: the envelope recipient the MTA gives, or NULL */
	int dry_run;          /* find and say, change nothing */
};

/*
 * The whole of nocturne-bounce behind one call, at clock now with cfg
 * (cfg->db_path must exist). Each message's outcome is logged (log.h);
 * with dry_run, one line per message is also written on out.
 *
 * Pipe mode reads at most BOUNCE_INPUT_MAX bytes of the message (the rest
 * is drained and dropped, and the log line says so) and handles it
 * (returns_handle) with no lock: the MTA may run several at once, each
 * bounce is one short write transaction. 0 whatever the message (not a
 * bounce, unknown message included); -1 with e set: ERR_NOINPUT for a
 * missing file, ERR_IO for a read error, ERR_CONFIG, else ERR_TEMP for
 * any failure to reach the database (the MTA keeps the message and
 * retries).
 *
 * --fetch mode holds the "bounce" lock (not in a dry run) and reads every
 * message of the [bounce] url mailbox (imap.h), handles each, and unless
 * dry_run deletes the handled ones or moves them to [bounce] done_folder;
 * the others stay; one counts line is logged at the end. -1 with e set:
 * ERR_CONFIG for no url or a bad password file, ERR_TEMP for a lock held
 * or a failure after some messages were handled (they are recorded; the
 * rest waits), the errors of db_open and imap.h otherwise.
 */
int returns_run(const struct config *cfg, int64_t now, const struct returns_run_opts *ro, FILE *out,
                struct err *e);

/*
 * 1 when address is the current first address of emails (a family's
 * list), case-insensitively; else 0.
 */
int returns_is_first(const char *emails, const char *address);

#endif
