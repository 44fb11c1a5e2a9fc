/*
 * status.h - the operator's views of nocturne (nocturne-status).
 *
 * Each view reads the database in one read transaction, so what it shows is
 * one consistent snapshot even while the portal or a batch is writing, and
 * writes plain text (or the CSV export) to a caller-given FILE. Texts are laid
 * out for an 80-column terminal and are stable, so scripts and tests can
 * compare them. Control characters coming from data are shown as '?', so a
 * name or an SMTP reply can never drive the terminal.
 *
 * Every function returns 0, or -1 with e filled: ERR_DATA for an unknown
 * batch or request, ERR_IO for a write error, database errors as db_fail
 * maps them.
 */
#ifndef NOCTURNE_STATUS_H
#define NOCTURNE_STATUS_H

#include <stdint.h>
#include <stdio.h>

#include "db.h"
#include "err.h"

/*
 * The default view: pending requests (count, oldest, by activity), the last
 * 10 batches (newest first) and the mail queue (counts, next attempt, every
 * failed message), and when mail bounced, the bounced messages and the
 * undeliverable families (first address bounced bounce_limit times). now
 * (the tool's clock) says whether the next attempt is already due.
 */
int status_overview(struct db *db, int64_t now, int bounce_limit, FILE *out, struct err *e);

/* One batch in detail. Unknown batch: ERR_DATA. */
int status_batch(struct db *db, long long batch_id, FILE *out, struct err *e);

/*
 * Every message not sent (pending, failed, skipped, bounced), with its
 * details, and the bounce counts as in status_overview.
 */
int status_mail(struct db *db, int64_t now, int bounce_limit, FILE *out, struct err *e);

/*
 * The decisions export (contract section 5, export.h) of every request, or
 * with batch_id > 0 of those whose current batch is batch_id (unknown batch:
 * ERR_DATA), in import order. Rows are streamed. status_export writes to out;
 * status_export_file writes path through atomic.h (the whole new file or the
 * old one, the directory synced); on failure path is untouched. raw 0:
 * spreadsheet-safe (EXPORT_SAFE); raw 1: every value exactly as imported
 * (EXPORT_RAW).
 */
int status_export(struct db *db, long long batch_id, int raw, FILE *out, struct err *e);

int status_export_file(struct db *db, long long batch_id, int raw, const char *path, struct err *e);

/* "    bounced 2019-12-03 09:00:00: 5.1.1 diagnostic" under a bounced message
 * (nothing when m has not bounced): the --mail view and --request share it. */
struct db_status_message;
void status_put_bounce(FILE *out, const struct db_status_message *m);

/*
 * The families whose current first address bounced (contract section 8),
 * as CSV for the service to call them: family_id;name;address;bounced_at;
 * status;diagnostic, one row per family with its last bounce, ordered by
 * family_id; spreadsheet-safe like the export. status_bounces_file writes
 * path atomically, as status_export_file does.
 */
int status_bounces(struct db *db, FILE *out, struct err *e);
int status_bounces_file(struct db *db, const char *path, struct err *e);

/*
 * The service's morning page (contract section 9, page.h): one
 * self-contained HTML page. status_html_file writes path atomically.
 */
int status_html(struct db *db, int64_t now, int bounce_limit, FILE *out, struct err *e);
int status_html_file(struct db *db, int64_t now, int bounce_limit, const char *path, struct err *e);

#endif
