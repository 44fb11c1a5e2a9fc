/*
 * runsort.c - an external sort of fixed-size records (runsort.h): sorted
 * runs in one unlinked temporary file, merged through a binary heap, each
 * run read back a block at a time.
 */
#include "runsort.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bigmem.h"
#include "ring.h"

/* How much of one run is read back at a time. */
#define RUNSORT_BLOCK (32 * 1024)

/*
 * The merging thread keeps up to RUNSORT_AHEAD blocks of AHEAD_BLOCK bytes
 * of merged records ready for runsort_next (ring.h).
 */
#define RUNSORT_AHEAD 4
#define AHEAD_BLOCK (64 * 1024)

struct runsort_ahead {
	pthread_t thread;
	struct ring ring; /* the merged records, from the thread to runsort_next */
	const char *blk;  /* the block the reader holds, NULL when none */
	size_t n, pos;    /* its records, and the reader's next one */
};

struct runsort_run {
	uint64_t first, n; /* the run's place in the file, in records */
	uint64_t off;      /* the run's next record in the file, in records */
	uint64_t left;     /* its records not yet read into blk */
	char *blk;         /* records read (the memory run: s->buf itself) */
	size_t nblk, pos;
};

void
runsort_init(struct runsort *s, size_t size, size_t mem, int (*cmp)(const void *, const void *))
{
	memset(s, 0, sizeof(*s));
	s->size = size;
	s->cmp = cmp;
	s->cap = mem / size > 0 ? mem / size : 1;
	s->fd = -1;
}

/* Wait for the job in hand, if any; then stop the thread and join it. */
static void
stop_thread(struct runsort *s)
{
	if (!s->threaded)
		return;
	pthread_mutex_lock(&s->mu);
	s->stop = 1;
	pthread_cond_broadcast(&s->cv);
	pthread_mutex_unlock(&s->mu);
	pthread_join(s->thread, NULL);
	pthread_cond_destroy(&s->cv);
	pthread_mutex_destroy(&s->mu);
	s->threaded = 0;
}

static void ahead_stop(struct runsort *s);

/* The keyed sort's scratch: a buffer's worth of records. */
static size_t
scratch_size(const struct runsort *s)
{
	return s->cap * s->size;
}

void
runsort_release(struct runsort *s)
{
	ahead_stop(s);
	stop_thread(s);
	for (size_t i = 0; i < s->nruns; i++)
		if (s->runs[i].blk != s->buf)
			free(s->runs[i].blk);
	free(s->runs);
	free(s->heap);
	bigmem_free(s->buf, s->cap * s->size);
	bigmem_free(s->spare, s->cap * s->size);
	if (s->scratch != NULL)
		bigmem_free(s->scratch, scratch_size(s));
	if (s->fd >= 0)
		close(s->fd);
	{
		uint64_t (*key)(const void *) = s->key;

		runsort_init(s, s->size, s->cap * s->size, s->cmp);
		s->key = key;
	}
}

const char *
runsort_dir(void)
{
	const char *dir = getenv("TMPDIR");

	return dir != NULL && dir[0] != '\0' ? dir : "/tmp";
}

static int
open_file(struct runsort *s, struct err *e)
{
	const char *dir = runsort_dir();
	char path[4096];

	if ((size_t)snprintf(path, sizeof(path), "%s/nocturne-sort-XXXXXX", dir) >= sizeof(path))
		return err_set(e, ERR_IO, "temporary file in %s: name too long", dir);
	s->fd = mkostemp(path, O_CLOEXEC);
	if (s->fd < 0)
		return err_set(e, ERR_IO, "temporary file in %s: %s", dir, strerror(errno));
	unlink(path);
	return 0;
}

static struct runsort_run *
new_run(struct runsort *s)
{
	struct runsort_run *r;

	xgrow(&s->runs, &s->runs_cap, s->nruns + 1, sizeof(*s->runs));
	r = &s->runs[s->nruns++];
	memset(r, 0, sizeof(*r));
	return r;
}

void
runsort_keyed(struct runsort *s, uint64_t (*key)(const void *))
{
	s->key = key;
}

/*
 * buf's n records by key (LSD radix, a byte a pass, the passes whose byte
 * is the same in every record skipped), then each run of equal keys by
 * cmp. The records move through the scratch (n records) and back.
 */
