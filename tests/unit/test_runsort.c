/* runsort: records back in order, whatever fits in memory, nothing lost. */
#include "runsort.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "t.h"

/* A record with a key that repeats and a tag that makes each one unique. */
struct rec {
	uint32_t key;
	uint32_t tag;
	char pad[8];
};

static int
cmp_key(const void *pa, const void *pb)
{
	const struct rec *a = pa, *b = pb;

	return (a->key > b->key) - (a->key < b->key);
}

static int
cmp_full(const void *pa, const void *pb)
{
	const struct rec *a = pa, *b = pb;
	int c = cmp_key(pa, pb);

	return c != 0 ? c : (a->tag > b->tag) - (a->tag < b->tag);
}

/* Files named nocturne-sort-* in dir. */
static int
count_sort_files(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	if (d == NULL)
		return -1;
	while ((de = readdir(d)) != NULL)
		if (strncmp(de->d_name, "nocturne-sort-", 14) == 0)
			n++;
	closedir(d);
	return n;
}

/*
 * n records of keys below nkeys, sorted with room for mem bytes: each comes
 * back once, in key order (checked against qsort of the same records);
 * equal keys from different runs come out run by run (the records are
 * added in tag order, so run = tag / the records a run holds).
 */
static void
sort_case(size_t n, uint32_t nkeys, size_t mem, int full)
{
	struct runsort s;
	struct rec *want = xmalloc((n ? n : 1) * sizeof(*want)), got, prev = {0};
	size_t per_run = mem / sizeof(struct rec);
	struct err e;
	size_t i = 0;
	int rc;

	err_clear(&e);
	srand((unsigned)(n * 31 + nkeys));
	runsort_init(&s, sizeof(struct rec), mem, full ? cmp_full : cmp_key);
	for (i = 0; i < n; i++) {
		memset(&want[i], 0, sizeof(want[i]));
		want[i].key = (uint32_t)rand() % nkeys;
		want[i].tag = (uint32_t)i;
		CHECK_INT(runsort_add(&s, &want[i], &e), 0);
	}
	CHECK_INT(runsort_finish(&s, &e), 0);
	qsort(want, n, sizeof(*want), cmp_full);
	/* Twice: a rewind reads them all again, from the first. */
	for (int pass = 0; pass < 2; pass++) {
		char *seen = xcalloc(n ? n : 1, 1);

		if (pass == 1)
			CHECK_INT(runsort_rewind(&s, &e), 0);
		for (i = 0; (rc = runsort_next(&s, &got, &e)) > 0; i++) {
			if (i >= n) {
				CHECK(i < n);
				break;
			}
			if (got.key != want[i].key || (full && got.tag != want[i].tag)) {
				CHECK_INT(got.key, want[i].key);
				break;
			}
			if (got.tag >= n || seen[got.tag]) {
				CHECK(got.tag < n && !seen[got.tag]);
				break;
			}
			if (i > 0 && got.key == prev.key && got.tag / per_run < prev.tag / per_run) {
				CHECK_INT(got.tag / per_run, prev.tag / per_run);
				break;
			}
			seen[got.tag] = 1;
			prev = got;
		}
		CHECK_INT(rc, 0);
		CHECK_INT(i, n);
		CHECK_INT(runsort_next(&s, &got, &e), 0);
		free(seen);
	}
	CHECK_INT(s.count, n);
	runsort_release(&s);
	free(want);
}

static void
test_in_memory(void)
{
	sort_case(0, 10, 1 << 20, 1);
	sort_case(1, 10, 1 << 20, 1);
	sort_case(5000, 100, 1 << 20, 1);
}

static void
test_runs(void)
{
	/* 100 runs of 1,000, ties across runs; one record per run; a block's edge. */
	sort_case(100000, 50, 1000 * sizeof(struct rec), 0);
	sort_case(100000, 1000000, 1000 * sizeof(struct rec), 1);
	sort_case(37, 5, sizeof(struct rec), 1);
	sort_case(4096 * 3 + 1, 7, 4096 * sizeof(struct rec), 0);
	/* Buffers of 2 MiB, mapped apart from malloc (bigmem.h): three runs. */
	sort_case(300000, 5000, 2 << 20, 0);
}

