/*
 * backoffice.h - delivering batches to the back office over HTTPS (contract
 * section 7), with libcurl.
 *
 * Each batch is POSTed once it is committed: the body is the export format of
 * section 5 (export.h) over the batch's decision snapshot (db_batch.h), so it
 * is byte for byte what `nocturne-status --export --batch N` prints right
 * after the batch ran, and a redelivery sends the same bytes. The body is
 * streamed from the database (a read callback over a statement, counted in a
 * first pass for Content-Length): memory stays flat whatever the batch size.
 *
 * Request: POST to [backoffice] url, Content-Type: text/csv; charset=utf-8,
 * Idempotency-Key: nocturne-batch-N, Authorization: Bearer TOKEN when
 * [backoffice] token_file is set, an empty Expect: header. HTTPS only, the
 * certificate verified (against [backoffice] ca_file when set), redirects not
 * followed, [backoffice] timeout seconds for the connection and for the
 * whole request.
 *
 * Outcome: a 2xx marks the batch delivered; anything else (another status, a
 * refused connection, a timeout, a TLS failure) leaves it pending, counts the
 * attempt and records why on the batch. Decisions are never touched.
 */
#ifndef NOCTURNE_BACKOFFICE_H
#define NOCTURNE_BACKOFFICE_H

#include <stdint.h>

#include "config.h"
#include "db.h"
#include "err.h"

struct backoffice;

/* 1 when cfg names a back office ([backoffice] url not empty), else 0. */
int backoffice_enabled(const struct config *cfg);

/*
 * Prepare deliveries as cfg says: checks the URL (https:// only) and reads
 * the token file (config_read_secret: refused when group/world-readable).
 * Failures are ERR_CONFIG (an empty URL too). On success *out is set; free
 * with backoffice_free(). The token is never put in a message.
 */
int backoffice_open(struct backoffice **out, const struct config *cfg, struct err *e);

/* Release everything (wiping the token). NULL is fine. */
void backoffice_free(struct backoffice *bo);

/* The URL as it may be shown: without user, password or query. */
const char *backoffice_url(const struct backoffice *bo);

/*
 * POST batch_id (which must be pending delivery) and record the outcome;
 * now is the time recorded as delivered_at. Call with no transaction open.
 * Returns 0 when delivered. On failure returns -1 with e set:
 *   ERR_TEMP     the attempt failed (status, network, TLS): recorded on the
 *                batch, which stays pending; e names batch, URL and reason.
 *   other kinds  a local failure (database): nothing recorded.
 */
int backoffice_deliver(struct backoffice *bo, struct db *db, long long batch_id, int64_t now,
                       struct err *e);

/*
 * Deliver every batch pending delivery, oldest first, stopping at the first
 * failure so the back office always receives batches in order. *delivered
 * counts the batches delivered (set on failure too). 0 when nothing is left
 * pending; -1 with e as for backoffice_deliver().
 */
int backoffice_deliver_pending(struct backoffice *bo, struct db *db, int64_t now, int *delivered,
                               struct err *e);

/*
 * Append to e's message how many batches now wait for delivery
 * ("; 3 batches wait for the next run"), for the final line of a run whose
 * delivery failed. e's kind is kept; nothing is added when none waits or
 * the count cannot be read. Returns -1.
 */
int backoffice_note_waiting(struct db *db, struct err *e);

/*
 * Check the back office answers: the configuration (URL, token file) as
 * backoffice_open checks it, then a TCP connection and a verified TLS
 * handshake with the URL's host; no request is sent. 0, or -1 with
 * ERR_CONFIG (configuration, certificate) or ERR_TEMP (unreachable).
 */
int backoffice_probe(const struct config *cfg, struct err *e);

/* A batch still undelivered this long after it was made needs a person. */
#define BACKOFFICE_OVERDUE_SECS (12 * 3600)

/*
 * The night's verdict on a failed delivery (e holds the ERR_TEMP of the
 * attempt): when the oldest batch still waiting was made more than
 * BACKOFFICE_OVERDUE_SECS before now (the back office has been failing since
 * an earlier night), e becomes ERR_UNAVAILABLE, its message prefixed with
 * that batch and its date: the run speaks even under -q. The night run calls
 * it, not --redeliver, so a back office down for days costs one mail a night,
 * not one an hour. Returns -1 (e stays ERR_TEMP when not overdue).
 */
int backoffice_overdue(struct db *db, int64_t now, struct err *e);

#endif