static void
sort_keyed(const struct runsort *s, char *buf, size_t n)
{
	size_t size = s->size, count[8][256];
	char *src = buf, *dst = s->scratch;
	uint64_t first = s->key(buf);

	memset(count, 0, sizeof(count));
	for (size_t i = 0; i < n; i++) {
		uint64_t k = s->key(buf + i * size);

		for (int b = 0; b < 8; b++)
			count[b][(k >> (8 * b)) & 0xff]++;
	}
	for (int b = 0; b < 8; b++) {
		size_t at = 0;

		if (count[b][(first >> (8 * b)) & 0xff] == n)
			continue; /* the same byte everywhere */
		for (int v = 0; v < 256; v++) {
			size_t c = count[b][v];

			count[b][v] = at;
			at += c;
		}
		for (size_t i = 0; i < n; i++) {
			const char *rec = src + i * size;
			size_t to = count[b][(s->key(rec) >> (8 * b)) & 0xff]++;

			memcpy(dst + to * size, rec, size);
		}
		{
			char *t = src;

			src = dst;
			dst = t;
		}
	}
	if (src != buf)
		memcpy(buf, src, n * size);
	/* Equal keys: by cmp, unless already in order. */
	for (size_t i = 0; i < n;) {
		uint64_t k = s->key(buf + i * size);
		size_t j = i + 1;
		int sorted = 1;

		while (j < n && s->key(buf + j * size) == k) {
			if (sorted && s->cmp(buf + (j - 1) * size, buf + j * size) > 0)
				sorted = 0;
			j++;
		}
		if (!sorted)
			qsort(buf + i * size, j - i, size, s->cmp);
		i = j;
	}
}

/*
 * Sort n records of buf: by key and cmp (runsort_keyed), or by cmp. One
 * sort at a time uses the scratch: the spilling thread's, or after it the
 * last run's (runsort_finish).
 */
static void
sort_buf(struct runsort *s, char *buf, size_t n)
{
	if (s->key != NULL && n > 1) {
		if (s->scratch == NULL)
			s->scratch = bigmem_alloc(scratch_size(s));
		sort_keyed(s, buf, n);
	} else {
		qsort(buf, n, s->size, s->cmp);
	}
}

