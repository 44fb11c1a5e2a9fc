/*
 * nocturne-transmit - the nightly transmission: one batch resolving every
 * pending request against capacities and waiting lists (contract section 4).
 * Holds the transmit lock for the whole run; silent on success.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "backoffice.h"
#include "backup.h"
#include "config.h"
#include "db.h"
#include "db_batch.h"
#include "err.h"
#include "lock.h"
#include "log.h"
#include "night.h"
#include "opts.h"
#include "tool.h"
#include "when.h"

#define TOOL "nocturne-transmit"

enum { OPT_REDELIVER = OPT_TOOL };

static void
usage(FILE *fp)
{
	fputs("usage: nocturne-transmit [options]\n"
	      "Resolve every pending request submitted up to now in one batch, then\n"
	      "send it to the back office ([backoffice] url), after any batch still\n"
	      "waiting for it.\n"
	      "options:\n"
	      "  -c, --config FILE   configuration (default $NOCTURNE_CONFIG,\n"
	      "                      /etc/nocturne/nocturne.ini, built-in defaults)\n"
	      "      --db FILE       database path, overriding the configuration\n"
	      "      --now TIME      the clock, 'YYYY-MM-DD HH:MM[:SS]' (also $NOCTURNE_NOW)\n"
	      "  -n, --dry-run       print the batch it would make (summary, then its\n"
	      "                      decisions as CSV) and change nothing\n"
	      "      --redeliver     only send the batches still waiting for the back\n"
	      "                      office, oldest first (no new batch)\n"
	      "  -v, --verbose       counts and elapsed time on stderr\n"
	      "  -q, --quiet         errors only\n"
	      "  -h, --help / -V, --version\n"
	      "exit: 0 done (also --redeliver without a back office), 64 usage,\n"
	      "      66 no database, 69 a batch older than 12 hours still undelivered\n"
	      "         (night run only), 70 lock held for over 12 hours, 74 I/O error,\n"
	      "      75 another run holds the lock, the database stayed busy, or a\n"
	      "         back-office delivery failed (the next run sends it again;\n"
	      "         silent with -q), 78 configuration error\n",
	      fp);
}

/* Dry run: the batches a run would send, oldest first, on stdout. */
static int
print_waiting(struct db *db, const struct backoffice *bo, struct err *e)
{
	long long *ids;
	size_t n, i;

	if (db_batch_undelivered(db, &ids, &n, e) < 0)
		return -1;
	for (i = 0; i < n; i++)
		printf("dry run: would deliver batch %lld to %s\n", ids[i], backoffice_url(bo));
	free(ids);
	return 0;
}

