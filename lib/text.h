/*
 * text.h - UTF-8 and one-line text: the checks every module that takes
 * text from outside (CSV files, SMTP replies, HTTP status lines, data quoted
 * in log lines and mail headers) applies before showing or sending it.
 * Leaf: libc only.
 */
#ifndef NOCTURNE_TEXT_H
#define NOCTURNE_TEXT_H

#include <stddef.h>

/*
 * Length of the valid UTF-8 sequence at s[0..n) (1 to 4), or 0 if the bytes
 * there are not one (bad lead byte, truncated, overlong, surrogate, over
 * U+10FFFF). n must be at least 1.
 */
size_t text_utf8_len(const char *s, size_t n);

/*
 * 0 if s[0..n) is valid UTF-8; else -1 and *bad = the offset of the first
 * byte of the first invalid sequence.
 */
int text_utf8_check(const char *s, size_t n, size_t *bad);

/* 1 if c is a control character (C0 or DEL), else 0. */
int text_is_control(unsigned char c);

/* How text_oneline() treats what it copies. */
enum {
	TEXT_CONTROL_SPACE = 1, /* a control character becomes ' ' (else '?') */
	TEXT_BAD_UTF8 = 2,      /* a byte of invalid UTF-8 becomes '?' */
	TEXT_TRIM = 4,          /* no leading or trailing spaces */
};

/*
 * Copy src[0..len) into dst (cap bytes, cap >= 1) as one printable line:
 * every control character (CR, LF, TAB, ESC, NUL...) becomes '?' (or ' '
 * with TEXT_CONTROL_SPACE), with TEXT_BAD_UTF8 every byte that is not part
 * of valid UTF-8 becomes '?', with TEXT_TRIM spaces at both ends go. Cut
 * to fit, never inside a UTF-8 sequence. Returns the length written (dst is
 * NUL-terminated). dst may be src (the line only shrinks).
 */
size_t text_oneline(char *dst, size_t cap, const char *src, size_t len, int flags);

#endif
