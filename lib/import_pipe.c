/*
 * import_pipe.c - a requests file read on a second thread: the reader
 * parses and checks each row (the CSV, its encoding, the values, the child
 * and activity ids) while this thread stores the rows read before it, so a
 * large file keeps both cores busy. The rows are stored in the file's order
 * and each problem is reported as the serial import reports it (same line,
 * same words). Not with --rejects, whose rows are written out as read.
 *
 * The reader fills blocks of PIPE_ROWS rows, each row's strings copied into
 * the block's arena, and hands each full block over; PIPE_BLOCKS blocks go
 * round between the two threads, so the reader is never more than that many
 * blocks ahead and memory does not grow with the file.
 *
 * This thread inserts each block's requests as it comes, in the file's
 * order, seqs one after the other, and sorts their ids on the side
 * (runsort: bounded memory, runs spilled to a temporary file). At the end
 * of the file the ids go into request_key in id order, in one pass
 * (keys_pass: one statement over the sort, db_import_add_keys), so each
 * page of the key is written once, as by CREATE INDEX, whatever the
 * file's order. An id found taken then (by an earlier
 * import or an earlier line) takes its request back out, which leaves its
 * seq unused; the problems of the rows are reported then, in the file's
 * order, and so that they need not be kept in memory, a key pass also runs
 * once BAD_MAX bytes of them wait. SQLite's cache is PASS_CACHE_KIB for
 * such an import instead of its usual 32 MiB.
 */
#include "import_int.h"

#include "runsort.h"

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/*
 * 16 blocks (8,192 rows; the peak 1 MiB higher) absorb each side's pauses (the
 * storer's cache spills, the reader's share of the cores with the sort's
 * thread): with 4, each thread waited for the other a quarter of the time
 * (the 4M import x0.95 with 16, the 1M one x0.97).
 */
#define PIPE_ROWS 512
#define PIPE_BLOCKS 16
#define PASS_CACHE_KIB 16384

struct pipe_row {
	long line;
	int bad;             /* 1: what holds the problem */
	struct db_request q; /* strings: offsets into the arena until handed over */
	size_t id, child, activity, what;
};

struct pipe_block {
	struct pipe_row rows[PIPE_ROWS];
	size_t n;
	char *arena;
	size_t len, cap;
	int end; /* 1 the file's last rows, -1 a read error (err) */
	struct err err;
};

struct pipe {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct pipe_block blocks[PIPE_BLOCKS];
	/* Blocks go round in order: the reader fills filled % PIPE_BLOCKS once
	 * the writer has stored it (filled - stored < PIPE_BLOCKS). */
	unsigned long filled, stored;
	int stop; /* the writer gave up: the reader stops */
	struct run reader;
};

/* Copy s to the end of a growing arena; its offset there. */
static size_t
keep(char **arena, size_t *len, size_t *cap, const char *s)
{
	size_t n = strlen(s) + 1, at = *len;

	xgrow(arena, cap, *len + n, 1);
	memcpy(*arena + at, s, n);
	*len += n;
	return at;
}

/* Read one block's rows into b. */
static void
fill(struct pipe *p, struct pipe_block *b)
{
	struct run *r = &p->reader;
	int rc;

	b->n = 0;
	b->len = 0;
	b->end = 0;
	while (b->n < PIPE_ROWS) {
		struct pipe_row *row = &b->rows[b->n];

		rc = csvin_next(r->in, &b->err);
		if (rc <= 0) {
			b->end = rc == 0 ? 1 : -1;
			return;
		}
		row->line = csvin_line(r->in);
		row->bad = import_check_row(r) != 0 || import_requests_parse(r, &row->q) != 0;
		if (row->bad) {
			row->what = keep(&b->arena, &b->len, &b->cap, r->what);
		} else {
			row->id = keep(&b->arena, &b->len, &b->cap, row->q.request_id);
			row->child = keep(&b->arena, &b->len, &b->cap, row->q.child_id);
			row->activity = keep(&b->arena, &b->len, &b->cap, row->q.activity_id);
		}
		b->n++;
	}
}

static void *
reader(void *arg)
{
	struct pipe *p = arg;
	int end = 0;

	while (!end) {
		struct pipe_block *b;

		pthread_mutex_lock(&p->mu);
		while (!p->stop && p->filled - p->stored >= PIPE_BLOCKS)
			pthread_cond_wait(&p->cv, &p->mu);
		if (p->stop) {
			pthread_mutex_unlock(&p->mu);
			break;
		}
		b = &p->blocks[p->filled % PIPE_BLOCKS];
		pthread_mutex_unlock(&p->mu);

		fill(p, b);
		for (size_t i = 0; i < b->n; i++) { /* the arena moves no more */
			struct pipe_row *row = &b->rows[i];
			if (!row->bad) {
				row->q.request_id = b->arena + row->id;
				row->q.child_id = b->arena + row->child;
				row->q.activity_id = b->arena + row->activity;
			}
		}
		end = b->end != 0;
		pthread_mutex_lock(&p->mu);
		p->filled++;
		pthread_cond_broadcast(&p->cv);
		pthread_mutex_unlock(&p->mu);
	}
	return NULL;
}

