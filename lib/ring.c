/* ring.c - blocks of records from one thread to another (ring.h). */
#include "ring.h"

#include <stdlib.h>
#include <string.h>

void
ring_init(struct ring *r, int nblk, size_t bytes)
{
	memset(r, 0, sizeof(*r));
	r->nblk = nblk < 1 ? 1 : nblk > RING_MAX ? RING_MAX : nblk;
	for (int i = 0; i < r->nblk; i++)
		r->blk[i] = xmalloc(bytes);
	err_clear(&r->err);
	pthread_mutex_init(&r->mu, NULL);
	pthread_cond_init(&r->cv, NULL);
}

void
ring_free(struct ring *r)
{
	pthread_cond_destroy(&r->cv);
	pthread_mutex_destroy(&r->mu);
	for (int i = 0; i < r->nblk; i++)
		free(r->blk[i]);
}

char *
ring_fill(struct ring *r)
{
	char *blk = NULL;

	pthread_mutex_lock(&r->mu);
	while (r->filled - r->taken == (unsigned long)r->nblk && !r->stop)
		pthread_cond_wait(&r->cv, &r->mu);
	if (!r->stop)
		blk = r->blk[r->filled % (unsigned long)r->nblk];
	pthread_mutex_unlock(&r->mu);
	return blk;
}

void
ring_filled(struct ring *r, size_t n)
{
	pthread_mutex_lock(&r->mu);
	r->n[r->filled % (unsigned long)r->nblk] = n;
	r->filled++;
	pthread_cond_broadcast(&r->cv);
	pthread_mutex_unlock(&r->mu);
}

void
ring_end(struct ring *r, const struct err *e)
{
	pthread_mutex_lock(&r->mu);
	if (e != NULL)
		r->err = *e;
	r->done = 1;
	pthread_cond_broadcast(&r->cv);
	pthread_mutex_unlock(&r->mu);
}

int
ring_take(struct ring *r, int wait, const char **blk, size_t *n, struct err *e)
{
	int rc = 1;

	pthread_mutex_lock(&r->mu);
	while (wait && r->filled == r->taken && !r->done)
		pthread_cond_wait(&r->cv, &r->mu);
	if (r->filled == r->taken) {
		rc = 0;
		if (r->done && r->err.kind != ERR_NONE) {
			*e = r->err;
			rc = -1;
		}
	} else {
		*blk = r->blk[r->taken % (unsigned long)r->nblk];
		*n = r->n[r->taken % (unsigned long)r->nblk];
	}
	pthread_mutex_unlock(&r->mu);
	return rc;
}

void
ring_give(struct ring *r)
{
	pthread_mutex_lock(&r->mu);
	r->taken++;
	pthread_cond_broadcast(&r->cv);
	pthread_mutex_unlock(&r->mu);
}

void
ring_stop(struct ring *r)
{
	pthread_mutex_lock(&r->mu);
	r->stop = 1;
	pthread_cond_broadcast(&r->cv);
	pthread_mutex_unlock(&r->mu);
}
