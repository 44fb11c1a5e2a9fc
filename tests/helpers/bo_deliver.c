/*
 * bo_deliver - test driver for lib/backoffice.c, without nocturne-transmit.
 *
 *   bo_deliver CONFIG DB NOW [BATCH]
 *
 * Opens (creating) DB, then delivers batch BATCH, or every batch pending
 * delivery oldest first, to the configured back office at clock NOW
 * ('YYYY-MM-DD HH:MM[:SS]'). Errors: one line "bo_deliver: ..." on stderr,
 * exit status as the tools map it. With an empty [backoffice] url it only
 * creates the database (so tests can fill it with the sqlite3 CLI).
 */
#include <stdio.h>
#include <stdlib.h>

#include "backoffice.h"
#include "config.h"
#include "db.h"
#include "err.h"
#include "log.h"
#include "when.h"

int
main(int argc, char **argv)
{
	struct config cfg;
	struct backoffice *bo = NULL;
	struct db *db = NULL;
	struct err e;
	int64_t now;
	int n = 0, rc = -1;

	err_clear(&e);
	log_init("bo_deliver", LOG_LEVEL_WARN);
	config_defaults(&cfg);
	if (argc < 4 || argc > 5 || when_parse_datetime(argv[3], &now) < 0) {
		fprintf(stderr, "usage: bo_deliver CONFIG DB 'YYYY-MM-DD HH:MM' [BATCH]\n");
		config_release(&cfg);
		return 64;
	}
	if (config_load_file(&cfg, argv[1], &e) < 0 ||
	    db_open(&db, argv[2], cfg.busy_timeout_ms, DB_OPEN_CREATE, &e) < 0)
		goto done;
	if (!backoffice_enabled(&cfg)) {
		rc = 0;
		goto done;
	}
	if (backoffice_open(&bo, &cfg, &e) < 0)
		goto done;
	if (argc == 5)
		rc = backoffice_deliver(bo, db, atoll(argv[4]), now, &e);
	else
		rc = backoffice_deliver_pending(bo, db, now, &n, &e);
	printf("delivered %d\n", argc == 5 ? rc == 0 : n);
	if (rc < 0 && e.kind == ERR_TEMP)
		backoffice_note_waiting(db, &e);
done:
	if (rc < 0)
		fprintf(stderr, "bo_deliver: %s\n", e.msg);
	backoffice_free(bo);
	db_close(db);
	config_release(&cfg);
	return rc < 0 ? err_exitcode(e.kind) : 0;
}
