/*
 * outbox.h - the file transport: each message an .eml file in a directory.
 *
 * A message is written through atomic.h (a hidden temporary file in the
 * directory, synced, renamed to its final name, the directory synced), so
 * a reader (or a crash) never sees half a message. Writing the same name again replaces
 * the file with the same bytes: a repeated delivery is harmless.
 */
#ifndef NOCTURNE_OUTBOX_H
#define NOCTURNE_OUTBOX_H

#include <stddef.h>

#include "err.h"

/*
 * Make sure dir exists (created mode 0750 if missing; its parent must
 * exist) and is a directory. ERR_IO naming dir on failure.
 */
int outbox_prepare(const char *dir, struct err *e);

/*
 * Write content[0..len) as dir/NAME.eml, where NAME is name with every
 * character other than letters, digits, '.', '_' and '-' replaced by '_'.
 * On success, *path (if path is not NULL) gets the file's path, malloc'ed
 * (caller frees). ERR_IO naming the file on failure (nothing is left behind).
 */
int outbox_write(const char *dir, const char *name, const char *content, size_t len, char **path,
                 struct err *e);

#endif
