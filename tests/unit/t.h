/*
 * t.h - the unit tests' few macros. A test is a function; each failed CHECK
 * prints the expression with file and line; T_RUN prints PASS or FAIL for
 * the whole test. main() returns t_status().
 */
#ifndef NOCTURNE_T_H
#define NOCTURNE_T_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int t_case_failed, t_any_failed;

#define CHECK(cond)                                                                           \
	do {                                                                                  \
		if (!(cond)) {                                                                \
			printf("  %s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #cond);      \
			t_case_failed = 1;                                                    \
		}                                                                             \
	} while (0)

#define CHECK_INT(a, b)                                                                       \
	do {                                                                                  \
		long long t_a = (long long)(a), t_b = (long long)(b);                         \
		if (t_a != t_b) {                                                             \
			printf("  %s:%d: %s == %lld, expected %s == %lld\n", __FILE__,         \
			       __LINE__, #a, t_a, #b, t_b);                                   \
			t_case_failed = 1;                                                    \
		}                                                                             \
	} while (0)

/* The check of CHECK_STR and CHECK_STR_FREE: what names a (the expression). */
static inline void
t_check_str(const char *file, int line, const char *what, const char *a, const char *b)
{
	if (a == NULL || b == NULL || strcmp(a, b) != 0) {
		printf("  %s:%d: %s == \"%s\", expected \"%s\"\n", file, line, what,
		       a ? a : "(null)", b ? b : "(null)");
		t_case_failed = 1;
	}
}

#define CHECK_STR(a, b) t_check_str(__FILE__, __LINE__, #a, (a), (b))

/* CHECK_STR of the malloc'ed string expr returns (NULL fails), then free it. */
#define CHECK_STR_FREE(expr, b)                                                               \
	do {                                                                                  \
		char *t_s = (expr);                                                           \
		t_check_str(__FILE__, __LINE__, #expr, t_s, (b));                             \
		free(t_s);                                                                    \
	} while (0)

#define T_RUN(fn)                                                                             \
	do {                                                                                  \
		t_case_failed = 0;                                                            \
		fn();                                                                         \
		printf("%s: %s\n", t_case_failed ? "FAIL" : "PASS", #fn);                    \
		if (t_case_failed)                                                            \
			t_any_failed = 1;                                                     \
	} while (0)

/* Output written to memory (open_memstream): t_out_open, write on o->f,
 * then t_out_text closes it and gives the text (owned by o: t_out_free). */
struct t_out {
	char *buf;
	size_t len;
	FILE *f;
};

static inline FILE *
t_out_open(struct t_out *o)
{
	o->buf = NULL;
	o->len = 0;
	o->f = open_memstream(&o->buf, &o->len);
	return o->f;
}

static inline const char *
t_out_text(struct t_out *o)
{
	if (o->f != NULL)
		fclose(o->f);
	o->f = NULL;
	return o->buf;
}

static inline void
t_out_free(struct t_out *o)
{
	t_out_text(o);
	free(o->buf);
	o->buf = NULL;
}

static inline int
t_status(void)
{
	return t_any_failed;
}

#endif
