#include "db.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bigmem.h"
#include "db_int.h"
#include "db_row.h"
#include "lock.h"
#include "log.h"
#include "owner.h"
#include "when.h"

/* The page pool's slots (db_configure): the page size of a new database
 * (db_open). A database made with SQLite's default 4 KiB pages puts each
 * of its pages in a slot of its own too, so the pool holds half as many. */
#define DB_POOL_PAGE 8192

#ifndef SQLITE_DEFAULT_WAL_AUTOCHECKPOINT
#define SQLITE_DEFAULT_WAL_AUTOCHECKPOINT 1000 /* SQLite's own default */
#endif

int
db_fail(struct db *db, struct err *e, const char *what)
{
	int code = db && db->sql ? sqlite3_extended_errcode(db->sql) : SQLITE_ERROR;
	const char *msg = db && db->sql ? sqlite3_errmsg(db->sql) : "no database";
	const char *path = db && db->path ? db->path : "database";
	enum err_kind kind;

	switch (code & 0xff) {
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		kind = ERR_TEMP;
		break;
	case SQLITE_IOERR:
	case SQLITE_FULL:
	case SQLITE_READONLY:
	case SQLITE_CANTOPEN:
	case SQLITE_PERM:
	case SQLITE_CORRUPT:
	case SQLITE_NOTADB:
		kind = ERR_IO;
		break;
	default:
		kind = ERR_INTERNAL;
	}
	return err_set(e, kind, "%s: %s: %s", path, what, msg);
}

int
db_step_done(struct db *db, sqlite3_stmt *st, const char *what, struct err *e)
{
	int rc = sqlite3_step(st);

	if (rc != SQLITE_DONE)
		db_fail(db, e, what); /* before the reset, which may clear the message */
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

int
db_prepare(struct db *db, const char *sql, sqlite3_stmt **st, struct err *e)
{
	if (sqlite3_prepare_v2(db->sql, sql, -1, st, NULL) != SQLITE_OK) {
		*st = NULL;
		return db_fail(db, e, "prepare");
	}
	return 0;
}

int
db_exec(struct db *db, const char *sql, struct err *e)
{
	if (sqlite3_exec(db->sql, sql, NULL, NULL, NULL) != SQLITE_OK)
		return db_fail(db, e, "exec");
	return 0;
}

void
db_bind_text(sqlite3_stmt *st, int i, const char *s)
{
	if (s == NULL)
		sqlite3_bind_null(st, i);
	else
		sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT);
}

void
db_bind_opt_int(sqlite3_stmt *st, int i, int has, long long v)
{
	if (has)
		sqlite3_bind_int64(st, i, v);
	else
		sqlite3_bind_null(st, i);
}

char *
db_column_dup(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);

	return t != NULL ? xstrdup((const char *)t) : NULL;
}

static int
user_version(struct db *db, int *v, struct err *e)
{
	sqlite3_stmt *st;
	int rc;

	if (db_prepare(db, "PRAGMA user_version", &st, e) < 0)
		return -1;
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		sqlite3_finalize(st);
		return db_fail(db, e, "read schema version");
	}
	*v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return 0;
}

static int
migrate(struct db *db, struct err *e)
{
	char sql[64];
	int v;

	if (user_version(db, &v, e) < 0)
		return -1;
	if (v == db_nmigrations)
		return 0;
	if (v > db_nmigrations)
		return err_set(e, ERR_CONFIG,
		               "%s: schema version %d is newer than this nocturne (%d): upgrade "
		               "nocturne",
		               db->path, v, db_nmigrations);
	if (db_begin(db, e) < 0)
		return -1;
	/* Read again under the write lock: another process may have migrated. */
	if (user_version(db, &v, e) < 0)
		goto fail;
	for (; v < db_nmigrations; v++) {
		if (db_exec(db, db_migrations[v], e) < 0) {
			err_prefix(e, "migration to schema %d", v + 1);
			goto fail;
		}
		snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", v + 1);
		if (db_exec(db, sql, e) < 0)
			goto fail;
	}
	return db_commit(db, e);
fail:
	db_rollback(db);
	return -1;
}

