/*
 * lock.h - one run at a time.
 *
 * nocturne-transmit and nocturne-notify each hold an exclusive flock(2) on a
 * file beside the database (DB.transmit.lock, DB.notify.lock) for their whole
 * run. The kernel drops it when the process dies, so a killed run never
 * blocks the next one. The file holds the holder's pid and start time, for
 * the message the second run prints.
 *
 * A second run meeting the lock leaves the work to the holder (ERR_TEMP,
 * silent under -q), unless the holder has held it for more than
 * LOCK_STUCK_SECS: a run that old is stuck and needs a person (ERR_INTERNAL,
 * printed even under -q). The lock file is created 0640; created by root
 * beside a database root does not own, it is handed to the database's owner.
 */
#ifndef NOCTURNE_LOCK_H
#define NOCTURNE_LOCK_H

#include <stdint.h>

#include "err.h"

/* Longer than any night: a lock held this long belongs to a stuck run. */
#define LOCK_STUCK_SECS (12 * 3600)

struct lock {
	int fd;
	char *path;
};

/*
 * Take the lock named name (e.g. "transmit") for the database at db_path,
 * without waiting. Held by another process: ERR_TEMP naming the holder, or
 * ERR_INTERNAL when it has held it for over LOCK_STUCK_SECS. Cannot create
 * the lock file: ERR_IO (naming its owner and the running user when that is
 * the reason).
 */
int lock_acquire(struct lock *l, const char *db_path, const char *name, struct err *e);

/*
 * Whether a run holds the lock named name for the database at db_path now:
 * 1 yes, 0 no (or no lock file: no run ever took it), -1 cannot tell (the
 * file cannot be opened, e.g. by a reader of another user). A probe: a
 * shared flock(2) taken and let go at once, which lock_acquire waits out.
 */
int lock_running(const char *db_path, const char *name);

/* Release (close) the lock; the file stays. Safe on a lock never taken. */
void lock_release(struct lock *l);

#endif
