/*
 * floor - what SQLite itself costs for the work of an import and of a batch,
 * used by bench.sh as the yardstick for nocturne-import and nocturne-transmit.
 *
 *   floor [-s] [-c KIB] DB N
 *
 * Creates DB afresh (removing DB, DB-wal, DB-shm) with nocturne's own
 * db_open(), so the schema is the tools' own (same tables, constraints and
 * indexes, whatever lib/db.c holds today), then reopens it directly and sets
 * what lib/db.c sets on every connection (WAL, synchronous=NORMAL,
 * foreign_keys=ON, cache_size=-32768, temp_store=FILE). The parents the
 * foreign keys point to (a family, 20,000 children, 28 activities, batch 1)
 * are filled untimed. -c KIB
 * sets another page cache size, to see what a bigger cache would buy. Then, each
 * phase one transaction (BEGIN IMMEDIATE ... COMMIT) with one prepared
 * statement, timed on the monotonic clock:
 *   insert   N single-row INSERTs into request, request_ids in order
 *            (the import floor);
 *   update   N single-row UPDATEs of request by primary key (state, reason,
 *            position, batch_id), in seq order, or in a random order with -s;
 *   decision N single-row INSERTs into decision (batch 1, seq order).
 * update + decision is the transmit floor: a batch must change every request
 * it decides and record it in decision.
 *
 * Prints one line, wall seconds then CPU (user + system) seconds per phase:
 * "n=N insert_s=S update_s=S decision_s=S insert_cpu=S update_cpu=S
 * decision_cpu=S", and exits 0, or
 * exits 1 with a message if anything fails or the rows are not all there.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define FLOOR_PROG "floor"
#include "floor_sql.h"

#include "db.h"
#include "err.h"

#define NCHILDREN 20000
#define NACTIVITIES 28
#define FIRST_DAY 19968 /* 2024-09-02 */

static void
setup(long cache_kib)
{
	sqlite3_stmt *st;
	char id[64];
	int i;

	exec("PRAGMA journal_mode = WAL;"
	     "PRAGMA synchronous = NORMAL;"
	     "PRAGMA foreign_keys = ON;"
	     "PRAGMA temp_store = FILE;");
	snprintf(id, sizeof(id), "PRAGMA cache_size = -%ld", cache_kib);
	exec(id);
	exec("BEGIN IMMEDIATE");
	exec("INSERT INTO family(ref, family_id, name) VALUES (1, 'F00001', 'Lefèvre Zoé')");
	st = prepare("INSERT INTO child(ref, child_id, family_ref, first_name, last_name)"
	             " VALUES (?, ?, 1, 'Léa', 'Lefèvre')");
	for (i = 1; i <= NCHILDREN; i++) {
		snprintf(id, sizeof(id), "E%06d", i);
		sqlite3_bind_int(st, 1, i);
		sqlite3_bind_text(st, 2, id, -1, SQLITE_TRANSIENT);
		step_reset(st, "insert child");
	}
	sqlite3_finalize(st);
	st = prepare("INSERT INTO activity(ref, activity_id, name) VALUES (?, ?, 'Cantine')");
	for (i = 1; i <= NACTIVITIES; i++) {
		snprintf(id, sizeof(id), "A%02d", i);
		sqlite3_bind_int(st, 1, i);
		sqlite3_bind_text(st, 2, id, -1, SQLITE_TRANSIENT);
		step_reset(st, "insert activity");
	}
	sqlite3_finalize(st);
	exec("INSERT INTO batch(batch_id, ran_at, cutoff, started_at, finished_at)"
	     " VALUES (1, 1725228000, 1725228000, 1725228000, 1725228000)");
	exec("COMMIT");
}