/* The runs' file is unlinked at once: none is left in $TMPDIR, even before release. */
static void
test_no_file_left(void)
{
	char dir[] = "/tmp/test_runsort.XXXXXX";
	const char *old = getenv("TMPDIR");
	char *saved = old ? xstrdup(old) : NULL;
	struct runsort s;
	struct rec r;
	struct err e;

	err_clear(&e);
	CHECK(mkdtemp(dir) != NULL);
	setenv("TMPDIR", dir, 1);
	runsort_init(&s, sizeof(r), 2 * sizeof(r), cmp_key);
	memset(&r, 0, sizeof(r));
	for (int i = 0; i < 10; i++) {
		r.key = (uint32_t)(10 - i);
		CHECK_INT(runsort_add(&s, &r, &e), 0);
	}
	CHECK(s.fd >= 0);
	CHECK_INT(s.nruns, 4);
	CHECK_INT(count_sort_files(dir), 0);
	CHECK_INT(runsort_next(&s, &r, &e), 1);
	CHECK_INT(r.key, 1);
	runsort_release(&s);

	/* A directory that cannot hold it: the error says where. */
	setenv("TMPDIR", "/nonexistent/nocturne", 1);
	runsort_init(&s, sizeof(r), sizeof(r), cmp_key);
	CHECK_INT(runsort_add(&s, &r, &e), 0);
	CHECK_INT(runsort_add(&s, &r, &e), -1);
	CHECK_INT(e.kind, ERR_IO);
	CHECK(strstr(e.msg, "/nonexistent/nocturne") != NULL);
	runsort_release(&s);

	if (saved) {
		setenv("TMPDIR", saved, 1);
		free(saved);
	} else {
		unsetenv("TMPDIR");
	}
	rmdir(dir);
}

/*
 * A run the second thread cannot write (the file may not grow past 64 KiB
 * here) is an error: reported by a later add or by finish, never lost, and
 * nothing is read back.
 */
static void
test_write_fails(void)
{
	struct rlimit old, small;
	struct runsort s;
	struct rec r;
	struct err e;
	int rc = 0;

	err_clear(&e);
	CHECK_INT(getrlimit(RLIMIT_FSIZE, &old), 0);
	small = old;
	small.rlim_cur = 64 * 1024;
	signal(SIGXFSZ, SIG_IGN);
	CHECK_INT(setrlimit(RLIMIT_FSIZE, &small), 0);
	runsort_init(&s, sizeof(r), 1000 * sizeof(r), cmp_key);
	memset(&r, 0, sizeof(r));
	for (uint32_t i = 0; i < 20000 && rc == 0; i++) {
		r.key = i % 97;
		rc = runsort_add(&s, &r, &e);
	}
	if (rc == 0)
		rc = runsort_finish(&s, &e);
	CHECK_INT(rc, -1);
	CHECK_INT(e.kind, ERR_IO);
	CHECK_STR(e.msg, "temporary file: File too large");
	/* And it stays failed: nothing is read back as if the records had ended. */
	err_clear(&e);
	CHECK_INT(runsort_finish(&s, &e), -1);
	CHECK_INT(runsort_next(&s, &r, &e), -1);
	CHECK_INT(runsort_rewind(&s, &e), -1);
	CHECK_STR(e.msg, "temporary file: File too large");
	runsort_release(&s);
	CHECK_INT(setrlimit(RLIMIT_FSIZE, &old), 0);
	signal(SIGXFSZ, SIG_DFL);
}

/*
 * The merge runs on a thread of its own, a few blocks ahead: a reader that
 * stops early, rewinds or releases midway gets every record again, in
 * order, and nothing hangs; a run that cannot be read back is an error.
 */
