/*
 * owner.h - who runs what.
 *
 * The tools are meant to run as one user (the `nocturne` account of a
 * packaged install): cron runs them as that user, an operator by hand with
 * `runuser -u nocturne -- nocturne-...`. A run by another user (root, most
 * often) leaves files that user owns beside the database, and the next cron
 * run cannot write them. This module turns that situation into one line that
 * names the file, its owner and the user running, instead of SQLite's
 * "attempt to write a readonly database".
 */
#ifndef NOCTURNE_OWNER_H
#define NOCTURNE_OWNER_H

#include "err.h"

/*
 * Check that path, when it exists, can be written by the user running this
 * process. Not writable (EACCES): ERR_IO "PATH: WHAT owned by OWNER, which
 * this run (as USER) cannot write: run the tools as OWNER (runuser -u OWNER
 * -- ...), or chown it to USER". A path that does not exist is fine (0). what names the file
 * ("database", "lock file").
 */
int owner_check_writable(const char *path, const char *what, struct err *e);

/*
 * The directory that would hold a new file path must be writable; same
 * message as above, about the directory.
 */
int owner_check_dir(const char *path, struct err *e);

/*
 * Running as root, hand a file this run just created (fd) to the owner of
 * like (the database), as SQLite does for its WAL and shared-memory files,
 * so a hand run by root leaves nothing the cron user cannot open. Does
 * nothing when not root or when like cannot be read. Never fails.
 */
void owner_follow(int fd, const char *like);

/* The name of user uid ("uid N" when it has none), into buf. */
const char *owner_name(unsigned uid, char *buf, unsigned size);

#endif
