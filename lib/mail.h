/*
 * mail.h - the family mail as bytes: records in, RFC 5322 / MIME out.
 *
 * Pure: no clock, no randomness, no I/O. The caller (morning.c) gives the
 * date, zone offset and a random number for the Message-ID; the same input
 * gives the same bytes, so a stored message can be sent again unchanged.
 *
 * A message is multipart/alternative: a text/plain part (UTF-8,
 * quoted-printable, CRLF, lines of at most 76 octets) and a simple HTML part
 * (every data string escaped). Headers are 7-bit: non-ASCII subjects and
 * display names are RFC 2047 B-encoded and folded; control characters from
 * data (CR, LF, NUL, TAB...) never reach a header or break a body line.
 * Every message says what it is in "X-Nocturne-Kind: report" (the
 * compte-rendu) or "X-Nocturne-Kind: notice" (the waitlist-acceptance
 * notice), for operators and filters.
 */
#ifndef NOCTURNE_MAIL_H
#define NOCTURNE_MAIL_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "err.h"

/*
 * A copy of s fit for one line of text: every control character (CR, LF,
 * TAB, NUL cannot occur) becomes a space, invalid UTF-8 bytes become '?',
 * leading and trailing spaces are removed. NULL gives "". Caller frees.
 */
char *mail_clean(const char *s);

/*
 * 1 if addr is an address nocturne sends to: ASCII local@domain, the local
 * part a dot-atom (at most 64 octets), the domain dot-separated labels of
 * letters, digits and inner hyphens, at least two labels unless
 * allow_dotless, at most 254 octets in all. Else 0.
 */
int mail_addr_valid(const char *addr, int allow_dotless);

/*
 * The first address of a family's "emails" (split on ';', trimmed), as a
 * malloc'ed string in *first (caller frees), or NULL when there is none
 * (empty list, or empty first element). Returns 1 if found, else 0.
 */
int mail_first_address(const char *emails, char **first);

/*
 * Split a mailbox "Display Name <addr>", "\"Name\" <addr>" or "addr" into a
 * display name (malloc'ed, "" when none) and an addr-spec (malloc'ed).
 * Returns 0, or -1 (nothing allocated) when there is no valid address
 * (dotless domains allowed: "no-reply@localhost").
 */
int mail_parse_mailbox(const char *text, char **name, char **addr);

/*
 * Append text as quoted-printable: '\n' ends a line (written CRLF), '\r' is
 * dropped, encoded lines are at most 76 octets (soft breaks), '=' and
 * non-ASCII are encoded, so are a space or tab ending a line, a '.' starting
 * a line and the 'F' of a line starting "From ".
 */
void mail_qp_encode(struct buf *out, const char *text, size_t len);

/*
 * Append a header "Name: value" and its CRLF, folded under 78 columns.
 * Unstructured (phrase == 0): value is written as is when it is printable
 * ASCII without "=?", else as RFC 2047 B encoded words. phrase == 1: a
 * display name, encoded unless it is made only of atext and spaces. Control
 * characters never pass (see mail_clean).
 */
void mail_header_text(struct buf *out, const char *name, const char *value, int phrase);

/*
 * Append "Name: Display Name <addr>" and its CRLF, the display name encoded
 * as a phrase (see mail_header_text), folded; addr must be valid (it is
 * written as is). An empty name gives "Name: addr".
 */
void mail_header_mailbox(struct buf *out, const char *hname, const char *name, const char *addr);

/* "Fri, 06 Dec 2019 07:00:00 +0100": a local instant and its zone offset. */
#define MAIL_DATE_LEN 40
void mail_date(int64_t t, int zone_minutes, char buf[MAIL_DATE_LEN]);

enum mail_kind {
	MAIL_REPORT = 0, /* the compte-rendu */
	MAIL_NOTICE,     /* the waitlist-acceptance notice */
};

/* One request as the mail shows it. Strings are data: they are cleaned. */
struct mail_item {
	const char *child_key;  /* groups items child by child (the child_id) */
	const char *child_name; /* "Léa Martin" */
	const char *activity;   /* activity name */
	int32_t day;            /* days since 1970 */
	const char *action;     /* "reserve" | "cancel" */
	int arrival, departure; /* minutes since midnight, -1 = none */
	const char *state;      /* request state shown (see french_outcome) */
	const char *reason;     /* refusal reason or NULL */
	int position;           /* waiting-list position, 0 = none */
	int waitlisted;         /* 1: still on the waiting list (reminder) */
};

struct mail_head {
	const char *from;       /* the [mail] from mailbox, already valid */
	const char *reply_to;   /* "" or NULL: no Reply-To */
	const char *to_name;    /* the family's name (display name), may be NULL */
	const char *to_addr;    /* a valid address, or NULL: no To header */
	const char *signature;  /* "" or NULL: the default; "\n" breaks lines */
	int64_t date;           /* local instant of composition */
	int zone_minutes;       /* its offset from UTC */
	const char *message_id; /* "<...@...>" (see mail_message_id) */
};

struct mail_out {
	char *subject; /* UTF-8, as stored in the database */
	char *text;    /* the plain-text body (LF), for --dry-run */
	char *content; /* the RFC 5322 bytes, CRLF */
	size_t length;
};

/*
 * Compose a message of kind for items[0..n), in the order given (the
 * caller sorts child by child, then by date). Fills out (free with
 * mail_out_release). Fails (ERR_CONFIG) only when h->from or h->reply_to is
 * not a mailbox.
 */
int mail_compose(enum mail_kind kind, const struct mail_head *h, const struct mail_item *items,
                 size_t n, struct mail_out *out, struct err *e);
void mail_out_release(struct mail_out *out);

/*
 * A Message-ID "<YYYYMMDDHHMMSS.KIND.REF.RANDOM@DOMAIN>" (malloc'ed), the
 * domain taken from the from mailbox ("localhost" if it has none).
 */
char *mail_message_id(enum mail_kind kind, long long ref, int64_t t, uint64_t random,
                      const char *from);

#endif