/*
 * The ids of the rows inserted since the last key pass, sorted on the
 * side (runsort: in bounded memory, spilled to a temporary file as runs,
 * sorted on a third thread): an id of up to KEY_SHORT bytes in a record of
 * KEY_SHORT + 8 bytes, a longer one in one of ID_MAX + 16; then the seqs
 * whose id was found taken, in the file's order; and the bad rows read
 * meanwhile, reported with those in the file's order.
 */
#define KEY_SHORT 40
#define KEY_SORT_MEM (4 * 1024 * 1024)
#define TAKEN_SORT_MEM (256 * 1024)
#define BAD_MAX (1024 * 1024) /* bytes of problems kept before a key pass */

struct key_short {
	char id[KEY_SHORT]; /* 0-padded: memcmp's order is strcmp's */
	int64_t seq;
};

struct key_long {
	char id[ID_MAX + 8];
	int64_t seq;
};

struct keys {
	struct runsort sorts[2]; /* short ids, long ids */
	struct runsort taken;    /* int64_t seqs */
	struct keys_bad {
		long line;
		size_t what; /* into the arena */
	} * bad;
	size_t nbad, capbad;
	char *arena;
	size_t len, cap;
};

static int
cmp_short(const void *a, const void *b)
{
	const struct key_short *x = a, *y = b;
	int c = memcmp(x->id, y->id, sizeof(x->id));

	return c != 0 ? c : (x->seq > y->seq) - (x->seq < y->seq);
}

static int
cmp_long(const void *a, const void *b)
{
	const struct key_long *x = a, *y = b;
	int c = memcmp(x->id, y->id, sizeof(x->id));

	return c != 0 ? c : (x->seq > y->seq) - (x->seq < y->seq);
}