/* Sort n records of buf and write them at record first of the file. */
static int
write_run(struct runsort *s, char *buf, size_t n, uint64_t first, struct err *e)
{
	const char *p = buf;
	size_t len = n * s->size;
	off_t off = (off_t)(first * s->size);

	sort_buf(s, buf, n);
	while (len > 0) {
		ssize_t w = pwrite(s->fd, p, len, off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return err_set(e, ERR_IO, "temporary file: %s",
			               w < 0 ? strerror(errno) : "nothing written");
		p += w;
		off += w;
		len -= (size_t)w;
	}
	return 0;
}

/* The spilling thread: one job at a time, until stopped with none left. */
static void *
spiller(void *arg)
{
	struct runsort *s = arg;

	pthread_mutex_lock(&s->mu);
	for (;;) {
		struct err e;

		while (!s->job && !s->stop)
			pthread_cond_wait(&s->cv, &s->mu);
		if (!s->job)
			break;
		pthread_mutex_unlock(&s->mu);
		err_clear(&e);
		if (write_run(s, s->job_buf, s->job_n, s->job_first, &e) < 0 &&
		    s->job_err.kind == ERR_NONE)
			s->job_err = e; /* only this thread writes it while job is 1 */
		pthread_mutex_lock(&s->mu);
		s->job = 0;
		pthread_cond_broadcast(&s->cv);
	}
	pthread_mutex_unlock(&s->mu);
	return NULL;
}

/* Wait until the thread has no job; its failure, if any, in e. Under s->mu. */
static int
wait_job(struct runsort *s, struct err *e)
{
	while (s->job)
		pthread_cond_wait(&s->cv, &s->mu);
	if (s->job_err.kind != ERR_NONE) {
		*e = s->job_err;
		return -1;
	}
	return 0;
}

/*
 * The buffer is full: it becomes the next run, sorted and written by the
 * spilling thread while the other buffer fills (by this thread when no
 * second thread can be had).
 */
static int
spill(struct runsort *s, struct err *e)
{
	struct runsort_run *r;
	uint64_t first = s->written;
	char *full = s->buf;
	int rc;

	if (s->fd < 0 && open_file(s, e) < 0)
		return -1;
	if (!s->threaded) {
		err_clear(&s->job_err);
		s->job = s->stop = 0;
		pthread_mutex_init(&s->mu, NULL);
		pthread_cond_init(&s->cv, NULL);
		s->threaded = pthread_create(&s->thread, NULL, spiller, s) == 0;
		if (!s->threaded) {
			pthread_cond_destroy(&s->cv);
			pthread_mutex_destroy(&s->mu);
		}
	}
	r = new_run(s);
	r->first = first;
	r->n = s->n;
	s->written += s->n;
	if (!s->threaded) {
		rc = write_run(s, full, s->n, first, e);
		s->n = 0;
		return rc;
	}
	pthread_mutex_lock(&s->mu);
	rc = wait_job(s, e);
	if (rc == 0) {
		if (s->spare == NULL)
			s->spare = bigmem_alloc(s->cap * s->size);
		s->buf = s->spare;
		s->spare = full;
		s->job_buf = full;
		s->job_n = s->n;
		s->job_first = first;
		s->job = 1;
		pthread_cond_broadcast(&s->cv);
	}
	pthread_mutex_unlock(&s->mu);
	s->n = 0;
	return rc;
}

int
runsort_add(struct runsort *s, const void *rec, struct err *e)
{
	if (s->buf == NULL)
		s->buf = bigmem_alloc(s->cap * s->size);
	if (s->n == s->cap && spill(s, e) < 0)
		return -1;
	memcpy(s->buf + s->n * s->size, rec, s->size);
	s->n++;
	s->count++;
	return 0;
}

/* Read the run's next block; its nblk is 0 when the run is done. */
static int
refill(struct runsort *s, struct runsort_run *r, struct err *e)
{
	size_t want = RUNSORT_BLOCK / s->size, got = 0;

	if (want == 0)
		want = 1;
	if (want > r->left)
		want = (size_t)r->left;
	if (r->blk == NULL && want > 0)
		r->blk = xmalloc((RUNSORT_BLOCK / s->size ? RUNSORT_BLOCK / s->size : 1) * s->size);
	while (got < want * s->size) {
		ssize_t n = pread(s->fd, r->blk + got, want * s->size - got,
		                  (off_t)((r->off * s->size) + got));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return err_set(e, ERR_IO, "temporary file: %s",
			               n < 0 ? strerror(errno) : "a run ends early");
		got += (size_t)n;
	}
	r->off += want;
	r->left -= want;
	r->nblk = want;
	r->pos = 0;
	return 0;
}

static const void *
current(const struct runsort *s, size_t run)
{
	const struct runsort_run *r = &s->runs[run];

	return r->blk + r->pos * s->size;
}

static int
less(const struct runsort *s, size_t a, size_t b)
{
	int c = s->cmp(current(s, s->heap[a]), current(s, s->heap[b]));

	/* Equal records come out run by run: the order does not depend on the heap. */
	return c < 0 || (c == 0 && s->heap[a] < s->heap[b]);
}

static void
sift_down(struct runsort *s, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, m = i;

		if (l < s->nheap && less(s, l, m))
			m = l;
		if (l + 1 < s->nheap && less(s, l + 1, m))
			m = l + 1;
		if (m == i)
			return;
		size_t t = s->heap[i];
		s->heap[i] = s->heap[m];
		s->heap[m] = t;
		i = m;
	}
}

/* A run the thread could not write: the sort has failed for good. */
static int
failed(const struct runsort *s, struct err *e)
{
	if (s->job_err.kind == ERR_NONE)
		return 0;
	*e = s->job_err;
	return -1;
}

int
runsort_finish(struct runsort *s, struct err *e)
{
	if (s->finished)
		return failed(s, e);
	s->finished = 1;
	if (s->threaded) { /* every run written before any is read */
		int rc;

		pthread_mutex_lock(&s->mu);
		rc = wait_job(s, e);
		pthread_mutex_unlock(&s->mu);
		stop_thread(s);
		if (rc < 0)
			return -1;
	}
	if (s->n > 0) { /* the last records stay in memory: one more run */
		struct runsort_run *r;

		sort_buf(s, s->buf, s->n);
		r = new_run(s);
		r->blk = s->buf;
		r->nblk = s->n;
	}
	s->heap = xmalloc((s->nruns ? s->nruns : 1) * sizeof(*s->heap));
	return runsort_rewind(s, e);
}

