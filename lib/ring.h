/*
 * ring.h - blocks of records handed from one thread (the writer) to
 * another (the reader), in order, at most a set number of them full at a
 * time: the writer waits for a block the reader gave back, the reader for
 * one the writer filled. The sorts' merging thread (runsort.c) and the
 * night's second reader of its pending requests (db_night_pending.c) hand
 * their records over so.
 *
 *   writer:  while ((blk = ring_fill(r)) != NULL) { fill n; ring_filled(r, n); }
 *            ring_end(r, failure or NULL);
 *   reader:  while (ring_take(r, 1, &blk, &n, e) > 0) { read n; ring_give(r); }
 *            ring_stop(r) (the writer's ring_fill gives NULL from then on),
 *            join the writer, ring_free(r).
 */
#ifndef NOCTURNE_RING_H
#define NOCTURNE_RING_H

#include <pthread.h>
#include <stddef.h>

#include "err.h"

#define RING_MAX 8

struct ring {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	char *blk[RING_MAX];
	size_t n[RING_MAX];          /* the records of each full block */
	int nblk;                    /* blocks in use, at most RING_MAX */
	unsigned long filled, taken; /* blocks filled by the writer, given back by the reader */
	int done;                    /* the writer ended (ring_end) */
	int stop;                    /* the reader stopped it (ring_stop) */
	struct err err;              /* the writer's failure, ERR_NONE when none */
};

/* nblk blocks (at most RING_MAX) of bytes each. */
void ring_init(struct ring *r, int nblk, size_t bytes);
void ring_free(struct ring *r);

/* The writer's next block to fill, once one is free; NULL once stopped. */
char *ring_fill(struct ring *r);
/* That block holds n records (n > 0): the reader's now. */
void ring_filled(struct ring *r, size_t n);
/* No more blocks; e: the writer's failure, or NULL. */
void ring_end(struct ring *r, const struct err *e);

/*
 * The reader's next full block into *blk, *n: 1; 0 when the writer ended
 * and every block was read, or with wait 0 when none is full yet; -1 with
 * the writer's failure in e once every block before it was read.
 */
int ring_take(struct ring *r, int wait, const char **blk, size_t *n, struct err *e);
/* The block taken goes back to the writer. */
void ring_give(struct ring *r);
/* The reader wants no more: the writer's ring_fill gives NULL. */
void ring_stop(struct ring *r);

#endif