static int
cmp_seq(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

static void
keys_init(struct keys *k)
{
	runsort_init(&k->sorts[0], sizeof(struct key_short), KEY_SORT_MEM, cmp_short);
	runsort_init(&k->sorts[1], sizeof(struct key_long), KEY_SORT_MEM, cmp_long);
	runsort_init(&k->taken, sizeof(int64_t), TAKEN_SORT_MEM, cmp_seq);
}

static void
keys_release(struct keys *k)
{
	runsort_release(&k->sorts[0]);
	runsort_release(&k->sorts[1]);
	runsort_release(&k->taken);
}

/* Keep id as seq's, for the next key pass. */
static int
keys_add(struct keys *k, const char *id, int64_t seq, struct err *e)
{
	size_t n = strlen(id);

	if (n <= KEY_SHORT) {
		struct key_short rec;

		memset(rec.id, 0, sizeof(rec.id));
		memcpy(rec.id, id, n);
		rec.seq = seq;
		return runsort_add(&k->sorts[0], &rec, e);
	} else {
		struct key_long rec;

		memset(rec.id, 0, sizeof(rec.id));
		memcpy(rec.id, id, n < sizeof(rec.id) ? n : sizeof(rec.id) - 1);
		rec.seq = seq;
		return runsort_add(&k->sorts[1], &rec, e);
	}
}

/* A request inserted, its id found taken: compare it with the one that has it. */
static int
keys_taken(struct run *r, int64_t seq, long line, struct err *e)
{
	char id[ID_MAX + 1], child[ID_MAX + 1], activity[ID_MAX + 1];
	struct db_request q;
	int rc = db_import_take_request(r->d, seq, &q, e);

	if (rc == 0)
		return err_set(e, ERR_INTERNAL, "%s:%ld: a request inserted but not found",
		               csvin_name(r->in), line);
	if (rc < 0)
		return -1;
	r->c->inserted--;
	snprintf(id, sizeof(id), "%s", q.request_id);
	snprintf(child, sizeof(child), "%s", q.child_id);
	snprintf(activity, sizeof(activity), "%s", q.activity_id);
	q.request_id = id;
	q.child_id = child;
	q.activity_id = activity;
	return import_requests_taken(r, line, &q, e);
}

/* A sort that failed (its temporary file): which file, what for, and where. */
static int
sort_failed(const struct run *r, struct err *e)
{
	return err_prefix(e, "%s: sorting the request ids in %s", csvin_name(r->in), runsort_dir());
}

/* Add the ids of one sort to request_key, in id order; the taken ones to k->taken. */
static int
keys_store(struct run *r, struct keys *k, int which, struct err *e)
{
	struct db_keys dk = {
	    .ids = &k->sorts[which],
	    .id_max = which == 0 ? KEY_SHORT : sizeof(((struct key_long *)0)->id),
	    .seq_off =
	        which == 0 ? offsetof(struct key_short, seq) : offsetof(struct key_long, seq),
	    .taken = &k->taken,
	};

	if (runsort_finish(&k->sorts[which], e) < 0)
		return sort_failed(r, e);
	if (db_import_add_keys(r->d, &dk, e) < 0)
		return dk.err.kind != ERR_NONE ? sort_failed(r, e) : -1;
	return 0;
}

/*
 * The key pass: add the ids kept since the last one in id order (a key page
 * is written once per pass, where the file's order, a portal's, wrote one
 * per row once the key outgrew the cache: x8 the time for x4 the rows). An
 * id found taken (by an earlier line too: its key went first) takes its
 * request back out and compares it with the one that has the id; those and
 * the bad rows are reported in the file's order.
 */
static int
keys_pass(struct run *r, struct keys *k, struct err *e)
{
	size_t b = 0;
	int64_t seq = 0;
	int more, rc = -1;

	if (keys_store(r, k, 0, e) < 0 || keys_store(r, k, 1, e) < 0)
		goto out;
	if (runsort_finish(&k->taken, e) < 0) {
		sort_failed(r, e);
		goto out;
	}
	more = runsort_next(&k->taken, &seq, e);
	while (more >= 0 && (more > 0 || b < k->nbad)) {
		long line = more > 0 ? import_line_of_seq(r, seq) : 0;
		int st;

		if (b < k->nbad && (more == 0 || k->bad[b].line < line)) {
			line = k->bad[b].line;
			snprintf(r->what, sizeof(r->what), "%s", k->arena + k->bad[b++].what);
			st = 1;
		} else {
			st = keys_taken(r, seq, line, e);
			more = runsort_next(&k->taken, &seq, e);
		}
		if (import_row_done(r, line, st, e) < 0)
			goto out;
	}
	if (more < 0) {
		sort_failed(r, e);
		goto out;
	}
	rc = 0;
out:
	keys_release(k); /* and ready for the next pass */
	k->nbad = k->len = 0;
	return rc;
}

/*
 * Insert one block's rows, in the file's order, and keep their ids and
 * problems for the key pass, at the end of the file (or once BAD_MAX bytes
 * of problems wait). Returns 1 at the end of the file, 0 for more, -1 to
 * stop.
 */
static int
store(struct run *r, struct keys *k, struct pipe_block *b, struct err *e)
{
	for (size_t i = 0; i < b->n; i++) {
		struct pipe_row *row = &b->rows[i];

		r->c->read++;
		if (row->bad) {
			xgrow(&k->bad, &k->capbad, k->nbad + 1, sizeof(*k->bad));
			k->bad[k->nbad].line = row->line;
			k->bad[k->nbad++].what =
			    keep(&k->arena, &k->len, &k->cap, b->arena + row->what);
			continue;
		}
		if (keys_add(k, row->q.request_id, r->next_seq, e) < 0)
			return sort_failed(r, e);
		if (import_requests_insert(r, row->line, &row->q, r->next_seq++, e) < 0)
			return -1;
	}
	if ((k->len > BAD_MAX || b->end != 0) && keys_pass(r, k, e) < 0)
		return -1;
	if (b->end < 0) {
		*e = b->err;
		return -1;
	}
	return b->end;
}

int
import_pipe_rows(struct run *r, struct err *e)
{
	struct pipe *p = xcalloc(1, sizeof(*p));
	struct keys k = {.nbad = 0};
	pthread_t t;
	int rc = 0;

	/* Its keys go in id order and its rows at the table's end: the cache
	 * holds little that is read again (half of it: the same time, 16 MiB
	 * less). */
	if (db_import_cache(r->d, PASS_CACHE_KIB, e) < 0) {
		free(p);
		return -1;
	}
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->cv, NULL);
	p->reader = *r;
	keys_init(&k);
	if (pthread_create(&t, NULL, reader, p) != 0) {
		pthread_cond_destroy(&p->cv);
		pthread_mutex_destroy(&p->mu);
		free(p);
		return err_set(e, ERR_INTERNAL, "cannot start the reading thread");
	}
	while (rc == 0) {
		struct pipe_block *b;

		pthread_mutex_lock(&p->mu);
		while (p->filled == p->stored)
			pthread_cond_wait(&p->cv, &p->mu);
		b = &p->blocks[p->stored % PIPE_BLOCKS];
		pthread_mutex_unlock(&p->mu);

		rc = store(r, &k, b, e);
		pthread_mutex_lock(&p->mu);
		p->stored++;
		if (rc < 0)
			p->stop = 1;
		pthread_cond_broadcast(&p->cv);
		pthread_mutex_unlock(&p->mu);
	}
	pthread_join(t, NULL);
	keys_release(&k);
	free(k.bad);
	free(k.arena);
	for (int i = 0; i < PIPE_BLOCKS; i++)
		free(p->blocks[i].arena);
	pthread_cond_destroy(&p->cv);
	pthread_mutex_destroy(&p->mu);
	free(p);
	return rc < 0 ? -1 : 0;
}
