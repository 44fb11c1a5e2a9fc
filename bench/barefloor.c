/*
 * barefloor - what SQLite alone needs to store a town's requests and one
 * night's decisions, in the smallest schema that can hold them: the goals
 * of bench.sh (import <= 1.5x, transmit <= 2x) are ratios to it.
 *
 *   barefloor [-S SYNC] [-D] [-w FILE] DB REQUESTS.CSV
 *
 * REQUESTS.CSV is the town's requests file (contract section 3, ';'
 * separated, the columns in towngen's order); it is read into memory first,
 * untimed, so the floor stores the very rows nocturne-import stores, in the
 * same order (the request ids as the file gives them). DB is created afresh
 * (DB, DB-wal, DB-shm removed) with two tables and no other index:
 *
 *   request(seq INTEGER PRIMARY KEY, request_id TEXT NOT NULL UNIQUE,
 *           child, activity, day, action, arrival, departure, submitted_at,
 *           state, reason, position, batch_id)
 *   decision(seq, state, reason, position)       -- an append-only log
 *
 * and lib/db.c's per-connection pragmas (WAL, cache_size = -32768,
 * temp_store = FILE, synchronous = SYNC, default NORMAL). -D: the transmit
 * transaction is durable (synchronous = FULL for it: its commit syncs the
 * log), as nocturne-transmit's batch is (db_commit_durable). Then, each one
 * transaction (BEGIN IMMEDIATE ... COMMIT) with prepared statements, timed
 * on the monotonic clock:
 *   insert    N inserts of the file's rows (the import floor);
 *   transmit  N updates of (state, reason, position, batch_id) by primary
 *             key in key order, each followed by one appended decision row
 *             (the transmit floor).
 *
 * -w FILE: between the two, create FILE.ready and wait until FILE exists,
 * so that another writer (stress/portal.py, the portal) can be started on
 * DB and measured beside the transmit transaction alone.
 *
 * Prints one line "n=N insert_s=S transmit_s=S insert_cpu=S transmit_cpu=S"
 * and exits 0; exits 1 with a message when anything fails or rows are
 * missing, 64 on a usage error.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define FLOOR_PROG "barefloor"
#include "floor_sql.h"

/* One request as stored: the text key, integers for the rest. */
struct row {
	char id[12];
	char action;                                      /* 'r' or 'c' */
	int32_t child, activity, day, arrival, departure; /* -1 = none */
	int64_t submitted;
};

static int32_t
digits(const char *s)
{
	int32_t v = 0;

	for (; *s && *s != ';'; s++)
		if (*s >= '0' && *s <= '9')
			v = v * 10 + (*s - '0');
	return v;
}

static int32_t
minutes(const char *s)
{
	if (*s == ';' || *s == '\0' || *s == '\n')
		return -1;
	return (int32_t)(atoi(s) * 60 + atoi(s + 3));
}

/* Days since 1970 of YYYY-MM-DD (proleptic Gregorian). */
static int32_t
days(const char *s)
{
	int y = atoi(s), m = atoi(s + 5), d = atoi(s + 8);

	y -= m <= 2;
	int era = (y >= 0 ? y : y - 399) / 400, yoe = y - era * 400;
	int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

	return era * 146097 + doe - 719468;
}

/* The activity ids, interned: a small table. */
static char acts[256][32];
static int nacts;

static int32_t
activity(const char *s)
{
	size_t len = strcspn(s, ";");
	int i;

	for (i = 0; i < nacts; i++)
		if (strlen(acts[i]) == len && memcmp(acts[i], s, len) == 0)
			return i + 1;
	if (nacts == 256 || len >= sizeof(acts[0]))
		die("activities", "too many or too long");
	memcpy(acts[nacts], s, len);
	acts[nacts][len] = '\0';
	return ++nacts;
}

