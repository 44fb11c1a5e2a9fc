/* The leaf modules: parse, money, text, buf, smap, bgwrite, atomic. */
#include "parse.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atomic.h"
#include "bgwrite.h"
#include "buf.h"
#include "money.h"
#include "smap.h"
#include "t.h"
#include "text.h"

/* One input, the return expected, and the value when it is 0. */
struct parse_case {
	const char *s;
	int rc;
	long long v;
};

static void
test_money_parse(void)
{
	static const struct parse_case cases[] = {
	    {"12.50", 0, 1250},
	    {"12,5", 0, 1250},
	    {"-3,20", 0, -320},
	    {"+4", 0, 400},
	    {"0", 0, 0},
	    {"15,00 €", 0, 1500},
	    {"-0.05€", 0, -5},
	    {"999999999999.99", 0, 99999999999999LL},
	    {"1000000000000", -1, 0},
	    {"1.234", -1, 0},
	    {"1.", -1, 0},
	    {".5", -1, 0},
	    {"1 234", -1, 0},
	    {"abc", -1, 0},
	    {"", -1, 0},
	    {"-", -1, 0},
	    {"€", -1, 0},
	    {"1e3", -1, 0},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int64_t c = 7;
		int rc = money_parse(cases[i].s, &c);
		if (rc != cases[i].rc || c != (rc == 0 ? cases[i].v : 7)) {
			printf("  money_parse(\"%s\") = %d, %lld\n", cases[i].s, rc, (long long)c);
			t_case_failed = 1;
		}
	}
}

static void
test_bool(void)
{
	static const struct {
		const char *s;
		int flags, rc, v;
	} cases[] = {
	    {"yes", 0, 0, 1},
	    {"YES", 0, 0, 1},
	    {"oui", 0, 0, 1},
	    {"Oui", 0, 0, 1},
	    {"true", 0, 0, 1},
	    {"1", 0, 0, 1},
	    {"no", 0, 0, 0},
	    {"Non", 0, 0, 0},
	    {"non", 0, 0, 0},
	    {"FALSE", 0, 0, 0},
	    {"0", 0, 0, 0},
	    {"y", 0, -1, 0},
	    {"2", 0, -1, 0},
	    {"", 0, -1, 0},
	    {"yess", 0, -1, 0},
	    {"on", 0, -1, 0}, /* "on"/"off" only where asked (configuration switches) */
	    {"On", PARSE_ON_OFF, 0, 1},
	    {"OFF", PARSE_ON_OFF, 0, 0},
	    {"non", PARSE_ON_OFF, 0, 0},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int v = -5;
		int rc = parse_bool(cases[i].s, cases[i].flags, &v);
		if (rc != cases[i].rc || v != (rc == 0 ? cases[i].v : -5)) {
			printf("  parse_bool(\"%s\", %d) = %d, %d\n", cases[i].s, cases[i].flags,
			       rc, v);
			t_case_failed = 1;
		}
	}
}

static void
test_uint(void)
{
	static const struct parse_case cases[] = {
	    {"0", 0, 0},      {"10", 0, 10},  {"11", -1, 0}, {"-1", -1, 0},
	    {"+1", -1, 0},    {"1.5", -1, 0}, {"", -1, 0},   {"99999999999999999999", -1, 0},
	    {"0587", 0, 587}, /* decimal, never octal */
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		long long v = -5;
		int rc = parse_uint(cases[i].s, cases[i].v > 10 ? 1000 : 10, &v);
		if (rc != cases[i].rc || v != (rc == 0 ? cases[i].v : -5)) {
			printf("  parse_uint(\"%s\") = %d, %lld\n", cases[i].s, rc, v);
			t_case_failed = 1;
		}
	}
}

static void
test_money_format(void)
{
	char m[MONEY_LEN];

	CHECK_STR(money_format(m, sizeof(m), 1250), "12.50");
	CHECK_STR(money_format(m, sizeof(m), -5), "-0.05");
	CHECK_STR(money_format(m, sizeof(m), 0), "0.00");
	CHECK_STR(money_format(m, sizeof(m), INT64_MIN), "-92233720368547758.08");
}

