#include "err.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

void
err_clear(struct err *e)
{
	e->kind = ERR_NONE;
	e->msg[0] = '\0';
}

int
err_set(struct err *e, enum err_kind kind, const char *fmt, ...)
{
	va_list ap;

	if (e == NULL)
		return -1;
	e->kind = kind;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	return -1;
}

int
err_prefix(struct err *e, const char *fmt, ...)
{
	char pre[ERR_MSG_MAX], both[2 * ERR_MSG_MAX + 2];
	va_list ap;

	if (e == NULL)
		return -1;
	va_start(ap, fmt);
	vsnprintf(pre, sizeof(pre), fmt, ap);
	va_end(ap);
	snprintf(both, sizeof(both), "%s: %s", pre, e->msg);
	memcpy(e->msg, both, sizeof(e->msg) - 1);
	e->msg[sizeof(e->msg) - 1] = '\0';
	return -1;
}

int
err_exitcode(enum err_kind kind)
{
	switch (kind) {
	case ERR_NONE:
		return 0;
	case ERR_USAGE:
		return EX_USAGE;
	case ERR_DATA:
		return EX_DATAERR;
	case ERR_NOINPUT:
		return EX_NOINPUT;
	case ERR_UNAVAILABLE:
		return EX_UNAVAILABLE;
	case ERR_IO:
		return EX_IOERR;
	case ERR_TEMP:
	case ERR_STUCK:
		return EX_TEMPFAIL;
	case ERR_CONFIG:
		return EX_CONFIG;
	case ERR_INTERNAL:
		break;
	}
	return EX_SOFTWARE;
}

void
oom(size_t n)
{
	fprintf(stderr, "nocturne: out of memory (%zu bytes)\n", n);
	abort();
}

void *
xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (p == NULL)
		oom(n);
	return p;
}

void *
xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);
	if (p == NULL)
		oom(n * size);
	return p;
}

void *
xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);
	if (q == NULL)
		oom(n);
	return q;
}

char *
xstrdup(const char *s)
{
	size_t n = strlen(s) + 1;
	char *p = xmalloc(n);
	memcpy(p, s, n);
	return p;
}

void
xgrow(void *pp, size_t *cap, size_t need, size_t size)
{
	void **p = pp;
	size_t c = *cap;

	if (need <= c)
		return;
	if (c < 16)
		c = 16;
	while (c < need)
		c *= 2;
	*p = xrealloc(*p, c * size);
	*cap = c;
}
