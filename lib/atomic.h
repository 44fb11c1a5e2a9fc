/*
 * atomic.h - write a file so that a reader, or a crash, sees either the old
 * file or the whole new one, never half of it. Leaf: libc only.
 *
 * The bytes go to a new hidden file beside the target (".NAME.PID.N.tmp",
 * same directory, so the rename is atomic), which is flushed and fsync'ed,
 * renamed over the target, and then the directory is fsync'ed so the rename
 * itself survives a power cut. On any failure the temporary file is removed.
 * Used by the file mail transport (outbox.c) and nocturne-status --export,
 * --bounces and --html. Leaf: libc and bgwrite.h.
 */
#ifndef NOCTURNE_ATOMIC_H
#define NOCTURNE_ATOMIC_H

#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

#include "err.h"

struct atomic_file {
	FILE *fp;    /* write the contents here */
	FILE *plain; /* after atomic_background: the file's own FILE, unwritten */
	char *path;  /* the target */
	char *tmp;   /* the temporary file */
};

/*
 * Start writing path (created with mode, less the umask). Errors: ERR_IO
 * "TMP: cannot create: ..." (an output that cannot be created is an I/O
 * error, whatever the reason), ERR_USAGE for an empty path. On failure a
 * is left empty (atomic_abort() on it is harmless).
 */
int atomic_open(struct atomic_file *a, const char *path, mode_t mode, struct err *e);

/*
 * Have a thread of its own write what a->fp is given (bgwrite.h), for a
 * long output; before anything is written. 0, or -1 with ERR_IO (no
 * memory, no thread) and a unchanged. A failed write then shows as
 * ferror(a->fp), or at atomic_commit.
 */
int atomic_background(struct atomic_file *a, struct err *e);

/*
 * Flush, sync, close, rename into place, sync the directory. 0, or -1 with
 * ERR_IO naming the file ("PATH: cannot write: ...", "PATH: cannot rename
 * into place: ...", "DIR: cannot sync directory: ...") and nothing left
 * behind. a is released either way.
 */
int atomic_commit(struct atomic_file *a, struct err *e);

/* Give up: close and remove the temporary file, release a. */
void atomic_abort(struct atomic_file *a);

/* Write content[0..len) to path atomically (open, write, commit). 0 or -1. */
int atomic_write(const char *path, const char *content, size_t len, mode_t mode, struct err *e);

#endif