static void
test_utf8(void)
{
	size_t bad = 99;

	CHECK_INT(text_utf8_check("Élodie ça 😀", strlen("Élodie ça 😀"), &bad), 0);
	CHECK_INT(text_utf8_check("ab\xC3", 3, &bad), -1);
	CHECK_INT(bad, 2);
	CHECK_INT(text_utf8_check("\xC0\xAF", 2, &bad), -1);         /* overlong */
	CHECK_INT(text_utf8_check("\xE0\x80\xAF", 3, &bad), -1);     /* overlong */
	CHECK_INT(text_utf8_check("\xED\xA0\x80", 3, &bad), -1);     /* surrogate */
	CHECK_INT(text_utf8_check("\xF4\x90\x80\x80", 4, &bad), -1); /* > U+10FFFF */
	CHECK_INT(text_utf8_check("x\xE9y", 3, &bad), -1);
	CHECK_INT(bad, 1);
	CHECK_INT(text_utf8_len("\xF0\x9F\x98\x80", 4), 4);
	CHECK_INT(text_utf8_len("\xF0\x9F\x98", 3), 0); /* cut short */
	CHECK_INT(text_utf8_len("\xC3\xA9", 2), 2);
}

static void
test_oneline(void)
{
	char d[64];
	const char *s = "  a\r\nb\tc\x1b\x7f\xE9 \xC3\xA9  ";

	CHECK_INT(text_oneline(d, sizeof(d), s, strlen(s), 0), strlen(s));
	CHECK_STR(d, "  a??b?c??\xE9 \xC3\xA9  ");
	text_oneline(d, sizeof(d), s, strlen(s), TEXT_CONTROL_SPACE | TEXT_BAD_UTF8 | TEXT_TRIM);
	CHECK_STR(d, "a  b c  ? \xC3\xA9");
	/* cut to fit, never inside a sequence */
	CHECK_INT(text_oneline(d, 5, "abc\xC3\xA9", 5, 0), 3);
	CHECK_STR(d, "abc");
	CHECK_INT(text_oneline(d, 6, "abc\xC3\xA9", 5, 0), 5);
	/* in place */
	strcpy(d, "x\ny");
	text_oneline(d, sizeof(d), d, 3, 0);
	CHECK_STR(d, "x?y");
}

static void
test_buf(void)
{
	struct buf b = {0};
	size_t n;
	char *p;

	buf_adds(&b, "ab");
	buf_add(&b, "cdef", 2);
	buf_addf(&b, "%d-%s", 42, "x");
	for (int i = 0; i < 100; i++)
		buf_addf(&b, "%s", "0123456789");
	CHECK_INT(b.len, 8 + 1000);
	CHECK(memcmp(b.p, "abcd42-x0123", 12) == 0);
	CHECK_INT(b.p[b.len], '\0');
	p = buf_detach(&b, &n);
	CHECK_INT(n, 1008);
	CHECK(b.p == NULL && b.len == 0);
	free(p);
	CHECK_STR_FREE(buf_detach(&b, NULL), "");

	buf_add_base64(&b, (const unsigned char *)"", 0);
	buf_add_base64(&b, (const unsigned char *)"f", 1);
	buf_adds(&b, " ");
	buf_add_base64(&b, (const unsigned char *)"fo", 2);
	buf_adds(&b, " ");
	buf_add_base64(&b, (const unsigned char *)"foobar", 6);
	buf_adds(&b, " ");
	buf_add_base64(&b, (const unsigned char *)"\xC3\xA9t\xC3\xA9", 5);
	CHECK_STR(b.p, "Zg== Zm8= Zm9vYmFy w6l0w6k=");
	buf_release(&b);
}