static struct row *
read_rows(const char *path, long *count)
{
	FILE *f = fopen(path, "r");
	static const char header[] =
	    "request_id;child_id;activity_id;date;action;arrival;departure;submitted_at";
	char line[512];
	struct row *rows = NULL;
	long n = 0, cap = 0;

	if (f == NULL)
		die(path, "cannot open");
	if (fgets(line, sizeof(line), f) == NULL || strncmp(line, header, sizeof(header) - 1) != 0)
		die(path, "not a towngen requests file");
	while (fgets(line, sizeof(line), f) != NULL) {
		char *fld[8], *p = line;
		struct row *r;
		int i;

		for (i = 0; i < 8; i++) {
			fld[i] = p;
			p = strchr(p, ';');
			if (p == NULL && i < 7)
				die(path, "a line with fewer than 8 fields");
			if (p != NULL)
				p++;
		}
		if (n == cap) {
			cap = cap ? cap * 2 : 65536;
			rows = realloc(rows, (size_t)cap * sizeof(*rows));
			if (rows == NULL)
				die("memory", "out of memory");
		}
		r = &rows[n++];
		snprintf(r->id, sizeof(r->id), "%.*s", (int)strcspn(fld[0], ";"), fld[0]);
		r->child = digits(fld[1]);
		r->activity = activity(fld[2]);
		r->day = days(fld[3]);
		r->action = fld[4][0] == 'c' ? 'c' : 'r';
		r->arrival = minutes(fld[5]);
		r->departure = minutes(fld[6]);
		r->submitted = (int64_t)days(fld[7]) * 86400 + atoi(fld[7] + 11) * 3600 +
		               atoi(fld[7] + 14) * 60 + atoi(fld[7] + 17);
	}
	fclose(f);
	if (n == 0)
		die(path, "no rows");
	*count = n;
	return rows;
}

static void
bind_opt(sqlite3_stmt *st, int i, int32_t v)
{
	if (v < 0)
		sqlite3_bind_null(st, i);
	else
		sqlite3_bind_int(st, i, v);
}

/* -w: say the rows are in (FILE.ready), then wait for FILE. */
static void
wait_for_go(const char *go)
{
	char ready[4096];
	FILE *fp;

	if (snprintf(ready, sizeof(ready), "%s.ready", go) >= (int)sizeof(ready))
		die(go, "name too long");
	if ((fp = fopen(ready, "w")) == NULL || fclose(fp) != 0)
		die(ready, "cannot create");
	while (access(go, F_OK) != 0)
		usleep(10000);
}

