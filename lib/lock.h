/*
 * lock.h - one run at a time.
 *
 * nocturne-transmit and nocturne-notify each hold an exclusive flock(2) on a
 * file beside the database (DB.transmit.lock, DB.notify.lock) for their whole
 * run. The kernel drops it when the process dies, so a killed run never
 * blocks the next one. The file holds the holder's pid and start time, for
 * the message the second run prints.
 */
#ifndef NOCTURNE_LOCK_H
#define NOCTURNE_LOCK_H

#include <stdint.h>

#include "err.h"

struct lock {
	int fd;
	char *path;
};

/*
 * Take the lock named name (e.g. "transmit") for the database at db_path,
 * without waiting. Held by another process: ERR_TEMP naming the holder.
 * Cannot create the lock file: ERR_IO.
 */
int lock_acquire(struct lock *l, const char *db_path, const char *name, struct err *e);

/* Release (close) the lock; the file stays. Safe on a lock never taken. */
void lock_release(struct lock *l);

#endif
