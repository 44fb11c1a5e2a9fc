/*
 * tool.h - what the four commands share at the edge: turning a struct err
 * into one line on stderr and an exit status, and a checked end of stdout.
 */
#ifndef NOCTURNE_TOOL_H
#define NOCTURNE_TOOL_H

#include <stdint.h>
#include <time.h>

#include "config.h"
#include "db.h"
#include "err.h"

/*
 * Print "TOOL: MESSAGE" on stderr and return the exit status for e's kind.
 * The quiet rule: ERR_TEMP (work left for a later run, 75) is printed as a
 * warning, so -q keeps it silent; every other kind needs a person and is
 * printed even under -q.
 */
int tool_fail(const struct err *e);

/* Print a usage error line and return 64. */
int tool_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Flush and close stdout; if that fails (full disk, closed pipe) print why
 * and return 74, else return code.
 */
int tool_finish(int code);

/*
 * The end of a run that opened db (NULL: nothing): rewrite [log]
 * metrics_file (metrics.h), recording the run as tool's last success when
 * code is 0. Returns code, or 74 with one line when the file could not be
 * written after a run that went well.
 */
int tool_metrics(struct db *db, const struct config *cfg, const char *tool, int code, int64_t now,
                 const struct timespec *t0);

#endif
