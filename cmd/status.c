/*
 * nocturne-status - pending work, batches, the mail queue; the decisions
 * export; one request explained. Read-only: it never takes the lock and
 * reads one consistent snapshot of the database.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "config.h"
#include "db.h"
#include "err.h"
#include "log.h"
#include "opts.h"
#include "status.h"
#include "tool.h"

#define TOOL "nocturne-status"

enum { OPT_BATCH = OPT_TOOL, OPT_EXPORT, OPT_REQUEST, OPT_MAIL, OPT_CHECK, OPT_NETWORK };

static void
usage(FILE *fp)
{
	fputs("usage: nocturne-status [options]                 pending work, batches, mail queue\n"
	      "       nocturne-status [options] --batch N       one batch in detail\n"
	      "       nocturne-status [options] --export [--batch N] [FILE|-]\n"
	      "                                  decisions as CSV (all, or batch N's)\n"
	      "       nocturne-status [options] --request ID    explain one request\n"
	      "       nocturne-status [options] --mail          the mail queue in detail\n"
	      "       nocturne-status [options] --check [--network]\n"
	      "                                  is all ready for tonight? one line per problem\n"
	      "options:\n"
	      "  -c, --config FILE   configuration (default $NOCTURNE_CONFIG,\n"
	      "                      /etc/nocturne/nocturne.ini, built-in defaults)\n"
	      "      --db FILE       database path, overriding the configuration\n"
	      "      --now TIME      the clock, 'YYYY-MM-DD HH:MM[:SS]' (also $NOCTURNE_NOW)\n"
	      "  -n, --dry-run       accepted and ignored (status changes nothing)\n"
	      "  -v, --verbose / -q, --quiet\n"
	      "  -h, --help / -V, --version\n"
	      "exit: 0 done, 64 usage, 65 unknown batch or request, 66 no database,\n"
	      "      74 I/O error, 75 database busy, 78 configuration error;\n"
	      "      --check: 0 all is well, else the status of the first problem listed\n",
	      fp);
}

/* A batch number: a whole number >= 1. */
static int
parse_batch(const char *s, long long *n)
{
	char *end;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	*n = strtoll(s, &end, 10);
	return errno == 0 && *end == '\0' && *n >= 1 ? 0 : -1;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
	    OPTS_LONG_COMMON,
	    {"batch", required_argument, NULL, OPT_BATCH},
	    {"export", no_argument, NULL, OPT_EXPORT},
	    {"request", required_argument, NULL, OPT_REQUEST},
	    {"mail", no_argument, NULL, OPT_MAIL},
	    {"check", no_argument, NULL, OPT_CHECK},
	    {"network", no_argument, NULL, OPT_NETWORK},
	    {NULL, 0, NULL, 0},
	};
	struct opts o;
	struct config cfg;
	struct err e;
	struct db *db = NULL;
	const char *request_id = NULL, *file = NULL;
	long long batch = 0;
	int c, export = 0, mail = 0, check = 0, network = 0, rc;
	int64_t now;

	log_init(TOOL, LOG_LEVEL_WARN);
	err_clear(&e);
	opts_init(&o);
	memset(&cfg, 0, sizeof(cfg));
	opterr = 0;
	while ((c = getopt_long(argc, argv, OPTS_SHORT_COMMON, longopts, NULL)) != -1) {
		if (opts_common(&o, c, optarg))
			continue;
		switch (c) {
		case OPT_BATCH:
			if (parse_batch(optarg, &batch) < 0) {
				rc = tool_usage_error(
				    "--batch '%s': expected a batch number (1, 2, ...)", optarg);
				goto out;
			}
			break;
		case OPT_EXPORT:
			export = 1;
			break;
		case OPT_REQUEST:
			request_id = optarg;
			break;
		case OPT_MAIL:
			mail = 1;
			break;
		case OPT_CHECK:
			check = 1;
			break;
		case OPT_NETWORK:
			network = 1;
			break;
		default:
			rc =
			    tool_usage_error("unknown option, or an option without its value: '%s'",
			                     argv[optind - 1]);
			goto out;
		}
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
	if (export + mail + check + (request_id != NULL) > 1) {
		rc = tool_usage_error("--export, --request, --mail and --check go one at a time");
		goto out;
	}
	if (network && !check) {
		rc = tool_usage_error("--network goes with --check");
		goto out;
	}
	if (check && batch > 0) {
		rc = tool_usage_error("--batch goes alone or with --export");
		goto out;
	}
	if (batch > 0 && (mail || request_id != NULL)) {
		rc = tool_usage_error("--batch goes alone or with --export");
		goto out;
	}
	if (export && optind < argc)
		file = argv[optind++];
	if (optind < argc) {
		rc = tool_usage_error("unexpected argument '%s'", argv[optind]);
		goto out;
	}

	if (check) {
		struct check_report r = {0};

		if (opts_setup(&o, TOOL, &cfg, &now, &e) < 0) {
			rc = tool_fail(&e);
			goto out;
		}
		rc = 0;
		if (check_run(&cfg, network, &r) > 0) {
			for (size_t i = 0; i < r.n; i++)
				log_error("%s", r.problems[i].line);
			rc = err_exitcode(r.problems[0].kind);
		}
		check_release(&r);
		rc = tool_finish(rc);
		goto out;
	}
	if (opts_setup(&o, TOOL, &cfg, &now, &e) < 0 ||
	    db_open(&db, cfg.db_path, cfg.busy_timeout_ms, DB_OPEN_READONLY, &e) < 0) {
		rc = tool_fail(&e);
		goto out;
	}

	if (export && file != NULL && strcmp(file, "-") != 0)
		rc = status_export_file(db, batch, file, &e);
	else if (export)
		rc = status_export(db, batch, stdout, &e);
	else if (request_id != NULL)
		rc = status_request(db, request_id, stdout, &e);
	else if (mail)
		rc = status_mail(db, now, stdout, &e);
	else if (batch > 0)
		rc = status_batch(db, batch, stdout, &e);
	else
		rc = status_overview(db, now, stdout, &e);
	rc = rc < 0 ? tool_fail(&e) : tool_finish(0);
out:
	db_close(db);
	config_release(&cfg);
	return rc;
}
