/*
 * morning.h - the morning mail run (contract section 6): compose the
 * outbox and send what is due, the two at once.
 *
 * Composition: per family one compte-rendu for its decided, unreported
 * requests, and one waitlist-acceptance notice for its promoted requests
 * whose notice is owed. Each message is stored whole (bytes, Message-ID)
 * with the requests it covers, as 'pending', or 'skipped' when the
 * family's first address is missing or invalid, by chunks of [smtp]
 * max_per_session, each chunk committed durably before any of it is sent
 * (morning_compose.c). Sending takes the pending messages that are due,
 * oldest first, through the configured transport, and commits each
 * outcome as it is known (morning.c): a crash sends again at most the one
 * message in flight. morning_run() does both on two threads, each with its
 * own connection: a chunk goes out while the next is composed.
 */
#ifndef NOCTURNE_MORNING_H
#define NOCTURNE_MORNING_H

#include <stdint.h>

#include "config.h"
#include "db.h"
#include "err.h"
#include "mail.h"

struct morning_stats {
	long reports, notices;       /* messages composed (skipped ones included) */
	long skipped;                /* of which skipped (no valid address) */
	long resent;                 /* messages composed again (--resend) */
	long pages;                  /* the service's page of the last batch ([report] to) */
	long landed;                 /* walks begun again: a batch landed while composing */
	long due;                    /* messages due when sending started */
	long sent, deferred, failed; /* outcomes in this run */
	int unreachable;             /* the server could not be reached */
	char unreachable_msg[ERR_MSG_MAX];
	char failed_msg[ERR_MSG_MAX]; /* the first message given up: recipient, reply */
	long long pending;            /* still pending after the run */
	int64_t next_at;              /* earliest next attempt among them */
};

/* Told after each chunk of messages is stored for good (ctx: its own). */
struct morning_feed {
	void (*stored)(void *ctx);
	void *ctx;
};

/*
 * Compose and store every message owed at now: the requests are read from
 * a snapshot on a second connection to db's database, the messages stored
 * through db by chunks, feed (may be NULL) told after each. With preview
 * non-NULL (--dry-run) nothing is stored: each message that would be
 * composed is described in preview (recipient, subject, text). Fails with
 * the database's error, or ERR_CONFIG for a bad [mail] from / reply_to.
 */
int morning_compose(struct db *db, const struct config *cfg, int64_t now, struct buf *preview,
                    const struct morning_feed *feed, struct morning_stats *st, struct err *e);

/*
 * When [report] to is set and the last batch has none yet, compose and
 * store the service's page of the night (page.h) as a message of kind
 * 'page' with a short text part; with preview non-NULL, describe it there.
 */
int morning_page(struct db *db, const struct config *cfg, int64_t now, struct buf *preview,
                 struct morning_stats *st, struct err *e);

/*
 * The morning run: morning_compose() on this thread while a second one,
 * with its own connection, sends each chunk as soon as it is stored (and
 * first what earlier runs left due); then the service's page, composed
 * once the families' mail went out (its counts are this morning's), and
 * sent. What morning_send() says of failures holds; st->pending and
 * st->next_at are read at the end.
 */
int morning_run(struct db *db, const struct config *cfg, int64_t now, struct morning_stats *st,
                struct err *e);

/*
 * Compose again, as new pending messages, stored message ref (ref > 0) or
 * else the last compte-rendu and notice of family family_id: the same
 * bytes with a new Message-ID and Date, References: the original, To: the
 * family's current first address (contract section 8). Linked to the same
 * requests; nothing else changes. With preview non-NULL nothing is stored.
 * ERR_DATA: unknown message or family, no valid first address, or a first
 * address that is undeliverable (bounced [bounce] limit times).
 */
int morning_resend(struct db *db, const struct config *cfg, int64_t now, long long ref,
                   const char *family_id, struct buf *preview, struct morning_stats *st,
                   struct err *e);

/*
 * Send the pending messages due at now. With preview non-NULL nothing is
 * sent or changed; the due messages are listed in preview. Returns -1 on a
 * local failure (database, mail directory: ERR_IO, configuration); a
 * transport that cannot reach its server is not an error here: see
 * st->unreachable and morning_outcome().
 */
int morning_send(struct db *db, const struct config *cfg, int64_t now, struct buf *preview,
                 struct morning_stats *st, struct err *e);

/*
 * The run's verdict from st, in the tools' quiet rule: 0 when nothing is
 * left pending; -1 with ERR_UNAVAILABLE when a message was given up in this
 * run (a 5xx, or max_attempts reached: a person must look), or when the
 * server was unreachable and nothing was delivered; -1 with ERR_TEMP when
 * messages remain pending (deferred to a later run, no alarm). e->msg says
 * what, in one line, for the operator.
 */
int morning_outcome(const struct morning_stats *st, struct err *e);

#endif
