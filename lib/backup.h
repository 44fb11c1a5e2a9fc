/*
 * backup.h - a consistent copy of the database before each night's batch
 * (contract section 10), so a wrong import can be undone by restoring the
 * copy and running the night again.
 *
 * The copy is one snapshot (VACUUM INTO, see db_copy_to) written to a
 * hidden temporary name in the backup folder (atomic.h), synced, renamed to
 * STEM-batchNNNNNN-YYYYMMDD-HHMMSS.db (STEM: the database file's name
 * without .db; NNNNNN: the batch about to be written; the time: the
 * night's clock), and the folder synced: a crash leaves either the old set
 * of backups or the new one, never a half-written file under a backup's
 * name. Then the oldest of this database's backups beyond keep are removed
 * (names sort by batch number, so the order is the nights' order).
 */
#ifndef NOCTURNE_BACKUP_H
#define NOCTURNE_BACKUP_H

#include <stdint.h>

#include "db.h"
#include "err.h"

/*
 * Back db up into dir before the batch that follows its newest one, at
 * clock now; keep the newest keep backups (keep >= 1). The file is mode
 * 0640. On success *made (if not NULL) is the backup's path, malloc'ed:
 * caller frees. Any failure is ERR_IO (ERR_TEMP when the database stayed
 * busy) and leaves no temporary file; the database is only read.
 */
int backup_take(struct db *db, const char *dir, int keep, int64_t now, char **made, struct err *e);

#endif