int
runsort_rewind(struct runsort *s, struct err *e)
{
	ahead_stop(s); /* the runs' places are set again below */
	s->ahead_tried = 0;
	if (failed(s, e) < 0)
		return -1;
	s->nheap = 0;
	for (size_t i = 0; i < s->nruns; i++) {
		struct runsort_run *r = &s->runs[i];

		r->pos = 0;
		if (r->blk != s->buf) { /* a run in the file */
			r->off = r->first;
			r->left = r->n;
			if (refill(s, r, e) < 0)
				return -1;
		}
		s->heap[s->nheap++] = i;
	}
	for (size_t i = s->nheap / 2; i-- > 0;)
		sift_down(s, i);
	return 0;
}

/* The merge's next record into rec: 1, 0 when none is left, -1 (ERR_IO). */
static int
merge_next(struct runsort *s, void *rec, struct err *e)
{
	struct runsort_run *r;

	if (s->nheap == 0)
		return 0;
	r = &s->runs[s->heap[0]];
	memcpy(rec, r->blk + r->pos * s->size, s->size);
	if (++r->pos == r->nblk) {
		if (r->left > 0 && refill(s, r, e) < 0)
			return -1;
		if (r->pos == r->nblk) /* the run is done */
			s->heap[0] = s->heap[--s->nheap];
	}
	if (s->nheap > 0)
		sift_down(s, 0);
	return 1;
}

/* The merging thread: blocks of merged records, RUNSORT_AHEAD at most ahead. */
static void *
merger(void *arg)
{
	struct runsort *s = arg;
	struct ring *r = &s->ahead->ring;
	size_t cap = AHEAD_BLOCK / s->size ? AHEAD_BLOCK / s->size : 1;
	char *blk;

	while ((blk = ring_fill(r)) != NULL) {
		struct err e;
		size_t n = 0;
		int rc = 1;

		err_clear(&e);
		while (n < cap && (rc = merge_next(s, blk + n * s->size, &e)) > 0)
			n++;
		if (n > 0)
			ring_filled(r, n);
		if (rc <= 0) {
			ring_end(r, rc < 0 ? &e : NULL);
			break;
		}
	}
	return NULL;
}

/* Start the merging thread: 0, or -1 when none can be had (the reader merges). */
static int
ahead_start(struct runsort *s)
{
	size_t cap = AHEAD_BLOCK / s->size ? AHEAD_BLOCK / s->size : 1;
	struct runsort_ahead *a = s->ahead = xcalloc(1, sizeof(*a));

	ring_init(&a->ring, RUNSORT_AHEAD, cap * s->size);
	if (pthread_create(&a->thread, NULL, merger, s) != 0) {
		ring_free(&a->ring);
		free(a);
		s->ahead = NULL;
		return -1;
	}
	return 0;
}

/* Stop the merging thread, if any, and free its blocks. */
static void
ahead_stop(struct runsort *s)
{
	struct runsort_ahead *a = s->ahead;

	if (a == NULL)
		return;
	ring_stop(&a->ring);
	pthread_join(a->thread, NULL);
	ring_free(&a->ring);
	free(a);
	s->ahead = NULL;
}

/* runsort_next through the merging thread's blocks. */
static int
ahead_next(struct runsort *s, void *rec, struct err *e)
{
	struct runsort_ahead *a = s->ahead;

	if (a->blk == NULL) {
		int rc = ring_take(&a->ring, 1, &a->blk, &a->n, e);

		if (rc <= 0) {
			a->blk = NULL;
			return rc;
		}
		a->pos = 0;
	}
	memcpy(rec, a->blk + a->pos * s->size, s->size);
	if (++a->pos == a->n) { /* the block goes back to the thread */
		a->blk = NULL;
		ring_give(&a->ring);
	}
	return 1;
}

int
runsort_next(struct runsort *s, void *rec, struct err *e)
{
	if ((!s->finished && runsort_finish(s, e) < 0) || failed(s, e) < 0)
		return -1;
	/* Two runs or more: merged by a thread of its own (one run is read
	 * as it is), from the first record after a rewind. */
	if (s->ahead == NULL && !s->ahead_tried && s->nheap > 1) {
		s->ahead_tried = 1;
		if (ahead_start(s) < 0)
			s->ahead = NULL; /* no thread: merged here */
	}
	if (s->ahead != NULL)
		return ahead_next(s, rec, e);
	return merge_next(s, rec, e);
}