/* The schema a read-only reader finds: exactly this build's, or refused. */
static int
check_version(struct db *db, struct err *e)
{
	int v;

	if (user_version(db, &v, e) < 0)
		return -1;
	if (v > db_nmigrations)
		return err_set(e, ERR_CONFIG,
		               "%s: schema version %d is newer than this nocturne (%d): upgrade "
		               "nocturne",
		               db->path, v, db_nmigrations);
	if (v == 0)
		return err_set(e, ERR_NOINPUT,
		               "%s: no nocturne data yet (an empty database): import data first",
		               db->path);
	if (v < db_nmigrations)
		return err_set(e, ERR_CONFIG,
		               "%s: schema version %d is older than this nocturne (%d): run "
		               "nocturne-import or nocturne-transmit once to upgrade it",
		               db->path, v, db_nmigrations);
	return 0;
}

/* "file:PATH?immutable=1", the path percent-encoded where a URI needs it. */
static char *
immutable_uri(const char *path)
{
	static const char tail[] = "?immutable=1";
	size_t n = strlen(path);
	char *uri = xmalloc(5 + 3 * n + sizeof(tail)), *p = uri;

	memcpy(p, "file:", 5);
	p += 5;
	for (; *path; path++) {
		unsigned char c = (unsigned char)*path;
		if (c == '?' || c == '#' || c == '%' || c < 0x20 || c >= 0x7f)
			p += snprintf(p, 4, "%%%02X", c);
		else
			*p++ = (char)c;
	}
	memcpy(p, tail, sizeof(tail));
	return uri;
}

static int
open_readonly(struct db *db, int busy_ms, struct err *e)
{
	int flags = SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX;
	size_t n = strlen(db->path);
	char *wal, *uri;
	int rc, v;

	if (sqlite3_open_v2(db->path, &db->sql, flags, NULL) != SQLITE_OK)
		goto cant;
	sqlite3_extended_result_codes(db->sql, 1);
	sqlite3_busy_timeout(db->sql, busy_ms);
	if (user_version(db, &v, e) == 0)
		return check_version(db, e);
	rc = sqlite3_extended_errcode(db->sql);
	if ((rc & 0xff) != SQLITE_READONLY && (rc & 0xff) != SQLITE_CANTOPEN)
		return -1;
	/* No WAL index and none can be made here: immutable, if no writer has it. */
	wal = xmalloc(n + 5);
	memcpy(wal, db->path, n);
	memcpy(wal + n, "-wal", 5);
	v = access(wal, F_OK) == 0;
	free(wal);
	if (v)
		return -1;
	sqlite3_close(db->sql);
	uri = immutable_uri(db->path);
	rc = sqlite3_open_v2(uri, &db->sql, flags | SQLITE_OPEN_URI, NULL);
	free(uri);
	if (rc != SQLITE_OK)
		goto cant;
	sqlite3_extended_result_codes(db->sql, 1);
	err_clear(e);
	return check_version(db, e);
cant:
	db_fail(db, e, "cannot open database");
	e->kind = ERR_IO;
	return -1;
}

/*
 * The database and the WAL and shared-memory files beside it must be
 * writable by the user running: one left by another user (a hand run as
 * root) is named with its owner, rather than failing later with "attempt to
 * write a readonly database".
 */
static int
db_check_owners(const char *path, struct err *e)
{
	static const char *const sfx[] = {"", "-wal", "-shm"};
	size_t n = strlen(path) + 8;
	char *p = xmalloc(n);
	int rc = 0;

	for (size_t i = 0; i < sizeof(sfx) / sizeof(sfx[0]) && rc == 0; i++) {
		snprintf(p, n, "%s%s", path, sfx[i]);
		rc = owner_check_writable(p, i == 0 ? "database" : "database file", e);
	}
	free(p);
	return rc;
}

static int pool_kib; /* db_page_pool */

void
db_page_pool(int kib)
{
	pool_kib = kib;
}

