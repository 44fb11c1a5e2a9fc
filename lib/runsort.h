/*
 * runsort.h - an external sort of fixed-size records, in bounded memory.
 *
 * Records are added in any order and read back in the order of a
 * comparison function. Up to a set number of bytes stay in memory; past
 * that, each full buffer is sorted and written as a run to a temporary file
 * (made in $TMPDIR, else /tmp, and unlinked at once: nothing is left behind,
 * even after a kill), and the runs are merged as the records are read back.
 * A night's million pending requests cost a few megabytes of memory, not
 * forty, and a plain C sort of fixed records costs a fraction of SQLite's
 * sorter on the same rows. A full buffer is sorted and written by a
 * second thread while the caller fills the other one (two buffers of mem
 * bytes): the caller reads and resolves while its records are sorted.
 * Runs are merged by a thread of their own too, a few blocks ahead of
 * runsort_next (RUNSORT_AHEAD): the caller that stores the records (SQLite,
 * through a virtual table) no longer compares and copies them in between.
 *
 *   struct runsort s;
 *   runsort_init(&s, sizeof(rec), 4 << 20, cmp);
 *   runsort_add(&s, &rec, e) ...;      any number of times
 *   runsort_finish(&s, e);             then
 *   while ((rc = runsort_next(&s, &rec, e)) > 0) ...;
 *   runsort_release(&s);
 */
#ifndef NOCTURNE_RUNSORT_H
#define NOCTURNE_RUNSORT_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

struct runsort_run;   /* one sorted run being merged */
struct runsort_ahead; /* the merging thread and its blocks */

struct runsort {
	size_t size;                            /* bytes per record */
	int (*cmp)(const void *, const void *); /* a total order (ties: any order) */
	uint64_t (*key)(const void *); /* NULL, or the order's first part (runsort_keyed) */
	char *scratch;                 /* the keyed sort's second buffer, for cap records */
	char *buf;                     /* records in memory */
	size_t n, cap;                 /* records in buf, room for */
	int fd;                        /* the runs' file, -1 until the first spill */
	uint64_t written;              /* records in the file */
	struct runsort_run *runs;
	size_t nruns, runs_cap;
	size_t *heap; /* the merge: runs by their current record */
	size_t nheap;
	int finished;
	uint64_t count; /* records added */
	/* The spilling thread (from the first spill on): it sorts job and
	 * writes it as the run at record job_first while buf fills. */
	char *spare; /* the other buffer: the job's, or free */
	int threaded, job, stop;
	char *job_buf;
	size_t job_n;
	uint64_t job_first;
	struct err job_err; /* the first failure of a job, ERR_NONE when none */
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	/* The merge (two runs or more): by a thread from the first
	 * runsort_next after a rewind on, NULL before and without one. */
	struct runsort_ahead *ahead;
	int ahead_tried; /* since the rewind: a thread was asked for */
};

/* Where the runs' files go: $TMPDIR, else /tmp. */
const char *runsort_dir(void);

/*
 * Set up s for records of size bytes, keeping at most mem bytes of them in
 * memory (at least one record), ordered by cmp. Allocates nothing yet.
 */
void runsort_init(struct runsort *s, size_t size, size_t mem,
                  int (*cmp)(const void *, const void *));

/*
 * For a sort whose order begins with what fits 64 bits (a slot, a seq):
 * key(a) < key(b) must imply cmp(a, b) < 0. A buffer is then sorted by key
 * with a radix sort (stable, a pass per byte that varies), and each run of
 * equal keys by cmp, left as it is when already in order: the night's
 * requests come in seq order, most of a slot's already in time order.
 * Before the first runsort_add.
 */
void runsort_keyed(struct runsort *s, uint64_t (*key)(const void *));

/*
 * Add one record (copied). -1 (ERR_IO) when a run cannot be written: the
 * temporary file cannot be made, or an earlier run could not be written
 * (the second thread's failure, reported by the next spill or by
 * runsort_finish).
 */
int runsort_add(struct runsort *s, const void *rec, struct err *e);

/* No more records: get ready to read them back in order. 0 or -1. */
int runsort_finish(struct runsort *s, struct err *e);

/* Copy the next record into rec: 1, 0 when none is left, -1 (ERR_IO). */
int runsort_next(struct runsort *s, void *rec, struct err *e);

/*
 * Start reading the records again from the first (after runsort_finish),
 * as many times as needed. 0 or -1 (ERR_IO).
 */
int runsort_rewind(struct runsort *s, struct err *e);

/* Free everything and close the file; s may be set up again. */
void runsort_release(struct runsort *s);

#endif
