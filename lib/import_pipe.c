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
 * order, seqs one after the other, and keeps their ids for the chunk:
 * CHUNK_ROWS rows' ids go into request_key together, in id order (chunk_store).
 * An id found taken then (an earlier import, an earlier chunk, an earlier
 * line of this one) takes its request back out, which leaves its seq
 * unused; the problems of the chunk's rows are reported then, in the file's
 * order. The memory of a chunk: 16 bytes and the id per row (14 MiB at
 * most for a town's ids), with SQLite's cache at CHUNK_CACHE_KIB instead of
 * its usual 32 MiB.
 */
#include "import_int.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define PIPE_ROWS 512
#define PIPE_BLOCKS 4
#define CHUNK_ROWS (1024 * PIPE_ROWS)
#define CHUNK_CACHE_KIB 16384

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

static size_t
keep(struct pipe_block *b, const char *s)
{
	size_t n = strlen(s) + 1, at = b->len;

	xgrow(&b->arena, &b->cap, b->len + n, 1);
	memcpy(b->arena + at, s, n);
	b->len += n;
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
			row->what = keep(b, r->what);
		} else {
			row->id = keep(b, row->q.request_id);
			row->child = keep(b, row->q.child_id);
			row->activity = keep(b, row->q.activity_id);
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
 * The keys of up to CHUNK_ROWS rows, inserted as they came, added together
 * in id order, and the chunk's bad rows, reported with the ids found taken
 * in the file's order.
 */
struct chunk {
	struct chunk_key {
		uint64_t head; /* the id's first 8 bytes, big-endian, 0-padded */
		uint32_t seq;  /* from first_seq */
		uint32_t id;   /* into the arena */
	} * keys;
	int64_t first_seq;
	size_t n;
	struct chunk_bad {
		long line;
		size_t what; /* into the arena */
	} * bad;
	size_t nbad, capbad;
	size_t *taken; /* the taken keys, in the file's order */
	size_t ntaken, captaken;
	char *arena;
	size_t len, cap;
};

static size_t
chunk_keep(struct chunk *k, const char *s)
{
	size_t n = strlen(s) + 1, at = k->len;

	xgrow(&k->arena, &k->cap, k->len + n, 1);
	memcpy(k->arena + at, s, n);
	k->len += n;
	return at;
}

static uint64_t
head(const char *s)
{
	uint64_t h = 0;
	int i;

	for (i = 0; i < 8 && s[i] != '\0'; i++)
		h = h << 8 | (unsigned char)s[i];
	return h << 8 * (8 - i);
}

/* strcmp's order (of unsigned bytes), then the file's. */
static int
by_id(const void *a, const void *b, void *arg)
{
	const struct chunk *k = arg;
	const struct chunk_key *x = a, *y = b;
	int c;

	if (x->head != y->head)
		return x->head < y->head ? -1 : 1;
	c = (x->head & 0xff) == 0 ? 0 : strcmp(k->arena + x->id + 8, k->arena + y->id + 8);
	return c != 0 ? c : (x->seq > y->seq) - (x->seq < y->seq);
}

static int
by_seq(const void *a, const void *b, void *arg)
{
	const struct chunk *k = arg;
	uint32_t x = k->keys[*(const size_t *)a].seq, y = k->keys[*(const size_t *)b].seq;

	return (x > y) - (x < y);
}

/* A request inserted, its id found taken: compare it with the one that has it. */
static int
chunk_taken(struct run *r, const struct chunk *k, const struct chunk_key *key, long line,
            struct err *e)
{
	char child[ID_MAX + 1], activity[ID_MAX + 1];
	struct db_request q;
	int rc = db_import_take_request(r->d, k->first_seq + key->seq, k->arena + key->id, &q, e);

	if (rc == 0)
		return err_set(e, ERR_INTERNAL, "%s:%ld: request %s inserted but cannot be read",
		               csvin_name(r->in), line, k->arena + key->id);
	if (rc < 0)
		return -1;
	r->c->inserted--;
	snprintf(child, sizeof(child), "%s", q.child_id);
	snprintf(activity, sizeof(activity), "%s", q.activity_id);
	q.child_id = child;
	q.activity_id = activity;
	return import_requests_taken(r, line, &q, e);
}

/*
 * Add the chunk's keys in id order: a key page is written once per chunk,
 * where the file's order, a portal's, writes one per row once the key
 * outgrows the cache (x8 the time for x4 the rows). A key taken (by an
 * earlier line too: its key went first) takes its request back out and
 * compares it with the one that has the id; those and the bad rows are
 * reported in the file's order.
 */
static int
chunk_store(struct run *r, struct chunk *k, struct err *e)
{
	size_t i, b = 0, t = 0;

	qsort_r(k->keys, k->n, sizeof(*k->keys), by_id, k);
	k->ntaken = 0;
	for (i = 0; i < k->n; i++) {
		int rc = db_import_add_key(r->d, k->arena + k->keys[i].id,
		                           k->first_seq + k->keys[i].seq, e);

		if (rc < 0)
			return -1;
		if (rc == 0) {
			xgrow(&k->taken, &k->captaken, k->ntaken + 1, sizeof(*k->taken));
			k->taken[k->ntaken++] = i;
		}
	}
	qsort_r(k->taken, k->ntaken, sizeof(*k->taken), by_seq, k);
	while (b < k->nbad || t < k->ntaken) {
		const struct chunk_key *key = t < k->ntaken ? &k->keys[k->taken[t]] : NULL;
		long line = key != NULL ? import_line_of_seq(r, k->first_seq + key->seq) : 0;
		int st;

		if (b < k->nbad && (key == NULL || k->bad[b].line < line)) {
			line = k->bad[b].line;
			snprintf(r->what, sizeof(r->what), "%s", k->arena + k->bad[b++].what);
			st = 1;
		} else {
			st = chunk_taken(r, k, key, line, e);
			t++;
		}
		if (import_row_done(r, line, st, e) < 0)
			return -1;
	}
	k->n = k->nbad = k->len = 0;
	return 0;
}

/*
 * Insert one block's rows, in the file's order, and keep their keys and
 * problems for the chunk, stored when full or at the end of the file.
 * Returns 1 at the end of the file, 0 for more, -1 to stop.
 */
static int
store(struct run *r, struct chunk *k, struct pipe_block *b, struct err *e)
{
	for (size_t i = 0; i < b->n; i++) {
		struct pipe_row *row = &b->rows[i];

		r->c->read++;
		if (row->bad) {
			xgrow(&k->bad, &k->capbad, k->nbad + 1, sizeof(*k->bad));
			k->bad[k->nbad].line = row->line;
			k->bad[k->nbad++].what = chunk_keep(k, b->arena + row->what);
			continue;
		}
		k->keys[k->n].head = head(row->q.request_id);
		if (k->n == 0)
			k->first_seq = r->next_seq;
		k->keys[k->n].seq = (uint32_t)(r->next_seq - k->first_seq);
		k->keys[k->n++].id = (uint32_t)chunk_keep(k, row->q.request_id);
		if (import_requests_insert(r, row->line, &row->q, r->next_seq++, e) < 0)
			return -1;
	}
	if ((k->n + PIPE_ROWS > CHUNK_ROWS || b->end != 0) && chunk_store(r, k, e) < 0)
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
	struct chunk k = {.n = 0};
	pthread_t t;
	int rc = 0;

	pthread_mutex_init(&p->mu, NULL);
	/* Its keys go in id order and its rows at the table's end: the cache
	 * holds little that is read again, and half of it pays for a chunk
	 * twice as large (524,288 rows, 4M requests: x0.95, 16 MiB less). */
	if (db_import_cache(r->d, CHUNK_CACHE_KIB, e) < 0) {
		free(p);
		return -1;
	}
	pthread_cond_init(&p->cv, NULL);
	p->reader = *r;
	k.keys = xmalloc(CHUNK_ROWS * sizeof(*k.keys));
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
	free(k.keys);
	free(k.bad);
	free(k.taken);
	free(k.arena);
	for (int i = 0; i < PIPE_BLOCKS; i++)
		free(p->blocks[i].arena);
	pthread_cond_destroy(&p->cv);
	pthread_mutex_destroy(&p->mu);
	free(p);
	return rc < 0 ? -1 : 0;
}