/*
 * Before SQLite's first use in the process, its page cache. With a pool
 * (db_page_pool) and transparent huge pages, the pages of every connection
 * come from one SQLITE_CONFIG_PAGECACHE buffer in a mapping advised huge
 * (bigmem.h): SQLite touches the whole pool as it starts, a few 2 MiB
 * faults, instead of one 4 KiB fault per page as malloc's pages are first
 * written (11 us each on these machines: 1,600 of them in the 100k night).
 * The 100k night x0.89, a status overview x0.54. Otherwise no pool, and no
 * bulk page-cache allocation per pager either. Every CHECK (x IN (...)) of
 * the schema builds a small ephemeral table per statement run, with its
 * own pager; its 20-page bulk (about 90 KB) sat at the top of the heap, so
 * glibc grew and trimmed the heap (brk, and a TLB flush on every CPU)
 * twice per stored message: half of the morning run's time. (With the
 * pool, an ephemeral table's pages come from it, with no bulk either.)
 * And no memory statistics (sqlite3_memory_used and the heap limits, which
 * nocturne does not use): keeping them takes a process-wide mutex on every
 * allocation (the 1M import x0.96, nights x0.98-0.99 of CPU). Later calls
 * (SQLite already initialised) are no-ops.
 */
static void
db_configure(void)
{
	static int done;
	int hdr = 0;

	if (done)
		return;
	done = 1;
	if (pool_kib > 0 && bigmem_huge() &&
	    sqlite3_config(SQLITE_CONFIG_PCACHE_HDRSZ, &hdr) == SQLITE_OK) {
		size_t slot = ((size_t)DB_POOL_PAGE + (size_t)hdr + 7) & ~(size_t)7;
		size_t n = (size_t)pool_kib * 1024 / DB_POOL_PAGE;
		void *pool = bigmem_alloc(slot * n);

		if (sqlite3_config(SQLITE_CONFIG_PAGECACHE, pool, (int)slot, (int)n) != SQLITE_OK)
			bigmem_free(pool, slot * n); /* SQLite already started: no pool */
	} else {
		(void)sqlite3_config(SQLITE_CONFIG_PAGECACHE, NULL, 0, 0);
	}
	(void)sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

int
db_open(struct db **out, const char *path, int busy_ms, enum db_open_mode mode, struct err *e)
{
	struct db *db;
	struct stat st;
	int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;

	*out = NULL;
	db_configure();
	if (stat(path, &st) != 0) {
		if (errno != ENOENT || mode != DB_OPEN_CREATE)
			return err_set(e, errno == ENOENT ? ERR_NOINPUT : ERR_IO,
			               "%s: cannot open database: %s%s", path, strerror(errno),
			               errno == ENOENT ? " (import data first, or check --db)"
			                               : "");
		if (owner_check_dir(path, e) < 0)
			return -1;
		flags |= SQLITE_OPEN_CREATE;
	} else if (mode != DB_OPEN_READONLY && db_check_owners(path, e) < 0) {
		return -1;
	}
	db = xcalloc(1, sizeof(*db));
	db->path = xstrdup(path);
	db->busy_ms = busy_ms;
	db->readonly = mode == DB_OPEN_READONLY;
	if (mode == DB_OPEN_READONLY) {
		if (open_readonly(db, busy_ms, e) < 0 ||
		    db_exec(db, DB_CACHE_PRAGMA "PRAGMA temp_store = MEMORY;", e) < 0) {
			db_close(db);
			return -1;
		}
		*out = db;
		return 0;
	}
	if (sqlite3_open_v2(path, &db->sql, flags, NULL) != SQLITE_OK) {
		db_fail(db, e, "cannot open database");
		e->kind = ERR_IO;
		db_close(db);
		return -1;
	}
	sqlite3_extended_result_codes(db->sql, 1);
	sqlite3_busy_timeout(db->sql, busy_ms);
	/* page_size: a new database's pages are 8 KiB (SQLite's default is 4;
	 * a database that has tables keeps its own). Each page the log gets
	 * is a 24-byte header and the page, appended at once: on ext4 a run of
	 * 4,120-byte appends past the end of a file costs the kernel a memset
	 * of new page-cache memory for most of each one (70% of dd's time
	 * writing 540 MB so, against none for 8,216-byte appends), which a
	 * 4M night's 540 MB log paid. The 4M night x0.93-0.94 (2 pairs), two
	 * nights of the bench's 1M town x0.93-0.955 (4 pairs); the morning
	 * unchanged (docs/bench.md, the runs of 19:17-19:24).
	 * threads: a sort that spills to temporary files (the night's pending
	 * requests by slot, its changes by request, an index built again)
	 * sorts its runs on a second thread; a million-request night saves a
	 * tenth of its time. The order is the same: every such sort has a
	 * unique key. */
	if (db_exec(db,
	            "PRAGMA page_size = 8192;"
	            "PRAGMA journal_mode = WAL;"
	            "PRAGMA synchronous = NORMAL;"
	            "PRAGMA foreign_keys = ON;" DB_CACHE_PRAGMA "PRAGMA temp_store = FILE;"
	            "PRAGMA threads = 2;",
	            e) < 0 ||
	    migrate(db, e) < 0) {
		db_close(db);
		return -1;
	}
	*out = db;
	return 0;
}

int
db_cache_size(struct db *db, long long size, long long *saved, struct err *e)
{
	char pragma[64];

	if (saved != NULL) {
		sqlite3_stmt *st;
		int rc;

		if (db_prepare(db, "PRAGMA cache_size", &st, e) < 0)
			return -1;
		rc = sqlite3_step(st);
		*saved = sqlite3_column_int64(st, 0);
		sqlite3_finalize(st);
		if (rc != SQLITE_ROW)
			return db_fail(db, e, "read the page cache's size");
	}
	snprintf(pragma, sizeof(pragma), "PRAGMA cache_size = %lld", size);
	return db_exec(db, pragma, e);
}

int
db_open_sibling(struct db *db, struct db **out, int cache_kib, struct err *e)
{
	if (db_open(out, db->path, db->busy_ms, DB_OPEN_EXISTING, e) < 0)
		return -1;
	if (cache_kib > 0 && db_cache_size(*out, -(long long)cache_kib, NULL, e) < 0) {
		db_close(*out);
		*out = NULL;
		return -1;
	}
	if (db->writer == NULL) {
		db->writer = xcalloc(1, sizeof(*db->writer));
		pthread_mutex_init(&db->writer->lock, NULL);
		db->writer->users = 1;
	}
	(*out)->writer = db->writer;
	db->writer->users++;
	return 0;
}

/* PRAGMA data_version: in db's read transaction if it has one, else in one of its own. */
static int
data_version(struct db *db, long long *v, struct err *e)
{
	sqlite3_stmt *st;

	if (db_row_one(db, "PRAGMA data_version", &st, "read the data version", e) < 0)
		return -1;
	*v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return 0;
}

struct db *
db_twin_open(struct db *db, const char *what)
{
	struct db *twin;
	struct err e;

	if (db_open(&twin, db->path, db->busy_ms,
	            db->readonly ? DB_OPEN_READONLY : DB_OPEN_EXISTING, &e) < 0) {
		log_debug("%s: one reader (%s)", what, e.msg);
		return NULL;
	}
	twin->twin_of = what;
	if (db_cache_size(twin, -(long long)DB_TWIN_CACHE_KIB, NULL, &e) < 0 ||
	    data_version(twin, &twin->version, &e) < 0) {
		log_debug("%s: one reader (%s)", what, e.msg);
		db_close(twin);
		return NULL;
	}
	return twin;
}

int
db_twin_join(struct db *twin, struct err *e)
{
	long long v;

	if (db_begin_read(twin, e) < 0)
		return -1;
	if (data_version(twin, &v, e) < 0) {
		db_rollback(twin);
		return -1;
	}
	if (v != twin->version) {
		log_debug("%s: one reader (a commit came before the second reader began)",
		          twin->twin_of);
		db_rollback(twin);
		return 0;
	}
	return 1;
}

void
db_close(struct db *db)
{
	sqlite3_stmt *st;
	int leaked = 0;

	if (db == NULL)
		return;
	if (db->sql != NULL) {
		while ((st = sqlite3_next_stmt(db->sql, NULL)) != NULL) {
			if (leaked++ == 0)
				log_warn("%s: internal: statement left unfinalized: %.80s",
				         db->path, sqlite3_sql(st));
			sqlite3_finalize(st);
		}
		sqlite3_close(db->sql);
	}
	if (db->writer != NULL && --db->writer->users == 0) {
		pthread_mutex_destroy(&db->writer->lock);
		free(db->writer);
	}
	free(db->path);
	free(db);
}

const char *
db_path(const struct db *db)
{
	return db->path;
}

static void
release(struct db *db)
{
	if (db->writing) {
		db->writing = 0;
		pthread_mutex_unlock(&db->writer->lock);
	}
}

int
db_begin(struct db *db, struct err *e)
{
	if (db->writer != NULL && !db->writing) {
		pthread_mutex_lock(&db->writer->lock);
		db->writing = 1;
	}
	if (db_exec(db, "BEGIN IMMEDIATE", e) < 0) {
		release(db);
		return err_prefix(e, "begin");
	}
	return 0;
}

int
db_begin_read(struct db *db, struct err *e)
{
	return db_exec(db, "BEGIN", e);
}

int
db_places_missing(struct db *db, long long *batch_id, struct err *e)
{
	sqlite3_stmt *st;

	*batch_id = 0;
	if (db_row_one(db, "SELECT coalesce(min(batch_id), 0) FROM batch WHERE places = 0", &st,
	               "read the batches' places", e) < 0)
		return -1;
	*batch_id = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return 0;
}

/* db_begin_read_places, or with write 1 db_begin_places. */
static int
begin_places(struct db *db, int write, struct err *e)
{
	struct timespec t0;
	long long batch_id;
	int running, idle = 0; /* times no night was running */

	when_mark(&t0);
	for (;;) {
		if ((write ? db_begin(db, e) : db_begin_read(db, e)) < 0)
			return -1;
		if (db_places_missing(db, &batch_id, e) < 0) {
			db_rollback(db);
			return -1;
		}
		if (batch_id == 0)
			return 0;
		db_rollback(db);
		/* No night runs: read once more (one may have just written them
		 * and ended), then say so. */
		running = lock_running(db->path, "transmit");
		if (running == 0 && idle++ == 0)
			continue;
		if (running == 0 || when_elapsed(&t0) * 1000 >= db->busy_ms)
			return err_set(
			    e, ERR_TEMP,
			    "%s: the slots' places of batch %lld are not written yet (its"
			    " night stopped before it wrote them?): the next"
			    " nocturne-transmit writes them",
			    db->path, batch_id);
		usleep(10000);
	}
}

int
db_begin_read_places(struct db *db, struct err *e)
{
	return begin_places(db, 0, e);
}

int
db_begin_places(struct db *db, struct err *e)
{
	return begin_places(db, 1, e);
}

int
db_commit(struct db *db, struct err *e)
{
	int rc = db_exec(db, "COMMIT", e);

	if (rc < 0)
		db_rollback(db);
	release(db);
	return rc < 0 ? err_prefix(e, "commit") : 0;
}

int
db_commit_durable(struct db *db, struct err *e)
{
	sqlite3_file *wal = NULL;
	int rc;

	if (db_commit(db, e) < 0)
		return -1;
	/* In WAL mode the journal is the log; a rollback journal (no WAL on
	 * this file system) was synced by the commit itself. */
	if (sqlite3_file_control(db->sql, "main", SQLITE_FCNTL_JOURNAL_POINTER, &wal) !=
	        SQLITE_OK ||
	    wal == NULL || wal->pMethods == NULL)
		return 0;
	rc = wal->pMethods->xSync(wal, SQLITE_SYNC_NORMAL);
	if (rc != SQLITE_OK)
		return err_set(e, ERR_IO, "%s: commit: cannot sync the write-ahead log: %s",
		               db->path, sqlite3_errstr(rc));
	return 0;
}

void
db_rollback(struct db *db)
{
	if (db == NULL)
		return;
	if (db->sql && !sqlite3_get_autocommit(db->sql))
		sqlite3_exec(db->sql, "ROLLBACK", NULL, NULL, NULL);
	release(db);
}

int
db_foreign_keys(struct db *db, int on, struct err *e)
{
	return db_exec(db, on ? "PRAGMA foreign_keys = ON" : "PRAGMA foreign_keys = OFF", e);
}

int
db_checks(struct db *db, int on, struct err *e)
{
	return db_exec(db,
	               on ? "PRAGMA ignore_check_constraints = OFF"
	                  : "PRAGMA ignore_check_constraints = ON",
	               e);
}

void
db_triggers(struct db *db, int on)
{
	sqlite3_db_config(db->sql, SQLITE_DBCONFIG_ENABLE_TRIGGER, on, (int *)NULL);
}

void
db_hold_checkpoints(struct db *db, int hold)
{
	sqlite3_wal_autocheckpoint(db->sql, hold ? 0 : SQLITE_DEFAULT_WAL_AUTOCHECKPOINT);
	if (!hold)
		db_checkpoint_passive(db);
}

void
db_checkpoint_passive(struct db *db)
{
	sqlite3_wal_checkpoint_v2(db->sql, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
}

void
db_checkpoint(struct db *db)
{
	sqlite3_wal_checkpoint_v2(db->sql, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
}

int
db_copy_to(struct db *db, const char *path, struct err *e)
{
	sqlite3_stmt *st;
	int rc;

	if (db_prepare(db, "VACUUM INTO ?1", &st, e) < 0)
		return -1;
	sqlite3_bind_text(st, 1, path, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc != SQLITE_DONE)
		err_set(e, ERR_IO, "%s: backup to %s: %s", db->path, path, sqlite3_errmsg(db->sql));
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

#define KEY_ROWS "SELECT request_id, seq FROM request"

/* A table kept in step with request by three triggers (db_schema.c). */
static const struct mirror {
	const char *sql, *what;
} mirrors[] = {
    [DB_MIRROR_HELD] = {"SELECT (SELECT count(*) FROM (SELECT " HELD_COLS
                        " FROM held EXCEPT " HELD_ROWS ")) + (SELECT count(*) FROM (" HELD_ROWS
                        " EXCEPT SELECT " HELD_COLS
                        " FROM held)), (SELECT count(*) FROM sqlite_schema WHERE type = 'trigger'"
                        " AND tbl_name = 'request'"
                        " AND name IN ('held_insert', 'held_update', 'held_delete'))",
                        "compare held with the requests"},
    [DB_MIRROR_KEY] = {"SELECT (SELECT count(*) FROM (SELECT request_id, seq FROM request_key"
                       " EXCEPT " KEY_ROWS ")) + (SELECT count(*) FROM (" KEY_ROWS
                       " EXCEPT SELECT request_id, seq FROM request_key)),"
                       " (SELECT count(*) FROM sqlite_schema WHERE type = 'trigger'"
                       " AND tbl_name = 'request' AND name IN ('request_key_insert',"
                       " 'request_key_update', 'request_key_delete'))",
                       "compare request_key with the requests"},
};

int
db_mirror_check(struct db *db, enum db_mirror m, long long *astray, int *triggers, struct err *e)
{
	sqlite3_stmt *st;
	int rc;

	if (db_prepare(db, mirrors[m].sql, &st, e) < 0)
		return -1;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*astray = sqlite3_column_int64(st, 0);
		*triggers = sqlite3_column_int(st, 1);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW)
		return db_fail(db, e, mirrors[m].what);
	return 0;
}

int
db_quick_check(struct db *db, int max, char ***lines, size_t *n, struct err *e)
{
	char sql[48], **v = NULL;
	size_t cap = 0, len = 0;
	sqlite3_stmt *st;
	int rc;

	*lines = NULL;
	*n = 0;
	snprintf(sql, sizeof(sql), "PRAGMA quick_check(%d)", max > 0 ? max : 1);
	if (db_prepare(db, sql, &st, e) < 0) {
		e->kind = ERR_IO;
		return -1;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *t = (const char *)sqlite3_column_text(st, 0);
		/* One row may hold several problems, one per line, under a heading. */
		while (t != NULL && *t != '\0' && len < (size_t)max) {
			size_t k = strcspn(t, "\n");
			if (k > 0 && strncmp(t, "ok", k) != 0 &&
			    strncmp(t, "*** in database", 15) != 0) {
				xgrow(&v, &cap, len + 1, sizeof(*v));
				v[len] = xmalloc(k + 1);
				memcpy(v[len], t, k);
				v[len++][k] = '\0';
			}
			t += k;
			t += *t == '\n';
		}
	}
	if (rc != SQLITE_DONE) {
		/* A database too damaged to check is one problem, said as SQLite says it. */
		xgrow(&v, &cap, len + 1, sizeof(*v));
		v[len++] = xstrdup(sqlite3_errmsg(db->sql));
	}
	sqlite3_finalize(st);
	*lines = v;
	*n = len;
	return 0;
}
