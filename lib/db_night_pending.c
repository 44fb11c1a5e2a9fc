/*
 * db_night_pending.c - the night's read of its pending requests, by two
 * threads when there are many.
 *
 * The pending requests are read in the table's order from the last
 * batch's pending_from on, into the sort by slot (h->pending), and the
 * batch's next_from is found on the way: the lowest seq of those that stay
 * pending, submitted after the cutoff, else one past the highest seq. One
 * scan of the pending rows: a query of its own for next_from read the whole
 * table again when nothing stays pending, as on most nights (the 4M
 * night's read phase: 2.0-2.1 s instead of 2.2-2.8 s).
 *
 * Past PENDING_SPLIT rows to look at, a second thread reads the upper half
 * of the range through a second connection while this one reads the lower
 * half; its rows come back in blocks, PENDING_AHEAD at most waiting, and go
 * into the sort here (the sort's order does not depend on the order rows
 * are added: its key is unique). The second connection is a twin of the
 * night's (db.h), opened before the night's read snapshot was taken
 * (night.c): it joins that very snapshot, or, when a commit came between
 * (a portal's insert at that moment), it is not used. Its range ends at
 * the highest seq of the night's snapshot all the same. Without a twin or
 * a thread, one reader reads them all.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "db_night_int.h"
#include "log.h"
#include "ring.h"
#include "when.h"

/* Rows of seq to look at before a second thread reads half of them. */
#define PENDING_SPLIT (64 * 1024)
/* The second thread's blocks: rows each, and how many may wait. */
#define PENDING_ROWS 4096
#define PENDING_AHEAD 8

/* Where one reader's rows go: the sort, or the second thread's blocks. */
typedef int add_fn(void *arg, const struct rules_req *r, struct err *e);

/*
 * Read the pending requests of seq in [lo, hi) through st into add, the
 * lowest seq of those submitted after cutoff into *late (INT64_MAX: none).
 */
static int
read_range(struct db *db, sqlite3_stmt *st, int64_t lo, int64_t hi, int64_t cutoff, int64_t *late,
           add_fn *add, void *arg, struct err *e)
{
	struct rules_req r;
	int rc;

	*late = INT64_MAX;
	sqlite3_bind_int64(st, 1, lo);
	sqlite3_bind_int64(st, 2, hi);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		long long seq = sqlite3_column_int64(st, 0), child = sqlite3_column_int64(st, 1),
		          act = sqlite3_column_int64(st, 2), day = sqlite3_column_int64(st, 3);
		int64_t submitted_at = sqlite3_column_int64(st, 7);

		if (submitted_at > cutoff) { /* stays pending (any plan's order) */
			if (seq < *late)
				*late = seq;
			continue;
		}
		if (!db_night_fits32(seq) || !db_night_fits32(child) || !db_night_fits32(act) ||
		    !db_night_fits32(day)) {
			sqlite3_reset(st);
			return err_set(e, ERR_INTERNAL, "request %lld: a key is out of range", seq);
		}
		memset(&r, 0, sizeof(r));
		r.seq = (int32_t)seq;
		r.child = (int32_t)child;
		r.activity = (int32_t)act;
		r.day = (int32_t)day;
		r.action = sqlite3_column_int(st, 4) ? RULES_CANCEL : RULES_RESERVE;
		r.arrival = (int16_t)db_night_col_opt_int(st, 5, RULES_NO_TIME);
		r.departure = (int16_t)db_night_col_opt_int(st, 6, RULES_NO_TIME);
		r.submitted_at = submitted_at;
		r.state = RULES_PENDING;
		if (add(arg, &r, e) < 0) {
			sqlite3_reset(st);
			return -1;
		}
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return db_fail(db, e, "read pending requests");
	return 0;
}

static int
add_sorted(void *arg, const struct rules_req *r, struct err *e)
{
	struct db_night *h = arg;

	if (runsort_add(&h->pending, r, e) < 0)
		return err_prefix(e, "sort the pending requests");
	return 0;
}

/* The second reader: its connection, its range, its blocks. */
struct upper {
	struct db *twin;
	sqlite3_stmt *st;
	int64_t lo, hi, cutoff, late;
	struct ring ring;       /* its rows, to the night (ring.h) */
	struct rules_req *fill; /* the block being filled, NULL once the night stopped it */
	size_t n;               /* its rows so far */
};

static int
add_block(void *arg, const struct rules_req *r, struct err *e)
{
	struct upper *u = arg;

	u->fill[u->n++] = *r;
	if (u->n == PENDING_ROWS) {
		ring_filled(&u->ring, u->n);
		u->n = 0;
		u->fill = (struct rules_req *)ring_fill(&u->ring);
		if (u->fill == NULL)
			return err_set(e, ERR_INTERNAL, "read pending requests: stopped");
	}
	return 0;
}

