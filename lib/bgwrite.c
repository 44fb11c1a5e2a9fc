/*
 * bgwrite.c - a FILE written by a thread of its own (bgwrite.h), made with
 * fopencookie(3): stdio's buffer is copied into the block being filled,
 * and each full block is handed to the writer.
 *
 * The blocks form a ring: [wr, wr + nfull) are full, written by the writer
 * in turn; the one after them is the one being filled. The filler waits
 * when all are full, the writer when none is.
 */
#include "bgwrite.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct bgwrite {
	int fd;
	char *blk[BGWRITE_BLOCKS];
	size_t blen[BGWRITE_BLOCKS]; /* the full blocks' lengths */
	size_t fill;                 /* the block being filled */
	size_t len;                  /* its bytes so far */
	size_t wr, nfull;            /* the full blocks, from wr */
	int done;                    /* no more blocks: the writer ends */
	int err;                     /* the first write(2)'s errno, or 0 */
	pthread_mutex_t mu;
	pthread_cond_t cv;
	pthread_t th;
};

static int
write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return errno;
		if (w == 0)
			return EIO;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static void *
writer(void *arg)
{
	struct bgwrite *b = arg;

	pthread_mutex_lock(&b->mu);
	for (;;) {
		size_t i;
		int err;

		while (b->nfull == 0 && !b->done)
			pthread_cond_wait(&b->cv, &b->mu);
		if (b->nfull == 0)
			break;
		i = b->wr;
		err = b->err;
		pthread_mutex_unlock(&b->mu);
		if (err == 0) /* after a failure the rest is dropped */
			err = write_all(b->fd, b->blk[i], b->blen[i]);
		pthread_mutex_lock(&b->mu);
		if (b->err == 0)
			b->err = err;
		b->wr = (b->wr + 1) % BGWRITE_BLOCKS;
		b->nfull--;
		pthread_cond_broadcast(&b->cv);
	}
	pthread_mutex_unlock(&b->mu);
	return NULL;
}

/* Hand the block being filled to the writer and wait for a free one.
 * Returns the errno of a failed write, or 0. */
static int
hand_over(struct bgwrite *b)
{
	int err;

	pthread_mutex_lock(&b->mu);
	b->blen[b->fill] = b->len;
	b->nfull++;
	pthread_cond_broadcast(&b->cv);
	while (b->nfull == BGWRITE_BLOCKS)
		pthread_cond_wait(&b->cv, &b->mu);
	b->fill = (b->fill + 1) % BGWRITE_BLOCKS;
	b->len = 0;
	err = b->err;
	pthread_mutex_unlock(&b->mu);
	return err;
}

static ssize_t
cookie_write(void *c, const char *buf, size_t size)
{
	struct bgwrite *b = c;
	size_t left = size;

	while (left > 0) {
		size_t n = BGWRITE_BLOCK - b->len;
		int err;

		if (n > left)
			n = left;
		memcpy(b->blk[b->fill] + b->len, buf, n);
		b->len += n;
		buf += n;
		left -= n;
		if (b->len == BGWRITE_BLOCK && (err = hand_over(b)) != 0) {
			errno = err;
			return 0; /* fopencookie: 0 is an error, errno says which */
		}
	}
	return (ssize_t)size;
}

static void
release(struct bgwrite *b)
{
	for (size_t i = 0; i < BGWRITE_BLOCKS; i++)
		free(b->blk[i]);
	pthread_cond_destroy(&b->cv);
	pthread_mutex_destroy(&b->mu);
	free(b);
}

/* Tell the writer no block will come after those it has, and wait for it
 * to end: they are written (or dropped after a failure). */
static void
stop_writer(struct bgwrite *b)
{
	pthread_mutex_lock(&b->mu);
	b->done = 1;
	pthread_cond_broadcast(&b->cv);
	pthread_mutex_unlock(&b->mu);
	pthread_join(b->th, NULL);
}

static int
cookie_close(void *c)
{
	struct bgwrite *b = c;
	int err;

	if (b->len > 0)
		hand_over(b);
	stop_writer(b);
	err = b->err;
	release(b);
	if (err != 0) {
		errno = err;
		return -1;
	}
	return 0;
}

FILE *
bgwrite_open(int fd)
{
	cookie_io_functions_t io = {.write = cookie_write, .close = cookie_close};
	struct bgwrite *b = calloc(1, sizeof(*b));
	FILE *fp;
	int rc;

	if (b == NULL)
		return NULL;
	b->fd = fd;
	pthread_mutex_init(&b->mu, NULL);
	pthread_cond_init(&b->cv, NULL);
	for (size_t i = 0; i < BGWRITE_BLOCKS; i++) {
		if ((b->blk[i] = malloc(BGWRITE_BLOCK)) == NULL) {
			release(b);
			errno = ENOMEM;
			return NULL;
		}
	}
	if ((rc = pthread_create(&b->th, NULL, writer, b)) != 0) {
		release(b);
		errno = rc;
		return NULL;
	}
	if ((fp = fopencookie(b, "w", io)) == NULL) {
		int saved = errno;

		stop_writer(b);
		release(b);
		errno = saved;
	}
	return fp;
}
