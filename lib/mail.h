/*
 * mail.h - the family mail: what a compte-rendu or a notice says, in
 * French, for a parent who must be able to act on it (contract sections 6
 * and 6.1). Records in, RFC 5322 bytes out.
 *
 * Pure: no clock, no randomness, no I/O. The caller (morning.c) gives the
 * date, zone offsets, each request's deadline and a random number for the
 * Message-ID; the same input gives the same bytes, so a stored message can
 * be sent again unchanged. The encodings are mime.c's, the words french.c's,
 * the calendar ical.c's.
 *
 * A message is multipart/alternative: a text/plain part and an HTML part
 * made for a phone (a heading per child, outcomes in words), both UTF-8
 * quoted-printable; with calendar events, the two are wrapped in
 * multipart/mixed beside a text/calendar; method=PUBLISH attachment.
 * It starts with a summary of the outcomes; for each child the requests not
 * accepted come first, each with the concrete why; each waiting line and
 * each notice line says until when the family can cancel on the portal.
 * Every message says what it is in "X-Nocturne-Kind: report" (the
 * compte-rendu) or "X-Nocturne-Kind: notice" (the waitlist-acceptance
 * notice), for operators and filters, and "Content-Language: fr".
 */
#ifndef NOCTURNE_MAIL_H
#define NOCTURNE_MAIL_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "err.h"

enum mail_kind {
	MAIL_REPORT = 0, /* the compte-rendu */
	MAIL_NOTICE,     /* the waitlist-acceptance notice */
};

/* No deadline known (the line then says nothing about cancelling). */
#define MAIL_NO_DEADLINE INT64_MIN

/* One request as the mail shows it. Strings are data: they are cleaned. */
struct mail_item {
	long long seq;            /* the request's number (the calendar UID) */
	const char *child_key;    /* groups items child by child (the child_id) */
	const char *child_name;   /* "Léa Martin" */
	const char *child_first;  /* "Léa", for a notice's subject */
	const char *activity;     /* activity name */
	const char *structure;    /* the activity's structure, "" or NULL: none */
	int hours_from, hours_to; /* the activity's hours (minutes), -1 = none */
	int waitlist;             /* the activity's list: 0 none, -1 unlimited, N places */
	int32_t day;              /* days since 1970 */
	const char *action;       /* "reserve" | "cancel" */
	int arrival, departure;   /* minutes since midnight, -1 = none */
	const char *state;        /* request state shown (see french_outcome) */
	const char *now_state;    /* its state today ("cancelled" for an undone reservation) */
	const char *reason;       /* refusal reason or NULL */
	int position;             /* waiting-list position, 0 = none */
	int waitlisted;           /* 1: still on the waiting list (reminder) */
	int64_t submitted_at;     /* when the family sent it (naive local) */
	int64_t deadline;         /* the last moment for this day, or MAIL_NO_DEADLINE */
	/* refused 'duplicate': the earlier request of the slot that holds */
	const char *holder_state; /* "accepted", "waitlisted", "cancelled", or NULL */
	int holder_position;
	int64_t holder_submitted;
	/* an accepted cancellation: the reservation it undid */
	long long undoes;        /* its seq, 0 = none */
	int undone_was_accepted; /* it held a place (had a calendar event) */
	int undone_arrival, undone_departure;
	int zone_minutes; /* the local offset from UTC on day (calendar times) */
};

struct mail_head {
	const char *from;       /* the [mail] from mailbox, already valid */
	const char *reply_to;   /* "" or NULL: no Reply-To */
	const char *to_name;    /* the family's name (display name), may be NULL */
	const char *to_addr;    /* a valid address, or NULL: no To header */
	const char *signature;  /* "" or NULL: the default; "\n" breaks lines */
	const char *portal_url; /* "" or NULL: none; else an http(s) URL */
	const char *contact;    /* "" or NULL: none; one line */
	int calendar;           /* 1: attach the calendar events */
	int64_t date;           /* local instant of composition */
	int zone_minutes;       /* its offset from UTC */
	const char *message_id; /* "<...@...>" (see mail_message_id) */
};

struct mail_out {
	char *subject; /* UTF-8, as stored in the database */
	char *text;    /* the plain-text body (LF), for --dry-run */
	char *html;    /* the HTML body, as sent */
	char *content; /* the RFC 5322 bytes, CRLF */
	size_t length;
};

/*
 * Compose a message of kind for items[0..n), given child by child (the
 * caller groups them, children in French order, each child's by date);
 * within a child the composer puts the requests not accepted first. Fills
 * out (free with mail_out_release). Fails (ERR_CONFIG) only when h->from or
 * h->reply_to is not a mailbox.
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
