/*
 * t.h - the unit tests' few macros. A test is a function; each failed CHECK
 * prints the expression with file and line; T_RUN prints PASS or FAIL for
 * the whole test. main() returns t_status().
 */
#ifndef NOCTURNE_T_H
#define NOCTURNE_T_H

#include <stdio.h>
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

#define CHECK_STR(a, b)                                                                       \
	do {                                                                                  \
		const char *t_a = (a), *t_b = (b);                                            \
		if (t_a == NULL || t_b == NULL || strcmp(t_a, t_b) != 0) {                    \
			printf("  %s:%d: %s == \"%s\", expected \"%s\"\n", __FILE__, __LINE__, \
			       #a, t_a ? t_a : "(null)", t_b ? t_b : "(null)");                \
			t_case_failed = 1;                                                    \
		}                                                                             \
	} while (0)

#define T_RUN(fn)                                                                             \
	do {                                                                                  \
		t_case_failed = 0;                                                            \
		fn();                                                                         \
		printf("%s: %s\n", t_case_failed ? "FAIL" : "PASS", #fn);                    \
		if (t_case_failed)                                                            \
			t_any_failed = 1;                                                     \
	} while (0)

static inline int
t_status(void)
{
	return t_any_failed;
}

#endif