static struct span
insert_requests(long n)
{
	sqlite3_stmt *st;
	char id[32];
	struct span t0 = span_start();
	int64_t submitted = (int64_t)(FIRST_DAY - 28) * 86400;
	long i;

	exec("BEGIN IMMEDIATE");
	st = prepare("INSERT INTO request(request_id, child_ref, activity_ref, day, action,"
	             " arrival, departure, submitted_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
	for (i = 1; i <= n; i++) {
		int cancel = below(100) < 5, care = below(100) < 30;

		snprintf(id, sizeof(id), "R%07ld", i);
		submitted += (int64_t)below(4);
		sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int(st, 2, (int)below(NCHILDREN) + 1);
		sqlite3_bind_int(st, 3, (int)below(NACTIVITIES) + 1);
		sqlite3_bind_int(st, 4, FIRST_DAY + (int)below(70));
		sqlite3_bind_text(st, 5, cancel ? "cancel" : "reserve", -1, SQLITE_STATIC);
		if (care)
			sqlite3_bind_int(st, 6, 450 + 5 * (int)below(13));
		else
			sqlite3_bind_null(st, 6);
		sqlite3_bind_null(st, 7);
		sqlite3_bind_int64(st, 8, submitted);
		step_reset(st, "insert request");
	}
	sqlite3_finalize(st);
	exec("COMMIT");
	return span_end(t0);
}

static struct span
update_requests(long n, int shuffle)
{
	sqlite3_stmt *st;
	long *order = malloc((size_t)n * sizeof(*order)), i;
	struct span t0;

	if (order == NULL)
		die("memory", "out of memory");
	for (i = 0; i < n; i++)
		order[i] = i + 1;
	for (i = n - 1; shuffle && i > 0; i--) {
		long j = (long)below((uint64_t)i + 1), x = order[i];

		order[i] = order[j];
		order[j] = x;
	}
	t0 = span_start();
	exec("BEGIN IMMEDIATE");
	st = prepare("UPDATE request SET state = ?, reason = ?, position = ?, batch_id = 1"
	             " WHERE seq = ?");
	for (i = 0; i < n; i++) {
		unsigned p = (unsigned)below(100);

		if (p < 80) {
			sqlite3_bind_text(st, 1, "accepted", -1, SQLITE_STATIC);
			sqlite3_bind_null(st, 2);
			sqlite3_bind_null(st, 3);
		} else if (p < 92) {
			sqlite3_bind_text(st, 1, "waitlisted", -1, SQLITE_STATIC);
			sqlite3_bind_null(st, 2);
			sqlite3_bind_int(st, 3, (int)below(200) + 1);
		} else {
			sqlite3_bind_text(st, 1, "refused", -1, SQLITE_STATIC);
			sqlite3_bind_text(st, 2, "full", -1, SQLITE_STATIC);
			sqlite3_bind_null(st, 3);
		}
		sqlite3_bind_int64(st, 4, order[i]);
		step_reset(st, "update request");
		if (sqlite3_changes(db) != 1)
			die("update request", "no such row");
	}
	sqlite3_finalize(st);
	exec("COMMIT");
	free(order);
	return span_end(t0);
}

static struct span
insert_decisions(long n)
{
	sqlite3_stmt *st;
	struct span t0 = span_start();
	long i;

	exec("BEGIN IMMEDIATE");
	st = prepare("INSERT INTO decision(batch_id, seq, state, reason, position)"
	             " VALUES (1, ?, ?, ?, ?)");
	for (i = 1; i <= n; i++) {
		sqlite3_bind_int64(st, 1, i);
		sqlite3_bind_text(st, 2, "accepted", -1, SQLITE_STATIC);
		sqlite3_bind_null(st, 3);
		sqlite3_bind_null(st, 4);
		step_reset(st, "insert decision");
	}
	sqlite3_finalize(st);
	exec("COMMIT");
	return span_end(t0);
}

int
main(int argc, char **argv)
{
	const char *path;
	struct db *ndb;
	struct err e;
	struct span ins, upd, dec;
	long n;
	char *end;
	long cache_kib = 32768; /* lib/db.c: PRAGMA cache_size = -32768 */
	int c, shuffle = 0;

	while ((c = getopt(argc, argv, "sc:")) != -1) {
		if (c == 's') {
			shuffle = 1;
		} else if (c == 'c') {
			cache_kib = strtol(optarg, &end, 10);
			if (*end != '\0' || cache_kib < 1 || cache_kib > 16777216)
				goto usage;
		} else {
			goto usage;
		}
	}
	if (argc - optind != 2)
		goto usage;
	path = argv[optind];
	n = strtol(argv[optind + 1], &end, 10);
	if (*end != '\0' || n < 1 || n > 9999999)
		goto usage;
	remove_db(path);
	if (db_open(&ndb, path, 5000, DB_OPEN_CREATE, &e) < 0) {
		fprintf(stderr, "floor: %s\n", e.msg);
		return 1;
	}
	db_close(ndb);
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK)
		die(path, NULL);
	setup(cache_kib);
	ins = insert_requests(n);
	upd = update_requests(n, shuffle);
	dec = insert_decisions(n);
	if (count("SELECT count(*) FROM request WHERE state <> 'pending' AND batch_id = 1") != n ||
	    count("SELECT count(*) FROM decision") != n)
		die("rows missing after the run", "count");
	sqlite3_close(db);
	printf("n=%ld insert_s=%.3f update_s=%.3f decision_s=%.3f"
	       " insert_cpu=%.3f update_cpu=%.3f decision_cpu=%.3f\n",
	       n, ins.wall, upd.wall, dec.wall, ins.cpu, upd.cpu, dec.cpu);
	return fflush(stdout) == 0 && !ferror(stdout) ? 0 : 1;
usage:
	fputs("usage: floor [-s] [-c KIB] DB N\n", stderr);
	return 64;
}
