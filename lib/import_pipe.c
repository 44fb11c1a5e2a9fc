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
 */
#include "import_int.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define PIPE_ROWS 512
#define PIPE_BLOCKS 4

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

/* Store one block's rows. Returns 1 at the end of the file, 0 for more, -1 to stop. */
static int
store(struct run *r, struct pipe_block *b, struct err *e)
{
	for (size_t i = 0; i < b->n; i++) {
		struct pipe_row *row = &b->rows[i];
		int st;

		r->c->read++;
		if (row->bad) {
			snprintf(r->what, sizeof(r->what), "%s", b->arena + row->what);
			st = 1;
		} else {
			st = import_requests_store(r, row->line, &row->q, e);
		}
		if (import_row_done(r, row->line, st, e) < 0)
			return -1;
	}
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
	pthread_t t;
	int rc = 0;

	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->cv, NULL);
	p->reader = *r;
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

		rc = store(r, b, e);
		pthread_mutex_lock(&p->mu);
		p->stored++;
		if (rc < 0)
			p->stop = 1;
		pthread_cond_broadcast(&p->cv);
		pthread_mutex_unlock(&p->mu);
	}
	pthread_join(t, NULL);
	for (int i = 0; i < PIPE_BLOCKS; i++)
		free(p->blocks[i].arena);
	pthread_cond_destroy(&p->cv);
	pthread_mutex_destroy(&p->mu);
	free(p);
	return rc < 0 ? -1 : 0;
}
