/*
 * opts.h - the options every tool shares (contract section 1).
 *
 * The commands' table-driven parser (cmd/tool.c) hands each option to
 * opts_common() first. Then opts_setup() loads the configuration (-c,
 * $NOCTURNE_CONFIG, /etc/nocturne/nocturne.ini, defaults), applies --db,
 * sets the clock (--now, $NOCTURNE_NOW, else the system clock) and the
 * log level.
 */
#ifndef NOCTURNE_OPTS_H
#define NOCTURNE_OPTS_H

#include <stdint.h>

#include "config.h"
#include "err.h"
#include "version.h"

enum {
	OPT_DB = 1000,
	OPT_NOW,
	OPT_TOOL = 1100, /* first value free for a tool's own long options */
};

struct opts {
	const char *config_path; /* -c */
	const char *db_path;     /* --db */
	const char *now_text;    /* --now */
	int dry_run;             /* -n */
	int verbose;             /* count of -v */
	int quiet;               /* -q */
	int help;                /* -h */
	int version;             /* -V */
};

/*
 * Empty o, and set up the process as every tool wants it: umask 027 (family
 * data is private: files are created 0640 at most) and SIGPIPE ignored (a
 * closed output pipe is a write error, exit 74). Call it first.
 */
void opts_init(struct opts *o);

/* Take option c (from getopt_long) if it is a common one: 1 if taken, else 0. */
int opts_common(struct opts *o, int c, const char *arg);

/*
 * Load the configuration into cfg (config_release() it even on failure),
 * apply --db, set *now and the log level for tool. Errors: ERR_CONFIG for the
 * configuration, ERR_USAGE for a bad --now / $NOCTURNE_NOW.
 */
int opts_setup(const struct opts *o, const char *tool, struct config *cfg, int64_t *now,
               struct err *e);

#endif
