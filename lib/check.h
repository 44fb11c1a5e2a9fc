/*
 * check.h - is this installation ready for tonight? (nocturne-status
 * --check, contract section 10.)
 *
 * Looks at everything a night and a morning need, as the user running it,
 * without changing anything: the database (opened read-only: schema
 * version, PRAGMA quick_check), the secrets (password and token files:
 * present, one line, not readable by group or others), the folders the
 * tools write (the database's, the outbox, the backups, the metrics file's:
 * present and writable), and the free disk space for the night; with
 * network, the SMTP relay (EHLO, STARTTLS, AUTH, nothing sent) and the back
 * office (TLS handshake, nothing sent). Each problem is one line in the
 * report, in that order; a check that cannot run because an earlier one
 * failed is skipped (no database, no integrity check).
 */
#ifndef NOCTURNE_CHECK_H
#define NOCTURNE_CHECK_H

#include <stddef.h>

#include "config.h"
#include "err.h"

struct check_problem {
	enum err_kind kind; /* what exit status it calls for */
	char *line;         /* one line, no newline */
};

struct check_report {
	struct check_problem *problems;
	size_t n, cap;
};

/*
 * Run every check for cfg (network: also the relay and the back office)
 * into r, which the caller zeroes first and frees with check_release().
 * Returns the number of problems (0: all is well).
 */
size_t check_run(const struct config *cfg, int network, struct check_report *r);

void check_release(struct check_report *r);

#endif
