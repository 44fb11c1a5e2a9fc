/*
 * nocturne-import KIND FILE - load reference data or requests from CSV
 * (contract section 3). The work is lib/import.c's import_file().
 */
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "db.h"
#include "import.h"
#include "log.h"
#include "opts.h"
#include "tool.h"

#define SHOWN_MAX 100 /* bad rows printed; the rest are counted */

static void
on_bad(const char *msg, void *ctx)
{
	long *count = ctx;

	if ((*count)++ < SHOWN_MAX)
		log_error("%s", msg);
}

int
main(int argc, char **argv)
{
	const char *rejects_path = NULL;
	const struct tool_option own[] = {
	    {"rejects", "OUT", "store the good rows, write the bad ones to OUT (CSV)", NULL,
	     &rejects_path, NULL, NULL},
	    {NULL, NULL, NULL, NULL, NULL, NULL, NULL},
	};
	char about[256];
	const struct tool t = {
	    "nocturne-import",
	    "nocturne-import [options] KIND FILE\n",
	    about,
	    "database (created if missing)",
	    "check every row and count, store nothing",
	    own,
	    "exit: 0 done, 64 usage, 65 bad data (nothing stored without --rejects),\n"
	    "      66 FILE missing, 74 I/O error, 75 database busy, 78 configuration.\n"
	    "See nocturne-import(1) and nocturne(5).\n",
	};
	struct opts o;
	struct config cfg;
	struct err e;
	struct import_file_args a;
	struct import_counts c;
	enum import_kind kind;
	long shown = 0;
	int64_t now;
	int first, code;

	snprintf(about, sizeof(about),
	         "Load reference data or requests from a CSV file (FILE '-' = standard input).\n"
	         "KIND: %s.\n",
	         import_kind_list());
	/* Its reads are scans and its cache the size of the pool (db.h). */
	db_page_pool(DB_PAGE_POOL_KIB);
	code = tool_parse(&t, argc, argv, &o, &first);
	if (code != TOOL_CONTINUE)
		return code;
	if (argc - first != 2)
		return tool_usage_error("expected KIND FILE, got %d argument%s", argc - first,
		                        argc - first == 1 ? "" : "s");
	if (import_kind_parse(argv[first], &kind) < 0)
		return tool_usage_error("unknown KIND '%s' (expected one of %s)", argv[first],
		                        import_kind_list());

	err_clear(&e);
	memset(&cfg, 0, sizeof(cfg)); /* opts_setup fills it */
	memset(&a, 0, sizeof(a));
	a.dry_run = o.dry_run;
	a.rejects_path = rejects_path;
	a.out = stdout;
	a.bad = on_bad;
	a.ctx = &shown;
	if (opts_setup(&o, t.name, &cfg, &now, &e) < 0) {
		code = tool_fail(&e);
	} else {
		a.now = now;
		code = import_file(&cfg, kind, argv[first + 1], &a, &c, &e);
		if (shown > SHOWN_MAX)
			log_error("%s: %ld more problems not shown",
			          strcmp(argv[first + 1], "-") == 0 ? "stdin" : argv[first + 1],
			          shown - SHOWN_MAX);
		code = code < 0 ? tool_fail(&e) : 0;
	}
	config_release(&cfg);
	return tool_finish(code);
}