static void *
upper_reader(void *arg)
{
	struct upper *u = arg;
	struct err e;
	int rc = -1;

	err_clear(&e);
	u->fill = (struct rules_req *)ring_fill(&u->ring);
	if (u->fill != NULL)
		rc =
		    read_range(u->twin, u->st, u->lo, u->hi, u->cutoff, &u->late, add_block, u, &e);
	if (rc == 0 && u->n > 0)
		ring_filled(&u->ring, u->n);
	ring_end(&u->ring, rc < 0 && u->fill != NULL ? &e : NULL);
	return NULL;
}

/*
 * The second reader's blocks into the sort: those ready (wait 0), or all
 * of them until it is done (wait 1). 0, or -1 (the sort's failure, or the
 * reader's).
 */
static int
take_blocks(struct db_night *h, struct upper *u, int wait, struct err *e)
{
	const char *blk;
	size_t n;
	int rc;

	while ((rc = ring_take(&u->ring, wait, &blk, &n, e)) > 0) {
		for (size_t k = 0; k < n; k++)
			if (add_sorted(h, (const struct rules_req *)blk + k, e) < 0)
				return -1;
		ring_give(&u->ring);
	}
	return rc;
}

/* The lower half's rows: into the sort, and every so often the upper half's blocks too. */
struct lower {
	struct db_night *h;
	struct upper *u;
	unsigned rows;
};

static int
add_lower(void *arg, const struct rules_req *r, struct err *e)
{
	struct lower *l = arg;

	if (add_sorted(l->h, r, e) < 0)
		return -1;
	if (++l->rows % PENDING_ROWS == 0)
		return take_blocks(l->h, l->u, 0, e);
	return 0;
}

/* Stop the second reader (if still going) and join it; free what it had. */
static void
upper_end(struct upper *u, pthread_t th)
{
	ring_stop(&u->ring);
	pthread_join(th, NULL);
	ring_free(&u->ring);
}

/*
 * [h->from, mid) here, [mid, end) by a second thread through twin: 1 done,
 * 0 when no thread could be had (nothing read), -1 on an error.
 */
static int
read_split(struct db_night *h, struct db *twin, int64_t mid, int64_t end, int64_t cutoff,
           int64_t *late, struct err *e)
{
	struct upper u;
	struct lower l;
	pthread_t th;
	int rc;

	memset(&u, 0, sizeof(u));
	u.twin = twin;
	u.lo = mid;
	u.hi = end;
	u.cutoff = cutoff;
	if (db_prepare(twin, NIGHT_SQL_PENDING, &u.st, e) < 0)
		return -1;
	ring_init(&u.ring, PENDING_AHEAD, PENDING_ROWS * sizeof(struct rules_req));
	if (pthread_create(&th, NULL, upper_reader, &u) != 0) {
		ring_free(&u.ring);
		sqlite3_finalize(u.st);
		return 0;
	}
	l.h = h;
	l.u = &u;
	l.rows = 0;
	rc = read_range(h->db, h->st[ST_PENDING], h->from, mid, cutoff, late, add_lower, &l, e);
	if (rc == 0)
		rc = take_blocks(h, &u, 1, e);
	upper_end(&u, th);
	sqlite3_finalize(u.st);
	if (rc < 0)
		return -1;
	if (u.late < *late)
		*late = u.late;
	return 1;
}

int
db_night_read_pending(struct db_night *h, int64_t cutoff, struct err *e)
{
	struct db *twin = h->twin;
	struct timespec t0;
	int64_t late = INT64_MAX;
	long long max;
	int done = 0, joined;

	h->twin = NULL; /* closed here, used or not */
	when_mark(&t0);
	if (db_night_query_int(h, "SELECT coalesce(max(seq), 0) FROM request", &max, e) < 0) {
		db_close(twin);
		return -1;
	}
	if (twin != NULL && max - h->from + 1 >= PENDING_SPLIT &&
	    sysconf(_SC_NPROCESSORS_ONLN) >= 2) {
		joined = db_twin_join(twin, e);
		if (joined > 0)
			done = read_split(h, twin, h->from + (max - h->from + 1) / 2, max + 1,
			                  cutoff, &late, e);
		if (joined < 0 || done < 0) {
			db_close(twin);
			return -1;
		}
	}
	db_close(twin);
	if (!done && read_range(h->db, h->st[ST_PENDING], h->from, INT64_MAX, cutoff, &late,
	                        add_sorted, h, e) < 0)
		return -1;
	h->next_from = late == INT64_MAX ? max + 1 : late;
	if (runsort_finish(&h->pending, e) < 0)
		return err_prefix(e, "sort the pending requests");
	log_debug("pending requests read by %d thread%s: %.2f s", done ? 2 : 1, done ? "s" : "",
	          when_elapsed(&t0));
	return 0;
}
