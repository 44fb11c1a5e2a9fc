/*
 * buf.h - a growable byte buffer, the one every module builds text in
 * (mail bytes, the dry-run preview, headers). Leaf: libc, and OpenSSL for
 * base64.
 *
 * A zeroed struct buf is an empty buffer; once something was added, p is
 * NUL-terminated. Allocation failure aborts (xgrow), so adding never fails.
 */
#ifndef NOCTURNE_BUF_H
#define NOCTURNE_BUF_H

#include <stddef.h>

struct buf {
	char *p;
	size_t len, cap;
};

/* Make room for extra more bytes and the NUL after them (p may move). */
void buf_reserve(struct buf *b, size_t extra);
/* Append s[0..n). */
void buf_add(struct buf *b, const char *s, size_t n);
/* Append the string s. */
void buf_adds(struct buf *b, const char *s);
/* Append printf-formatted text. */
void buf_addf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Append s[0..n) in base64 (RFC 4648, with '=' padding, no line breaks). */
void buf_add_base64(struct buf *b, const unsigned char *s, size_t n);
/* The contents as a malloc'ed string ("" if empty); b is emptied. Caller frees. */
char *buf_detach(struct buf *b, size_t *len);
/* Free the contents; b is empty again. */
void buf_release(struct buf *b);

#endif