static void
test_merge_ahead(void)
{
	enum { PER_RUN = 8192, RUNS = 5, N = PER_RUN * RUNS };
	struct runsort s;
	struct rec r, prev;
	struct err e;
	int rc, bad;
	size_t i;

	err_clear(&e);
	runsort_init(&s, sizeof(r), PER_RUN * sizeof(r), cmp_full);
	memset(&r, 0, sizeof(r));
	for (uint32_t k = 0; k < N; k++) {
		r.key = (k * 7919u) % 1013u;
		r.tag = k;
		CHECK_INT(runsort_add(&s, &r, &e), 0);
	}
	CHECK_INT(runsort_finish(&s, &e), 0);
	CHECK_INT(s.nruns, RUNS);
	/* A few records, then a rewind: the thread has blocks ready, or waits. */
	for (i = 0; i < 10; i++)
		CHECK_INT(runsort_next(&s, &r, &e), 1);
	CHECK(s.ahead != NULL);
	CHECK_INT(runsort_rewind(&s, &e), 0);
	CHECK(s.ahead == NULL); /* stopped; the next read starts another */
	for (i = 0; (rc = runsort_next(&s, &r, &e)) > 0; i++) {
		if (i > 0 && cmp_full(&prev, &r) >= 0) {
			CHECK(cmp_full(&prev, &r) < 0);
			break;
		}
		prev = r;
	}
	CHECK_INT(rc, 0);
	CHECK_INT(i, N);
	CHECK_INT(runsort_next(&s, &r, &e), 0); /* and it stays at the end */
	/* Stopped in the middle of a read (by a rewind, as by a release): nothing waits. */
	CHECK_INT(runsort_rewind(&s, &e), 0);
	CHECK_INT(runsort_next(&s, &r, &e), 1);
	CHECK_INT(r.key, 0);
	/* A run that cannot be read back: its next block fails in the thread. */
	CHECK_INT(runsort_rewind(&s, &e), 0);
	bad = open("/dev/null", O_WRONLY);
	CHECK(bad >= 0 && dup2(bad, s.fd) == s.fd);
	close(bad);
	for (i = 0; (rc = runsort_next(&s, &r, &e)) > 0; i++)
		;
	CHECK_INT(rc, -1);
	CHECK(i < N);
	CHECK_INT(e.kind, ERR_IO);
	CHECK_STR(e.msg, "temporary file: Bad file descriptor");
	runsort_release(&s);
	CHECK(s.ahead == NULL);

	/* One run is read as it is: no thread. */
	runsort_init(&s, sizeof(r), N * sizeof(r), cmp_full);
	for (uint32_t k = 0; k < 100; k++) {
		r.key = k;
		CHECK_INT(runsort_add(&s, &r, &e), 0);
	}
	CHECK_INT(runsort_next(&s, &r, &e), 1);
	CHECK(s.ahead == NULL);
	runsort_release(&s);
}

/* A record whose order's first part is a 64-bit key (runsort_keyed). */
struct wide {
	uint64_t key;
	uint32_t tag;
	uint32_t pad;
};

static int
cmp_wide(const void *pa, const void *pb)
{
	const struct wide *a = pa, *b = pb;

	if (a->key != b->key)
		return a->key < b->key ? -1 : 1;
	return (a->tag > b->tag) - (a->tag < b->tag);
}

static uint64_t
key_wide(const void *p)
{
	return ((const struct wide *)p)->key;
}

/*
 * Keyed: the same order as cmp alone, whatever bytes of the key vary, with
 * runs of equal keys already in order or not (tags added descending).
 */
static void
keyed_case(size_t n, uint64_t mask, int descending, size_t mem)
{
	struct runsort s;
	struct wide *want = xmalloc(n * sizeof(*want)), got;
	struct err e;
	size_t i;
	int rc;

	err_clear(&e);
	srand((unsigned)(n + mask % 1000 + (unsigned)descending));
	runsort_init(&s, sizeof(struct wide), mem, cmp_wide);
	runsort_keyed(&s, key_wide);
	for (i = 0; i < n; i++) {
		want[i].key = (((uint64_t)(unsigned)rand() << 33) ^ ((uint64_t)(unsigned)rand() << 7) ^
		               (uint64_t)(unsigned)rand()) &
		              mask;
		want[i].tag = (uint32_t)(descending ? n - i : i);
		want[i].pad = 0;
		CHECK_INT(runsort_add(&s, &want[i], &e), 0);
	}
	qsort(want, n, sizeof(*want), cmp_wide);
	for (i = 0; (rc = runsort_next(&s, &got, &e)) > 0 && i < n; i++)
		if (got.key != want[i].key || got.tag != want[i].tag) {
			CHECK(got.key == want[i].key && got.tag == want[i].tag);
			break;
		}
	CHECK_INT(rc, i < n ? 1 : 0);
	CHECK_INT(i, n);
	runsort_release(&s);
	free(want);
}

static void
test_keyed(void)
{
	/* Keys over the whole 64 bits; few keys (long runs of equals) */
	keyed_case(50000, UINT64_MAX, 0, 1 << 20);
	keyed_case(50000, 0xF00000000000000Full, 1, 1 << 20);
	keyed_case(50000, 0x0700000000000700ull, 0, 1 << 20);
	/* one key for all: no pass, only the runs of equals */
	keyed_case(3000, 0, 1, 1 << 20);
	/* spilled runs, sorted by the second thread */
	keyed_case(200000, 0xFFFFull, 1, 16000 * sizeof(struct wide));
	keyed_case(1, UINT64_MAX, 0, 1 << 20);
}

int
main(void)
{
	T_RUN(test_in_memory);
	T_RUN(test_runs);
	T_RUN(test_no_file_left);
	T_RUN(test_write_fails);
	T_RUN(test_merge_ahead);
	T_RUN(test_keyed);
	return t_status();
}