static struct span
insert_rows(const struct row *rows, long n)
{
	struct span t0 = span_start();
	sqlite3_stmt *st;
	long i;

	exec("BEGIN IMMEDIATE");
	st = prepare("INSERT INTO request(request_id, child, activity, day, action, arrival,"
	             " departure, submitted_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
	for (i = 0; i < n; i++) {
		const struct row *r = &rows[i];

		sqlite3_bind_text(st, 1, r->id, -1, SQLITE_STATIC);
		sqlite3_bind_int(st, 2, r->child);
		sqlite3_bind_int(st, 3, r->activity);
		sqlite3_bind_int(st, 4, r->day);
		sqlite3_bind_text(st, 5, r->action == 'c' ? "cancel" : "reserve", -1,
		                  SQLITE_STATIC);
		bind_opt(st, 6, r->arrival);
		bind_opt(st, 7, r->departure);
		sqlite3_bind_int64(st, 8, r->submitted);
		step_reset(st, "insert request");
	}
	sqlite3_finalize(st);
	exec("COMMIT");
	return span_end(t0);
}

static struct span
transmit(long n)
{
	struct span t0 = span_start();
	sqlite3_stmt *up, *dec;
	long i;

	exec("BEGIN IMMEDIATE");
	up = prepare("UPDATE request SET state = ?1, reason = ?2, position = ?3, batch_id = 1"
	             " WHERE seq = ?4");
	dec = prepare("INSERT INTO decision(seq, state, reason, position) VALUES (?4, ?1, ?2, ?3)");
	for (i = 1; i <= n; i++) {
		unsigned p = (unsigned)below(100);
		sqlite3_stmt *both[2] = {up, dec};
		int k;

		for (k = 0; k < 2; k++) {
			sqlite3_stmt *st = both[k];

			if (p < 80) {
				sqlite3_bind_text(st, 1, "accepted", -1, SQLITE_STATIC);
				sqlite3_bind_null(st, 2);
				sqlite3_bind_null(st, 3);
			} else if (p < 92) {
				sqlite3_bind_text(st, 1, "waitlisted", -1, SQLITE_STATIC);
				sqlite3_bind_null(st, 2);
				sqlite3_bind_int(st, 3, (int)(p - 79));
			} else {
				sqlite3_bind_text(st, 1, "refused", -1, SQLITE_STATIC);
				sqlite3_bind_text(st, 2, "full", -1, SQLITE_STATIC);
				sqlite3_bind_null(st, 3);
			}
			sqlite3_bind_int64(st, 4, i);
		}
		step_reset(up, "update request");
		if (sqlite3_changes(db) != 1)
			die("update request", "no such row");
		step_reset(dec, "insert decision");
	}
	sqlite3_finalize(up);
	sqlite3_finalize(dec);
	exec("COMMIT");
	return span_end(t0);
}

int
main(int argc, char **argv)
{
	const char *path, *sync = "NORMAL", *go = NULL;
	char sql[256];
	struct row *rows;
	struct span ins, tx;
	long n;
	int c, durable = 0;

	while ((c = getopt(argc, argv, "S:Dw:")) != -1) {
		if (c == 'D')
			durable = 1;
		else if (c == 'w')
			go = optarg;
		else if (c == 'S' &&
		         (strcmp(optarg, "NORMAL") == 0 || strcmp(optarg, "FULL") == 0 ||
		          strcmp(optarg, "EXTRA") == 0 || strcmp(optarg, "OFF") == 0))
			sync = optarg;
		else
			goto usage;
	}
	if (argc - optind != 2)
		goto usage;
	path = argv[optind];
	rows = read_rows(argv[optind + 1], &n);
	remove_db(path);
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
	    SQLITE_OK)
		die(path, NULL);
	/* Another writer beside it (-w, the portal) is waited for as the tools do. */
	sqlite3_busy_timeout(db, 5000);
	snprintf(sql, sizeof(sql),
	         "PRAGMA page_size = 8192;" /* the tools' own (lib/db.c) */
	         "PRAGMA journal_mode = WAL;"
	         "PRAGMA synchronous = %s;"
	         "PRAGMA cache_size = -32768;"
	         "PRAGMA temp_store = FILE;",
	         sync);
	exec(sql);
	exec("CREATE TABLE request(seq INTEGER PRIMARY KEY, request_id TEXT NOT NULL UNIQUE,"
	     " child INTEGER, activity INTEGER, day INTEGER, action TEXT, arrival INTEGER,"
	     " departure INTEGER, submitted_at INTEGER, state TEXT NOT NULL DEFAULT 'pending',"
	     " reason TEXT, position INTEGER, batch_id INTEGER);"
	     "CREATE TABLE decision(seq INTEGER, state TEXT, reason TEXT, position INTEGER);");
	ins = insert_rows(rows, n);
	free(rows);
	if (go != NULL)
		wait_for_go(go);
	if (durable)
		exec("PRAGMA synchronous = FULL");
	tx = transmit(n);
	if (count("SELECT count(*) FROM request WHERE batch_id = 1") != n ||
	    count("SELECT count(*) FROM decision") != n)
		die("rows missing after the run", "count");
	sqlite3_close(db);
	printf("n=%ld insert_s=%.3f transmit_s=%.3f insert_cpu=%.3f transmit_cpu=%.3f\n", n,
	       ins.wall, tx.wall, ins.cpu, tx.cpu);
	return fflush(stdout) == 0 && !ferror(stdout) ? 0 : 1;
usage:
	fputs("usage: barefloor [-S NORMAL|FULL|EXTRA|OFF] [-D] [-w FILE] DB REQUESTS.CSV\n", stderr);
	return 64;
}
