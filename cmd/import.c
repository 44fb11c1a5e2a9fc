/*
 * nocturne-import KIND FILE - load reference data or requests from CSV.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "config.h"
#include "csvin.h"
#include "db.h"
#include "import.h"
#include "log.h"
#include "opts.h"
#include "tool.h"
#include "when.h"

#define TOOL "nocturne-import"
#define SHOWN_MAX 100 /* bad rows printed; the rest are counted */

enum { OPT_REJECTS = OPT_TOOL };

static void
usage(FILE *fp)
{
	fprintf(fp,
	        "usage: " TOOL " [options] KIND FILE\n"
	        "Load reference data or requests from a CSV file (FILE '-' = standard input).\n"
	        "KIND: %s.\n"
	        "\n"
	        "  -c, --config FILE   configuration (default $NOCTURNE_CONFIG, then\n"
	        "                      /etc/nocturne/nocturne.ini, then built-in defaults)\n"
	        "      --db FILE       database (created if missing)\n"
	        "      --now TIME      the clock, 'YYYY-MM-DD HH:MM[:SS]'\n"
	        "  -n, --dry-run       check every row and count, store nothing\n"
	        "      --rejects OUT   store the good rows, write the bad ones to OUT (CSV)\n"
	        "  -v, --verbose       print counts on stderr\n"
	        "  -q, --quiet         only errors\n"
	        "  -h, --help          this help\n"
	        "  -V, --version       the version\n"
	        "\n"
	        "Exit: 0 done, 64 usage, 65 bad data (nothing stored without --rejects),\n"
	        "66 FILE missing, 74 I/O error, 75 database busy, 78 configuration.\n"
	        "See nocturne-import(1) and nocturne(5).\n",
	        import_kind_list());
}

struct shown {
	long count;
};

static void
on_bad(const char *msg, void *ctx)
{
	struct shown *s = ctx;

	if (s->count++ < SHOWN_MAX)
		log_error("%s", msg);
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
	    OPTS_LONG_COMMON,
	    {"rejects", required_argument, NULL, OPT_REJECTS},
	    {NULL, 0, NULL, 0},
	};
	struct opts o;
	struct config cfg;
	struct err e;
	struct csvin *in = NULL;
	struct db *db = NULL;
	struct import_opts io;
	struct import_counts c;
	struct shown shown = {0};
	enum import_kind kind;
	const char *rejects_path = NULL, *db_file;
	FILE *rejects = NULL;
	int64_t now = 0;
	struct timespec t0;
	int ch, rc, code = 0, keep_rejects = 0;

	when_mark(&t0);
	log_init(TOOL, LOG_LEVEL_WARN);
	opts_init(&o);
	err_clear(&e);
	config_defaults(&cfg);
	opterr = 0; /* one line of our own for a bad option, not getopt's too */
	while ((ch = getopt_long(argc, argv, OPTS_SHORT_COMMON, longopts, NULL)) != -1) {
		if (opts_common(&o, ch, optarg))
			continue;
		if (ch == OPT_REJECTS) {
			rejects_path = optarg;
			continue;
		}
		code = tool_usage_error("unknown option, or an option without its value: '%s'",
		                        argv[optind - 1]);
		goto done;
	}
	if (o.help) {
		usage(stdout);
		goto done;
	}
	if (o.version) {
		printf(TOOL " %s\n", NOCTURNE_VERSION);
		goto done;
	}
	if (argc - optind != 2) {
		code = tool_usage_error("expected KIND FILE, got %d argument%s", argc - optind,
		                        argc - optind == 1 ? "" : "s");
		goto done;
	}
	if (import_kind_parse(argv[optind], &kind) < 0) {
		code = tool_usage_error("unknown KIND '%s' (expected one of %s)", argv[optind],
		                        import_kind_list());
		goto done;
	}
	config_release(&cfg);
	if (opts_setup(&o, TOOL, &cfg, &now, &e) < 0) {
		code = tool_fail(&e);
		goto done;
	}
	(void)now;
	if (csvin_open(&in, argv[optind + 1], &e) < 0) {
		code = tool_fail(&e);
		goto done;
	}
	if (rejects_path != NULL) {
		rejects = fopen(rejects_path, "w");
		if (rejects == NULL) {
			err_set(&e, ERR_IO, "%s: cannot create: %s", rejects_path, strerror(errno));
			code = tool_fail(&e);
			goto done;
		}
	}
	/* A dry run creates nothing: without a database, check against an empty one. */
	db_file = cfg.db_path;
	if (o.dry_run && access(db_file, F_OK) != 0)
		db_file = ":memory:";
	if (db_open(&db, db_file, cfg.busy_timeout_ms, DB_OPEN_CREATE, &e) < 0) {
		code = tool_fail(&e);
		goto done;
	}

	memset(&io, 0, sizeof(io));
	io.dry_run = o.dry_run;
	io.rejects = rejects;
	io.rejects_name = rejects_path;
	io.bad = on_bad;
	io.ctx = &shown;
	rc = import_run(db, kind, in, &io, &c, &e);
	keep_rejects = rc == 0 || (e.kind == ERR_DATA && c.rejected > 0);
	if (shown.count > SHOWN_MAX)
		log_error("%s: %ld more problems not shown", csvin_name(in),
		          shown.count - SHOWN_MAX);
	if (o.dry_run && (rc == 0 || keep_rejects))
		printf("%s %s: %ld rows read, %ld to insert, %ld to update, %ld unchanged, "
		       "%ld bad; nothing stored (dry run)\n",
		       import_kind_name(kind), csvin_name(in), c.read, c.inserted, c.updated,
		       c.unchanged, c.rejected);
	else if (rc == 0 || keep_rejects)
		log_info("%s %s: %ld rows read, %ld inserted, %ld updated, %ld unchanged, %ld bad",
		         import_kind_name(kind), csvin_name(in), c.read, c.inserted, c.updated,
		         c.unchanged, c.rejected);
	if (rejects != NULL) {
		int bad_close = fclose(rejects) != 0;
		rejects = NULL;
		if (!keep_rejects) {
			unlink(rejects_path);
		} else if (bad_close && rc == 0) {
			rc = err_set(&e, ERR_IO, "%s: cannot write: %s", rejects_path,
			             strerror(errno));
		}
	}
	if (rc < 0)
		code = tool_fail(&e);
done:
	if (!o.dry_run)
		code = tool_metrics(db, &cfg, "import", code, now, &t0);
	if (rejects != NULL) {
		fclose(rejects);
		unlink(rejects_path);
	}
	db_close(db);
	csvin_free(in);
	config_release(&cfg);
	return tool_finish(code);
}
