/*
 * notify.h - the whole of nocturne-notify behind one call: under the notify
 * lock (not taken by a dry run), refuse a clock behind the newest batch
 * (db_batch_check_clock), compose the morning's messages and send those
 * due (morning.h), judge the run, and (not a dry run) rewrite [log]
 * metrics_file (metrics_end).
 */
#ifndef NOCTURNE_NOTIFY_H
#define NOCTURNE_NOTIFY_H

#include <stdint.h>
#include <stdio.h>

#include "config.h"
#include "err.h"
#include "morning.h"

/*
 * Run nocturne-notify at clock now with cfg (cfg->db_path must exist).
 * With dry_run nothing is stored or sent: what would be composed and sent
 * is described on out, then one counts line. *st is filled. 0 when nothing
 * is left pending (or after a dry run); -1 with e set otherwise: ERR_TEMP
 * for a lock held or messages deferred, ERR_UNAVAILABLE when a message was
 * given up or the server was unreachable and nothing was delivered
 * (morning_outcome), or the failing module's error.
 */
int notify_run(const struct config *cfg, int64_t now, int dry_run, FILE *out,
               struct morning_stats *st, struct err *e);

#endif
