/*
 * bounce.h - what a returned message says (contract section 8): is it a
 * bounce, a delay, an auto-reply or something else, which of our messages
 * it returns, and why it failed.
 *
 * Pure: bytes in, a verdict out; no SQL, no I/O, no clock. It reads, in
 * this order of trust:
 *  1. an RFC 3464 report (multipart/report; report-type=delivery-status):
 *     the per-recipient Action, Status, Final-Recipient, Diagnostic-Code;
 *  2. without one, a plain-text bounce: qmail's QSBMF ("Hi. This is the
 *     qmail-send program", "<addr>:" paragraphs, "(#5.1.1)"), or the
 *     wording of common MTAs and webmails, when the message comes from a
 *     mailer (MAILER-DAEMON, postmaster, an empty Return-Path, a bounce
 *     subject);
 *  3. an auto-reply (Auto-Submitted other than "no", X-Autoreply,
 *     Precedence: auto_reply, a vacation subject) that is none of these.
 * A permanent failure is a status of class 5 (from the report, or found in
 * the text: "(#5.1.1)", "550 5.1.1", "550"); a class 4 status or a delay is
 * not one, even with Action: failed (the address may well be fine).
 * The message it returns is named by the VERP address it was sent to
 * (localpart+REF@domain of [mail] return_path, REF "m123" = message 123:
 * from the MTA's envelope recipient, Delivered-To, X-Original-To,
 * Envelope-To or To) and by the returned message's Message-ID
 * (message/rfc822, text/rfc822-headers, or a "Message-ID:" line of the
 * quoted original in a plain-text bounce).
 *
 * Limits: the caller gives at most BOUNCE_INPUT_MAX bytes (more is cut, and
 * said so); each part is decoded up to BOUNCE_PART_MAX bytes; the MIME
 * reader's own limits apply (mime_read.h).
 */
#ifndef NOCTURNE_BOUNCE_H
#define NOCTURNE_BOUNCE_H

#include <stddef.h>

#define BOUNCE_INPUT_MAX (16u << 20)
#define BOUNCE_PART_MAX (256u << 10)

enum bounce_verdict {
	BOUNCE_NOT = 0,   /* not a delivery failure report (or a success report) */
	BOUNCE_FAILED,    /* a permanent failure: the message is bounced */
	BOUNCE_DELAYED,   /* a delay or a temporary failure: nothing changes */
	BOUNCE_AUTOREPLY, /* an auto-reply (vacation): nothing changes */
};

struct bounce_env {
	const char *return_path; /* [mail] return_path address, NULL or "": no VERP */
	const char *recipient; /* envelope recipient from the MTA ($ORIGINAL_RECIPIENT), or NULL */
};

struct bounce_result {
	enum bounce_verdict verdict;
	long long ref;        /* the message ref from the VERP address, 0 when none */
	char message_id[256]; /* the returned Message-ID "<...>", "" when none */
	char status[16];      /* "5.1.1", "" when none */
	char diagnostic[512]; /* one printable line, "" when none */
	char recipient[256];  /* the failed address, "" when unknown */
	char format[32];      /* how it was read: "rfc3464", "qmail", "text", "auto-reply", "" */
	char why[256];        /* for the log: what was found (or not) */
};

/*
 * Read the message msg[0..len) (an mbox "From " line first is fine) and
 * fill r. Never fails: anything that is not recognised is BOUNCE_NOT with
 * r->why saying so.
 */
void bounce_parse(const char *msg, size_t len, const struct bounce_env *env,
                  struct bounce_result *r);

/* "bounced", "delayed", "auto-reply", "not a bounce". */
const char *bounce_verdict_name(enum bounce_verdict v);

/*
 * The ref REF of a VERP address "LOCAL+mREF@DOMAIN" matching return_path
 * "LOCAL@DOMAIN" (local part exact, domain case-insensitive; angle
 * brackets and a display name around addr are fine). 0 when it does not
 * match.
 */
long long bounce_verp_ref(const char *addr, const char *return_path);

#endif
