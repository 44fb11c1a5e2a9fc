/*
 * nocturne-status - pending work, batches, the mail queue; the decisions
 * export; one request explained; the bounces (CSV) and the night on one
 * HTML page. Read-only: it never takes the lock and reads one consistent
 * snapshot of the database.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "config.h"
#include "db.h"
#include "err.h"
#include "explain.h"
#include "log.h"
#include "opts.h"
#include "status.h"
#include "tool.h"

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

static int
check_batch(const char *s)
{
	long long n;

	return parse_batch(s, &n);
}

int
main(int argc, char **argv)
{
	const char *request_id = NULL, *batch_text = NULL, *file = NULL;
	int export = 0, raw = 0, mail = 0, bounces = 0, html = 0, check = 0, network = 0;
	const struct tool_option own[] = {
	    {"batch", "N", "one batch in detail (or, with --export, its decisions)", NULL,
	     &batch_text, check_batch, "expected a batch number (1, 2, ...)"},
	    {"export", NULL, "decisions as CSV, to FILE or standard output", &export, NULL, NULL,
	     NULL},
	    {"raw", NULL,
	     "with --export: every value exactly as imported\n(default: spreadsheet-safe)", &raw,
	     NULL, NULL, NULL},
	    {"request", "ID", "explain one request", NULL, &request_id, NULL, NULL},
	    {"mail", NULL, "the mail queue in detail", &mail, NULL, NULL, NULL},
	    {"bounces", NULL,
	     "families whose first address bounced, as CSV, to FILE\nor standard output", &bounces,
	     NULL, NULL, NULL},
	    {"html", NULL, "the night on one HTML page, to FILE or standard output", &html, NULL,
	     NULL, NULL},
	    {"check", NULL, "is all ready for tonight? one line per problem", &check, NULL, NULL,
	     NULL},
	    {"network", NULL, "with --check: also reach the mail server and the back office",
	     &network, NULL, NULL, NULL},
	    {NULL, NULL, NULL, NULL, NULL, NULL, NULL},
	};
	const struct tool t = {
	    "nocturne-status",
	    "nocturne-status [options]                 pending work, batches, mail queue\n"
	    "       nocturne-status [options] --batch N       one batch in detail\n"
	    "       nocturne-status [options] --export [--raw] [--batch N] [FILE|-]\n"
	    "                                  decisions as CSV (all, or batch N's)\n"
	    "       nocturne-status [options] --request ID    explain one request\n"
	    "       nocturne-status [options] --mail          the mail queue in detail\n"
	    "       nocturne-status [options] --bounces [FILE|-]\n"
	    "                                  families whose first address bounced, as CSV\n"
	    "       nocturne-status [options] --html [FILE|-] the night on one HTML page\n"
	    "       nocturne-status [options] --check [--network]\n"
	    "                                  is all ready for tonight? one line per problem\n",
	    "Read-only: it never takes the lock and reads one snapshot of the database.\n",
	    NULL,
	    "accepted and ignored (status changes nothing)",
	    own,
	    "exit: 0 done, 64 usage, 65 unknown batch or request, 66 no database,\n"
	    "      74 I/O error, 75 database busy, 78 configuration error;\n"
	    "      --check: 0 all is well, else the status of the first problem listed\n",
	};
	struct opts o;
	struct config cfg;
	struct err e;
	struct db *db = NULL;
	long long batch = 0;
	int first, rc;
	int64_t now;

	/* Its reads are scans (db.h): the overview x0.54 with the pool. */
	db_page_pool(DB_PAGE_POOL_KIB);
	rc = tool_parse(&t, argc, argv, &o, &first);
	if (rc != TOOL_CONTINUE)
		return rc;
	if (batch_text != NULL)
		parse_batch(batch_text, &batch);
	if (export + mail + bounces + html + check + (request_id != NULL) > 1)
		return tool_usage_error(
		    "--export, --request, --mail, --bounces, --html and --check go one at a time");
	if (network && !check)
		return tool_usage_error("--network goes with --check");
	if (raw && !export)
		return tool_usage_error("--raw goes with --export");
	if (batch > 0 && (mail || bounces || html || check || request_id != NULL))
		return tool_usage_error("--batch goes alone or with --export");
	if ((export || bounces || html) && first < argc)
		file = argv[first++];
	if (first < argc)
		return tool_usage_error("unexpected argument '%s'", argv[first]);

	err_clear(&e);
	memset(&cfg, 0, sizeof(cfg)); /* opts_setup fills it */
	if (check) {
		struct check_report r = {0};

		if (opts_setup(&o, t.name, &cfg, &now, &e) < 0) {
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
	if (opts_setup(&o, t.name, &cfg, &now, &e) < 0 ||
	    db_open(&db, cfg.db_path, cfg.busy_timeout_ms, DB_OPEN_READONLY, &e) < 0) {
		rc = tool_fail(&e);
		goto out;
	}

	if (export && file != NULL && strcmp(file, "-") != 0)
		rc = status_export_file(db, batch, raw, file, &e);
	else if (export)
		rc = status_export(db, batch, raw, stdout, &e);
	else if (bounces && file != NULL && strcmp(file, "-") != 0)
		rc = status_bounces_file(db, file, &e);
	else if (bounces)
		rc = status_bounces(db, stdout, &e);
	else if (html && file != NULL && strcmp(file, "-") != 0)
		rc = status_html_file(db, now, cfg.bounce_limit, file, &e);
	else if (html)
		rc = status_html(db, now, cfg.bounce_limit, stdout, &e);
	else if (request_id != NULL)
		rc = explain_request(db, request_id, stdout, &e);
	else if (mail)
		rc = status_mail(db, now, cfg.bounce_limit, stdout, &e);
	else if (batch > 0)
		rc = status_batch(db, batch, stdout, &e);
	else
		rc = status_overview(db, now, cfg.bounce_limit, stdout, &e);
	rc = rc < 0 ? tool_fail(&e) : tool_finish(0);
out:
	db_close(db);
	config_release(&cfg);
	return rc;
}
