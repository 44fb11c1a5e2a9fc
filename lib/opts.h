/*
 * opts.h - the options every tool shares (contract section 1).
 *
 * Each tool parses its own command line with getopt_long, lists
 * OPTS_LONG_COMMON in its table, and hands each option to opts_common()
 * first. Then opts_setup() loads the configuration (-c, $NOCTURNE_CONFIG,
 * /etc/nocturne/nocturne.ini, defaults), applies --db, sets the clock
 * (--now, $NOCTURNE_NOW, else the system clock) and the log level.
 */
#ifndef NOCTURNE_OPTS_H
#define NOCTURNE_OPTS_H

#include <getopt.h>
#include <stdint.h>

#include "config.h"
#include "err.h"

#define NOCTURNE_VERSION "1.0.0"

enum {
	OPT_DB = 1000,
	OPT_NOW,
	OPT_TOOL = 1100, /* first value free for a tool's own long options */
};

#define OPTS_SHORT_COMMON "c:nvqhV"
#define OPTS_LONG_COMMON                                                                           \
	{"config", required_argument, NULL, 'c'}, {"db", required_argument, NULL, OPT_DB},         \
	    {"now", required_argument, NULL, OPT_NOW}, {"dry-run", no_argument, NULL, 'n'},        \
	    {"verbose", no_argument, NULL, 'v'}, {"quiet", no_argument, NULL, 'q'},                \
	    {"help", no_argument, NULL, 'h'},                                                      \
	{                                                                                          \
		"version", no_argument, NULL, 'V'                                                  \
	}

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

/* Parse a --now value: 'YYYY-MM-DD HH:MM[:SS]' (also the T and French forms). */
int opts_parse_now(const char *s, int64_t *now);

#endif
