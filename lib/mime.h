/*
 * mime.h - the encodings of an Internet message (RFC 5322, MIME, RFC 2047):
 * headers folded and 7-bit, quoted-printable and base64 bodies, addresses.
 *
 * Pure and language-free: what a message says is mail.c's business (and
 * french.c's words); this module only makes bytes that every mail reader
 * parses the same way. Control characters from data (CR, LF, NUL, TAB...)
 * never reach a header or break a body line.
 */
#ifndef NOCTURNE_MIME_H
#define NOCTURNE_MIME_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

/*
 * A copy of s fit for one line of text: every control character (CR, LF,
 * TAB, NUL cannot occur) becomes a space, invalid UTF-8 bytes become '?',
 * leading and trailing spaces are removed. NULL gives "". Caller frees.
 */
char *mime_clean(const char *s);

/*
 * 1 if addr is an address nocturne sends to: ASCII local@domain, the local
 * part a dot-atom (at most 64 octets), the domain dot-separated labels of
 * letters, digits and inner hyphens, at least two labels unless
 * allow_dotless, at most 254 octets in all. Else 0.
 */
int mime_addr_valid(const char *addr, int allow_dotless);

/*
 * The first address of a family's "emails" (split on ';', trimmed), as a
 * malloc'ed string in *first (caller frees), or NULL when there is none
 * (empty list, or empty first element). Returns 1 if found, else 0.
 */
int mime_first_address(const char *emails, char **first);

/*
 * Split a mailbox "Display Name <addr>", "\"Name\" <addr>" or "addr" into a
 * display name (malloc'ed, "" when none) and an addr-spec (malloc'ed).
 * Returns 0, or -1 (nothing allocated) when there is no valid address
 * (dotless domains allowed: "no-reply@localhost").
 */
int mime_parse_mailbox(const char *text, char **name, char **addr);

/*
 * The VERP form of the addr-spec addr for message ref: "local+mREF@domain"
 * (malloc'ed), so that a bounce sent there names the message. NULL when
 * addr is not an address or the local part would pass 64 octets.
 */
char *mime_verp(const char *addr, long long ref);

/*
 * Append text as quoted-printable: '\n' ends a line (written CRLF), '\r' is
 * dropped, encoded lines are at most 76 octets (soft breaks), '=' and
 * non-ASCII are encoded, so are a space or tab ending a line, a '.' starting
 * a line and the 'F' of a line starting "From ".
 */
void mime_qp_encode(struct buf *out, const char *text, size_t len);

/* Append s[0..n) as base64 in lines of 76 characters, each ended by CRLF. */
void mime_base64_lines(struct buf *out, const char *s, size_t n);

/*
 * Append a header "Name: value" and its CRLF, folded under 78 columns.
 * Unstructured (phrase == 0): value is written as is when it is printable
 * ASCII without "=?", else as RFC 2047 B encoded words. phrase == 1: a
 * display name, encoded unless it is made only of atext and spaces. Control
 * characters never pass (see mime_clean).
 */
void mime_header_text(struct buf *out, const char *name, const char *value, int phrase);

/*
 * Append "Hname: Display Name <addr>" (name encoded as a phrase, may be ""
 * or NULL: the bare address) and its CRLF. addr must be a valid addr-spec.
 */
void mime_header_mailbox(struct buf *out, const char *hname, const char *name, const char *addr);

/* "Fri, 06 Dec 2019 07:00:00 +0100": a local instant and its zone offset. */
#define MIME_DATE_LEN 40
void mime_date(int64_t t, int zone_minutes, char buf[MIME_DATE_LEN]);

#endif
