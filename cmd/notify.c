/*
 * nocturne-notify - compose and send the morning mail (contract section 6).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "db_batch.h"
#include "lock.h"
#include "log.h"
#include "mail.h"
#include "morning.h"
#include "opts.h"
#include "tool.h"
#include "when.h"

static void
usage(void)
{
	printf("usage: nocturne-notify [options]\n"
	       "Compose the compte-rendus and waitlist-acceptance notices owed to families,\n"
	       "then send the messages that are due ([mail] transport: smtp or file).\n"
	       "\n"
	       "  -c, --config FILE   configuration (default $NOCTURNE_CONFIG,\n"
	       "                      /etc/nocturne/nocturne.ini, built-in defaults)\n"
	       "      --db FILE       database path, overriding the configuration\n"
	       "      --now 'YYYY-MM-DD HH:MM[:SS]'  the clock (local time)\n"
	       "  -n, --dry-run       print what would be composed and sent; change nothing\n"
	       "  -v, --verbose       report counts on stderr (-vv: more)\n"
	       "  -q, --quiet         errors only\n"
	       "  -h, --help          this help\n"
	       "  -V, --version       version\n"
	       "\n"
	       "Exit: 0 done, 69 a message given up (5xx, max_attempts) or the mail server\n"
	       "unreachable and nothing delivered, 70 lock held for over 12 hours, 74 I/O\n"
	       "error, 75 locked or messages deferred to a later run (silent with -q),\n"
	       "78 configuration error.\n");
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {OPTS_LONG_COMMON, {NULL, 0, NULL, 0}};
	struct opts o;
	struct config cfg;
	struct err e;
	struct db *db = NULL;
	struct lock lk = {-1, NULL};
	struct morning_stats st;
	struct mail_buf preview = {0};
	int64_t now = 0;
	struct timespec t0;
	int c, code = 0;

	opts_init(&o);
	err_clear(&e);
	memset(&cfg, 0, sizeof(cfg));
	memset(&st, 0, sizeof(st));
	when_mark(&t0);
	log_init("nocturne-notify", LOG_LEVEL_WARN);
	opterr = 0;
	while ((c = getopt_long(argc, argv, OPTS_SHORT_COMMON, longopts, NULL)) != -1) {
		if (opts_common(&o, c, optarg))
			continue;
		return tool_usage_error("unknown option '%s'", argv[optind - 1]);
	}
	if (o.help) {
		usage();
		return tool_finish(0);
	}
	if (o.version) {
		printf("nocturne-notify %s\n", NOCTURNE_VERSION);
		return tool_finish(0);
	}
	if (optind < argc)
		return tool_usage_error("unexpected argument '%s'", argv[optind]);

	if (opts_setup(&o, "nocturne-notify", &cfg, &now, &e) < 0 ||
	    db_open(&db, cfg.db_path, cfg.busy_timeout_ms, DB_OPEN_EXISTING, &e) < 0 ||
	    (!o.dry_run && lock_acquire(&lk, cfg.db_path, "notify", &e) < 0) ||
	    db_batch_check_clock(db, now, "this morning's mail", &e) < 0 ||
	    morning_compose(db, &cfg, now, o.dry_run ? &preview : NULL, &st, &e) < 0 ||
	    morning_send(db, &cfg, now, o.dry_run ? &preview : NULL, &st, &e) < 0) {
		code = tool_fail(&e);
		goto done;
	}
	if (o.dry_run) {
		if (preview.len > 0)
			fwrite(preview.p, 1, preview.len, stdout);
		printf(
		    "dry run: would compose %ld compte-rendu(s) and %ld notice(s) (%ld skipped), "
		    "%ld stored message(s) due\n",
		    st.reports, st.notices, st.skipped, st.due);
		code = tool_finish(0);
		goto done;
	}
	log_info("composed %ld compte-rendu(s), %ld notice(s), %ld skipped; sent %ld, "
	         "deferred %ld, failed %ld; %lld pending",
	         st.reports, st.notices, st.skipped, st.sent, st.deferred, st.failed, st.pending);
	if (morning_outcome(&st, &e) < 0)
		code = tool_fail(&e);
	else
		code = tool_finish(0);
done:
	if (!o.dry_run)
		code = tool_metrics(db, &cfg, "notify", code, now, &t0);
	mail_buf_release(&preview);
	lock_release(&lk);
	db_close(db);
	config_release(&cfg);
	return code;
}
