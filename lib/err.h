/*
 * err.h - how lib/ reports failure.
 *
 * lib/ never prints and never exits. A function that can fail takes a
 * caller-owned struct err, fills it with a kind (what the caller should do:
 * fix the data, fix the config, retry later...) and one line of text that can
 * be printed as it stands, and returns -1. Only cmd/ turns a kind into an exit
 * status, through err_exitcode().
 */
#ifndef NOCTURNE_ERR_H
#define NOCTURNE_ERR_H

#include <stddef.h>

enum err_kind {
	ERR_NONE = 0,
	ERR_USAGE,       /* bad command line                      -> 64 */
	ERR_DATA,        /* bad input data                         -> 65 */
	ERR_NOINPUT,     /* input file missing                     -> 66 */
	ERR_UNAVAILABLE, /* remote service refused / unreachable   -> 69 */
	ERR_INTERNAL,    /* a bug or an impossible state           -> 70 */
	ERR_IO,          /* I/O error                              -> 74 */
	ERR_TEMP,        /* locked, or work deferred: retry later  -> 75 */
	ERR_STUCK,       /* locked for too long: 75, but a person must look */
	ERR_CONFIG,      /* configuration error                    -> 78 */
};

#define ERR_MSG_MAX 1024

struct err {
	enum err_kind kind;
	char msg[ERR_MSG_MAX];
};

/* Reset e to "no error". */
void err_clear(struct err *e);

/*
 * Fill e with kind and a printf-style message (truncated to fit).
 * Always returns -1, so callers can write: return err_set(e, ERR_IO, ...);
 */
int err_set(struct err *e, enum err_kind kind, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Prefix e's message with "PREFIX: " (for context added by callers). Returns -1. */
int err_prefix(struct err *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The <sysexits.h> code for a kind (0 for ERR_NONE). */
int err_exitcode(enum err_kind kind);

/* Allocation helpers that abort with a message on out-of-memory. */
/* That message ("nocturne: out of memory (N bytes)"), then abort. */
void oom(size_t n) __attribute__((noreturn));
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
/* Grow *p (holding *cap elements of size) so it holds at least need elements. */
void xgrow(void *pp, size_t *cap, size_t need, size_t size);

#endif
