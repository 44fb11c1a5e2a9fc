/*
 * nocturne-transmit - the nightly transmission: one batch resolving every
 * pending request against capacities and waiting lists (contract section 4).
 * Holds the transmit lock for the whole run; silent on success.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "config.h"
#include "db.h"
#include "err.h"
#include "lock.h"
#include "log.h"
#include "night.h"
#include "opts.h"
#include "tool.h"
#include "when.h"

#define TOOL "nocturne-transmit"

static void
usage(FILE *fp)
{
	fputs("usage: nocturne-transmit [options]\n"
	      "Resolve every pending request submitted up to now in one batch.\n"
	      "options:\n"
	      "  -c, --config FILE   configuration (default $NOCTURNE_CONFIG,\n"
	      "                      /etc/nocturne/nocturne.ini, built-in defaults)\n"
	      "      --db FILE       database path, overriding the configuration\n"
	      "      --now TIME      the clock, 'YYYY-MM-DD HH:MM[:SS]' (also $NOCTURNE_NOW)\n"
	      "  -n, --dry-run       print the batch it would make (summary, then its\n"
	      "                      decisions as CSV) and change nothing\n"
	      "  -v, --verbose       counts and elapsed time on stderr\n"
	      "  -q, --quiet         errors only\n"
	      "  -h, --help / -V, --version\n"
	      "exit: 0 done, 64 usage, 66 no database, 74 I/O error,\n"
	      "      75 another run holds the lock or the database stayed busy,\n"
	      "      78 configuration error\n",
	      fp);
}

static double
elapsed_since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
	    OPTS_LONG_COMMON,
	    {NULL, 0, NULL, 0},
	};
	struct opts o;
	struct config cfg;
	struct err e;
	struct lock lk = {-1, NULL};
	struct db *db = NULL;
	struct night_result res;
	struct timespec t0;
	char summary[512], at[WHEN_DATETIME_LEN];
	int c, rc;
	int64_t now;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	log_init(TOOL, LOG_LEVEL_WARN);
	err_clear(&e);
	opts_init(&o);
	memset(&cfg, 0, sizeof(cfg));
	opterr = 0;
	while ((c = getopt_long(argc, argv, OPTS_SHORT_COMMON, longopts, NULL)) != -1) {
		if (opts_common(&o, c, optarg))
			continue;
		rc = tool_usage_error("unknown option, or an option without its value: '%s'",
		                      argv[optind - 1]);
		goto out;
	}
	if (o.help) {
		usage(stdout);
		rc = tool_finish(0);
		goto out;
	}
	if (o.version) {
		printf("%s %s\n", TOOL, NOCTURNE_VERSION);
		rc = tool_finish(0);
		goto out;
	}
	if (optind < argc) {
		rc = tool_usage_error("unexpected argument '%s'", argv[optind]);
		goto out;
	}

	if (opts_setup(&o, TOOL, &cfg, &now, &e) < 0 ||
	    db_open(&db, cfg.db_path, cfg.busy_timeout_ms, DB_OPEN_EXISTING, &e) < 0 ||
	    lock_acquire(&lk, cfg.db_path, "transmit", &e) < 0) {
		rc = tool_fail(&e);
		goto out;
	}

	/* (Back office: deliver the batches still undelivered, oldest first, here.) */

	if (night_resolve(db, &cfg, now, &res, &e) < 0) {
		rc = tool_fail(&e);
		goto out;
	}
	night_summary(&res.counts, summary, sizeof(summary));
	when_format_datetime(res.ran_at, at);
	if (o.dry_run) {
		printf("dry run: batch %lld at %s would decide %s\n", res.batch_id, at, summary);
		rc = night_export(db, res.batch_id, stdout, &e);
		db_rollback(db);
		rc = rc < 0 ? tool_fail(&e) : tool_finish(0);
		goto out;
	}
	if (db_commit(db, &e) < 0) {
		db_rollback(db);
		rc = tool_fail(&e);
		goto out;
	}
	if (res.counts.n_requests >= 10000)
		db_checkpoint(db);
	log_info("batch %lld at %s: %s; slots %zu, positions renumbered %zu, %.2f s", res.batch_id,
	         at, summary, res.n_slots, res.n_moved, elapsed_since(&t0));

	/* (Back office: deliver the new batch here, after its commit.) */

	rc = tool_finish(0);
out:
	db_close(db);
	lock_release(&lk);
	config_release(&cfg);
	return rc;
}
