/*
 * smtp.h - hand finished messages to an SMTP server (libESMTP; libcurl for
 * implicit TLS), and say what happened to each.
 *
 * The caller gives a list of messages (full RFC 5322 bytes with CRLF line
 * ends, already composed) and gets one callback per message as soon as its
 * outcome is known, during the session, so it can record each state change
 * as it happens (the morning run commits each one as it is known).
 * The caller splits its queue into chunks of [smtp] max_per_session.
 */
#ifndef NOCTURNE_SMTP_H
#define NOCTURNE_SMTP_H

#include <stddef.h>

#include "config.h"
#include "err.h"

struct smtp_message {
	const char *recipient; /* RCPT TO address (addr-spec, no name) */
	const char *content;   /* the message, CRLF line ends */
	size_t length;
	const char *envelope_from; /* MAIL FROM (addr-spec), NULL: the options' */
	void *user;                /* the caller's, untouched */
};

enum smtp_result {
	SMTP_RESULT_SENT = 0,  /* the server accepted it (2xx after DATA) */
	SMTP_RESULT_TEMPORARY, /* 4xx, lost connection, timeout: retry later */
	SMTP_RESULT_PERMANENT, /* 5xx for this message or recipient: never retry */
};

/*
 * Called once per message attempted. code: the SMTP reply code (0 when there
 * was none, e.g. the connection was lost); text: the server's reply or a
 * description, never containing a secret. Return 0 to go on, -1 to stop the
 * session at once (the remaining messages get no callback).
 */
typedef int (*smtp_result_fn)(void *ctx, const struct smtp_message *m, enum smtp_result r, int code,
                              const char *text);

struct smtp_options {
	const char *host;
	int port; /* 0: 25, or 465 with TLS_IMPLICIT */
	enum smtp_tls tls;
	const char *ca_file;       /* "" or NULL: the system's CAs */
	const char *user;          /* "" or NULL: no AUTH */
	const char *password;      /* read from password_file by the caller */
	int timeout_s;             /* per SMTP command */
	const char *envelope_from; /* MAIL FROM address (addr-spec) unless a message has its own */
};

/*
 * Fill *o from cfg's [smtp] section, with the password already read from
 * its password_file (NULL: none) and the MAIL FROM address (NULL: none, for
 * smtp_probe). The strings stay cfg's and the caller's.
 */
void smtp_options_from(struct smtp_options *o, const struct config *cfg, const char *password,
                       const char *envelope_from);

/*
 * Send msgs[0..n) over one connection.
 * Returns 0 when the session ran: every message attempted got its callback
 * (messages not attempted because the connection dropped get
 * SMTP_RESULT_TEMPORARY with code 0).
 * Returns -1, with no callback made, when no message could be attempted: the
 * server could not be reached, TLS could not be set up or verified (never
 * falls back to clear text), STARTTLS was required but not offered, AUTH
 * failed, or MAIL FROM was refused. e->kind is ERR_UNAVAILABLE, and e->msg
 * says what and where (host:port), never the password.
 * Also -1 when fn returned -1 (e is then left as fn set it, kind unchanged
 * if already set, else ERR_INTERNAL).
 * Also -1 before connecting, with no callback: ERR_CONFIG when host or
 * envelope_from is unusable or ca_file cannot be loaded; ERR_INTERNAL when a
 * message has a line not ended by CRLF (a composition bug: nothing is sent).
 * A message whose recipient is not an addr-spec is not sent: it gets
 * SMTP_RESULT_PERMANENT, code 0, "invalid recipient address" after the others.
 * A message cut by a lost connection after its data left (no reply to the
 * final dot) is reported TEMPORARY: the server may have it (a retry can
 * duplicate that one message).
 * SIGPIPE is ignored during the call (the previous disposition is restored).
 */
int smtp_send(const struct smtp_options *o, struct smtp_message *msgs, size_t n, smtp_result_fn fn,
              void *ctx, struct err *e);

/*
 * Check that the server answers as o says without sending anything: connect,
 * EHLO, STARTTLS (tls = starttls: required and verified) or implicit TLS,
 * and AUTH when o->user is set (it must be offered and accepted). Returns 0,
 * or -1 with ERR_UNAVAILABLE (cannot connect, no STARTTLS) or ERR_CONFIG
 * (certificate rejected, AUTH refused or not offered); never the password.
 */
int smtp_probe(const struct smtp_options *o, struct err *e);

#endif
