/*
 * transmit.h - the nightly transmission, the whole of nocturne-transmit
 * behind one call: the delivery policy of contract section 7 and the batch
 * of section 4.
 *
 * Under the transmit lock: a clock behind the newest batch is refused
 * (db_batch_check_clock); a night run (not a dry run, not --redeliver) with
 * [database] backup_dir first takes a backup (backup.h: a failure stops the
 * night, ERR_IO); the back office's configuration (token file) is
 * checked before anything is done; batches still waiting for the back
 * office are sent first, oldest first, and the first failure stops the
 * sending (the back office gets batches in order: the rest are "held") but
 * not tonight's resolution; tonight's batch (night.h) is committed, the WAL
 * checkpointed after a big one (TRANSMIT_CHECKPOINT_REQUESTS requests), then
 * sent unless an older batch is held. A held batch makes the run end in
 * ERR_TEMP (75): the next run sends it again; but a night run whose oldest
 * waiting batch is over BACKOFFICE_OVERDUE_SECS old ends in ERR_UNAVAILABLE
 * (69, a person must look). --redeliver without a back office is done (0).
 * Every run but a dry run ends by rewriting [log] metrics_file
 * (metrics_end: "transmit", or "redeliver").
 */
#ifndef NOCTURNE_TRANSMIT_H
#define NOCTURNE_TRANSMIT_H

#include <stdint.h>
#include <stdio.h>

#include "config.h"
#include "err.h"

/* A batch deciding at least this many requests is followed by a checkpoint. */
#define TRANSMIT_CHECKPOINT_REQUESTS 10000

struct transmit_args {
	int dry_run;   /* change nothing: print what would be done on out */
	int redeliver; /* only send the batches still waiting (no new batch) */
	FILE *out;     /* the dry run's listing (batches to send, the batch as CSV) */
};

/*
 * Run nocturne-transmit at clock now with cfg (cfg->db_path must exist).
 * 0 when everything was resolved and delivered (or, dry run, listed).
 * Else -1 with e set: ERR_TEMP for a lock held, a database kept busy, or a
 * delivery that failed (e then says how many batches wait); ERR_UNAVAILABLE
 * for a batch overdue (above); ERR_CONFIG for a back office that is not
 * usable; other kinds as their module says.
 */
int transmit_run(const struct config *cfg, int64_t now, const struct transmit_args *a,
                 struct err *e);

#endif