/* No back office configured: say (with -v) if batches from before still wait. */
static void
note_left_waiting(struct db *db)
{
	struct err e;
	long long *ids;
	size_t n;

	err_clear(&e);
	if (db_batch_undelivered(db, &ids, &n, &e) < 0)
		return;
	free(ids);
	if (n > 0)
		log_info("%zu batch%s wait for the back office, but [backoffice] url is empty", n,
		         n == 1 ? "" : "es");
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
	    OPTS_LONG_COMMON,
	    {"redeliver", no_argument, NULL, OPT_REDELIVER},
	    {NULL, 0, NULL, 0},
	};
	struct opts o;
	struct config cfg;
	struct err e, bo_err;
	struct backoffice *bo = NULL;
	int redeliver = 0, held = 0, sent = 0;
	struct lock lk = {-1, NULL};
	struct db *db = NULL;
	struct night_result res;
	struct timespec t0;
	char summary[512], at[WHEN_DATETIME_LEN];
	int c, rc;
	int64_t now = 0;

	when_mark(&t0);
	log_init(TOOL, LOG_LEVEL_WARN);
	err_clear(&e);
	err_clear(&bo_err);
	opts_init(&o);
	memset(&cfg, 0, sizeof(cfg));
	opterr = 0;
	while ((c = getopt_long(argc, argv, OPTS_SHORT_COMMON, longopts, NULL)) != -1) {
		if (opts_common(&o, c, optarg))
			continue;
		if (c == OPT_REDELIVER) {
			redeliver = 1;
			continue;
		}
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
	    lock_acquire(&lk, cfg.db_path, "transmit", &e) < 0 ||
	    db_batch_check_clock(db, now, redeliver ? "the deliveries" : "tonight's batch", &e) <
	        0) {
		rc = tool_fail(&e);
		goto out;
	}
	/* Before anything is written: a backup that fails stops the night (74). */
	if (!o.dry_run && !redeliver && cfg.backup_dir[0] != '\0' &&
	    backup_take(db, cfg.backup_dir, cfg.backup_keep, now, NULL, &e) < 0) {
		rc = tool_fail(&e);
		goto out;
	}

	/*
	 * The back office: the configuration (token file) is checked before
	 * anything is done. Batches still waiting are sent first, oldest first;
	 * the first failure stops the sending (the back office gets batches in
	 * order) but not tonight's resolution.
	 */
	if (backoffice_enabled(&cfg)) {
		if (backoffice_open(&bo, &cfg, &e) < 0) {
			rc = tool_fail(&e);
			goto out;
		}
	} else if (redeliver) {
		/* A town without a back office has nothing to redeliver: done. */
		if (o.dry_run)
			printf("dry run: no back office ([backoffice] url is empty): nothing to "
			       "deliver\n");
		else
			note_left_waiting(db);
		rc = tool_finish(0);
		goto out;
	}
	if (bo != NULL && !o.dry_run) {
		if (backoffice_deliver_pending(bo, db, now, &sent, &bo_err) < 0) {
			if (bo_err.kind != ERR_TEMP) {
				rc = tool_fail(&bo_err);
				goto out;
			}
			held = 1;
		}
	}
	if (redeliver) {
		if (o.dry_run) {
			rc = print_waiting(db, bo, &e);
			rc = rc < 0 ? tool_fail(&e) : tool_finish(0);
		} else if (held) {
			backoffice_note_waiting(db, &bo_err);
			rc = tool_finish(tool_fail(&bo_err));
		} else {
			log_info("%d batch%s delivered to %s", sent, sent == 1 ? "" : "es",
			         backoffice_url(bo));
			rc = tool_finish(0);
		}
		goto out;
	}

	if (night_resolve(db, &cfg, now, &res, &e) < 0) {
		rc = tool_fail(&e);
		goto out;
	}
	night_summary(&res.counts, summary, sizeof(summary));
	when_format_datetime(res.ran_at, at);
	if (o.dry_run) {
		if (bo != NULL && print_waiting(db, bo, &e) < 0) {
			db_rollback(db);
			rc = tool_fail(&e);
			goto out;
		}
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
	         at, summary, res.n_slots, res.n_moved, when_elapsed(&t0));

	/* Tonight's batch, committed: sent unless an older one is still held. */
	if (bo != NULL && !held && backoffice_deliver(bo, db, res.batch_id, now, &bo_err) < 0) {
		if (bo_err.kind != ERR_TEMP) {
			rc = tool_fail(&bo_err);
			goto out;
		}
		held = 1;
	}
	if (held) {
		/* Failing since an earlier night: a person must look (even -q). */
		backoffice_overdue(db, now, &bo_err);
		backoffice_note_waiting(db, &bo_err);
		rc = tool_finish(tool_fail(&bo_err));
		goto out;
	}
	if (bo == NULL)
		note_left_waiting(db);
	rc = tool_finish(0);
out:
	if (!o.dry_run)
		rc = tool_metrics(db, &cfg, redeliver ? "redeliver" : "transmit", rc, now, &t0);
	backoffice_free(bo);
	db_close(db);
	lock_release(&lk);
	config_release(&cfg);
	return rc;
}
