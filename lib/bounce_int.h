/*
 * bounce_int.h - private to lib/bounce*.c: what the two readers of a
 * returned message share.
 *
 * bounce.c reads the delivery report (RFC 3464) and the VERP address, and
 * decides (bounce_parse); bounce_text.c reads a message that has no report:
 * the wording of known MTAs' plain-text bounces (qmail's QSBMF, Exim,
 * Gmail, French wordings) and the marks of an auto-reply.
 */
#ifndef NOCTURNE_BOUNCE_INT_H
#define NOCTURNE_BOUNCE_INT_H

#include <stddef.h>

#include "bounce.h"
#include "mime_read.h"

/*
 * Copy s[0..len) into out (size n) as one printable line (text_oneline:
 * controls and bad UTF-8 out, trimmed), runs of spaces collapsed, cut on a
 * UTF-8 boundary. Never fails.
 */
void bounce_put_line(char *out, size_t n, const char *s, size_t len);

/* The first "<...>" of a Message-ID value v (may be NULL) into out, when out is
 * still empty and the id is well-formed; else out untouched. */
void bounce_take_message_id(const char *v, char *out, size_t n);

/*
 * The first status "D.D{1,3}.D{1,3}" in text[0..len) that is not part of a
 * longer dotted number: copied into out, its offset in *where, and its
 * class (2, 4 or 5) returned; 0 when there is none.
 */
int bounce_find_status(const char *text, size_t len, char *out, size_t n, size_t *where);

/*
 * The text/plain parts of m, decoded and joined, at most 64 KiB: a
 * malloc'ed string (caller frees), its length in *out_len.
 */
char *bounce_text_plain(const struct mime_message *m, size_t *out_len);

/*
 * A bounce without a report: when text[0..len) (bounce_text_plain of m)
 * says failure or delay in a known wording and m comes from a mailer (or
 * is a qmail QSBMF bounce), fill r's verdict, format, status, diagnostic,
 * recipient (QSBMF) and why, and return 1; else 0, r untouched.
 */
int bounce_text_read(const struct mime_message *m, const char *text, size_t len,
                     struct bounce_result *r);

/* 1 when header h marks an auto-reply (Auto-Submitted, X-Autoreply, subjects), else 0. */
int bounce_text_auto_reply(const struct mime_header *h);

/*
 * The Message-ID of an original quoted in text[0..len) (a "Message-ID:"
 * at the start of a line, "> " quoting allowed) into out, when out is
 * still empty.
 */
void bounce_text_message_id(const char *text, size_t len, char *out, size_t n);

#endif
