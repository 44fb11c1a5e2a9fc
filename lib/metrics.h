/*
 * metrics.h - the Prometheus text file of [log] metrics_file (contract
 * section 10), for node_exporter's textfile collector.
 *
 * After each run, import, transmit and notify record in the database when
 * they ended well (table tool_run: so the time of each tool's last success
 * survives the other tools' rewrites of the file, and a lost file), then
 * rewrite the whole file from the database: the newest batch's counts by
 * state and reason, its time and duration, the totals since the first
 * batch, the undelivered batches, the mail queue by state, the bounces
 * when the database has a bounce table, and each tool's last success. The
 * file is written through atomic.h (a temporary name beside it, synced,
 * renamed, the directory synced), so a reader never sees half of it. nocturne-status writes
 * nothing, metrics included.
 */
#ifndef NOCTURNE_METRICS_H
#define NOCTURNE_METRICS_H

#include <stdint.h>
#include <time.h>

#include "config.h"
#include "db.h"
#include "db_metrics.h"
#include "err.h"

/*
 * The end of a writing tool's run (import_file, transmit_run, notify_run;
 * not a dry run) that opened db (NULL: nothing) at t0 and ends with rc
 * (0 or -1 with e set): when cfg->metrics_file is set, the run is
 * recorded if it succeeded and the file rewritten. Returns rc; but when
 * the file could not be written after a run that went well, -1 with e
 * set to that failure. When the run failed too, its e is kept and the
 * metrics failure is logged as an error.
 */
int metrics_end(struct db *db, const struct config *cfg, const char *tool, int rc, int64_t now,
                const struct timespec *t0, struct err *e);

#endif