/* smap's hash (FNV-1a), to check that the pairs below do collide. */
static uint32_t
fnv1a(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

/*
 * Pairs of keys with the same hash (found by search): each key of a pair
 * must find its own value, inline (up to 15 bytes) or not, of the same
 * length or not.
 */
static const char *const collide[][2] = {
    {"C0139599", "C0322382"},                               /* 8 bytes each */
    {"E682841", "R1330630"},                                /* 7 and 8 */
    {"R00000000355786", "R00000001414240"},                 /* 15: the longest inline */
    {"activite-longue-0229599", "activite-longue-0432382"}, /* 23: out of line */
};

static void
test_smap(void)
{
	struct smap m = {0};
	char key[64];
	size_t i;

	CHECK(smap_find(&m, "E000001") == NULL);
	for (i = 0; i < sizeof(collide) / sizeof(collide[0]); i++) {
		CHECK_INT(fnv1a(collide[i][0]), fnv1a(collide[i][1]));
		smap_put(&m, collide[i][0], (int64_t)i * 2);
	}
	for (i = 0; i < sizeof(collide) / sizeof(collide[0]); i++)
		CHECK(smap_find(&m, collide[i][1]) == NULL); /* its twin's hash, not its key */
	for (i = 0; i < sizeof(collide) / sizeof(collide[0]); i++)
		smap_put(&m, collide[i][1], (int64_t)i * 2 + 1);
	for (i = 0; i < sizeof(collide) / sizeof(collide[0]); i++) {
		const struct smap_entry *a = smap_find(&m, collide[i][0]);
		const struct smap_entry *b = smap_find(&m, collide[i][1]);

		CHECK(a != NULL && a->val == (int64_t)i * 2);
		CHECK(b != NULL && b->val == (int64_t)i * 2 + 1);
	}
	/* Keys of every length around the inline limit, through several growths;
	 * each a prefix of the next, so a length compared wrong finds another. */
	for (i = 0; i < 20000; i++) {
		snprintf(key, sizeof(key), "%zu-%.*s", i, (int)(i % 40), "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmn");
		smap_put(&m, key, (int64_t)i);
	}
	CHECK_INT(m.n, 20000 + 2 * sizeof(collide) / sizeof(collide[0]));
	CHECK_INT((uintptr_t)m.v % 64, 0);
	CHECK_INT(sizeof(struct smap_entry), 32);
	for (i = 0; i < 20000; i++) {
		const struct smap_entry *x;

		snprintf(key, sizeof(key), "%zu-%.*s", i, (int)(i % 40), "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmn");
		x = smap_find(&m, key);
		CHECK(x != NULL && x->val == (int64_t)i);
		key[strlen(key) - (i % 40 > 0)] = '\0'; /* one byte shorter (or the bare "i-") */
		if (i % 40 > 0)
			CHECK(smap_find(&m, key) == NULL);
	}
	smap_put(&m, "activite-longue-0229599", -7); /* replaced, not added */
	CHECK_INT(m.n, 20000 + 2 * sizeof(collide) / sizeof(collide[0]));
	CHECK_INT(smap_find(&m, "activite-longue-0229599")->val, -7);
	CHECK_INT(smap_find(&m, "activite-longue-0432382")->val, 7);
	smap_free(&m);
	CHECK(m.v == NULL && m.n == 0 && m.cap == 0);
	CHECK(smap_find(&m, "C0139599") == NULL);
}

/* Byte i of the test outputs: no two blocks alike, no period of a block. */
static int
pattern(size_t i)
{
	return (int)((i * 7u + i / 977u) & 0xffu);
}

/* What n bytes of f hold (from its start) is pattern: 1, else 0. */
static int
holds_pattern(int fd, size_t n)
{
	static char buf[65536];
	size_t at = 0;
	ssize_t got;

	if (lseek(fd, 0, SEEK_SET) != 0)
		return 0;
	while ((got = read(fd, buf, sizeof(buf))) > 0) {
		for (ssize_t k = 0; k < got; k++)
			if ((unsigned char)buf[k] != pattern(at + (size_t)k))
				return 0;
		at += (size_t)got;
	}
	return got == 0 && at == n;
}

/* Two and a half times round the writer's ring of blocks and a few bytes,
 * in stdio's buffered pieces and one big write. */
#define BG_N ((size_t)BGWRITE_BLOCK * BGWRITE_BLOCKS * 5 / 2 + 13)

static void
put_pattern(FILE *fp, size_t n)
{
	size_t i = 0;
	char *big = malloc(BGWRITE_BLOCK + 100);

	for (; i < n / 3; i++)
		putc_unlocked(pattern(i), fp);
	for (size_t k = 0; k < BGWRITE_BLOCK + 100 && i + k < n; k++)
		big[k] = (char)pattern(i + k);
	i += fwrite(big, 1, BGWRITE_BLOCK + 100 < n - i ? BGWRITE_BLOCK + 100 : n - i, fp);
	for (; i < n; i++)
		putc_unlocked(pattern(i), fp);
	free(big);
}

static void
test_bgwrite(void)
{
	char path[] = "/tmp/nocturne-bgwrite-XXXXXX";
	int fd = mkstemp(path);
	FILE *fp;

	CHECK(fd >= 0);
	if (fd < 0)
		return;
	unlink(path);
	fp = bgwrite_open(fd);
	CHECK(fp != NULL);
	if (fp == NULL)
		return;
	put_pattern(fp, BG_N);
	CHECK(!ferror(fp));
	CHECK_INT(fclose(fp), 0);
	/* Every byte, in order, the last block's part too; fd still the caller's. */
	CHECK(fcntl(fd, F_GETFD) >= 0);
	CHECK(holds_pattern(fd, BG_N));
	close(fd);

	/* A device that takes nothing: the writer's ENOSPC reaches the FILE. */
	fd = open("/dev/full", O_WRONLY | O_CLOEXEC);
	if (fd >= 0) {
		int rc;

		fp = bgwrite_open(fd);
		CHECK(fp != NULL);
		if (fp != NULL) {
			put_pattern(fp, BG_N);
			errno = 0;
			rc = fclose(fp);
			CHECK_INT(rc, EOF);
			CHECK_INT(errno, ENOSPC);
		}
		close(fd);
	}
}

/* An atomic file written in the background: whole, in place, nothing else. */
static void
test_atomic_background(void)
{
	char dir[] = "/tmp/nocturne-atomic-XXXXXX", path[64];
	struct atomic_file a;
	struct err e;
	int fd;

	CHECK(mkdtemp(dir) != NULL);
	snprintf(path, sizeof(path), "%s/out.csv", dir);
	CHECK_INT(atomic_open(&a, path, 0600, &e), 0);
	CHECK_INT(atomic_background(&a, &e), 0);
	CHECK_INT(atomic_background(&a, &e), -1); /* once only */
	put_pattern(a.fp, BG_N);
	CHECK_INT(atomic_commit(&a, &e), 0);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	CHECK(fd >= 0 && holds_pattern(fd, BG_N));
	if (fd >= 0)
		close(fd);

	/* Given up: the old file stays whole, no temporary file is left. */
	CHECK_INT(atomic_open(&a, path, 0600, &e), 0);
	CHECK_INT(atomic_background(&a, &e), 0);
	fputs("half", a.fp);
	atomic_abort(&a);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	CHECK(fd >= 0 && holds_pattern(fd, BG_N));
	if (fd >= 0)
		close(fd);
	CHECK_INT(unlink(path), 0);
	CHECK_INT(rmdir(dir), 0); /* empty: no .out.csv.*.tmp */
}

int
main(void)
{
	T_RUN(test_money_parse);
	T_RUN(test_bool);
	T_RUN(test_uint);
	T_RUN(test_money_format);
	T_RUN(test_utf8);
	T_RUN(test_oneline);
	T_RUN(test_buf);
	T_RUN(test_smap);
	T_RUN(test_bgwrite);
	T_RUN(test_atomic_background);
	return t_status();
}
