/*
 * smtp.c - hand finished messages to an SMTP server and report, message by
 * message and as it happens, what the server said.
 *
 * tls = none | starttls: libESMTP, one session for the whole chunk. Its
 * traps (see LIBRARIES.md) are handled here:
 *   - connect() has no timeout in libESMTP: we resolve and test-connect
 *     ourselves with a timeout first, then hand libESMTP the address that
 *     answered (numeric for IPv4, so it cannot wander to another one);
 *   - smtp_start_session()'s return value says nothing: each message is
 *     classified from its MAIL / RCPT / end-of-DATA statuses;
 *   - STARTTLS is Starttls_REQUIRED, with our own SSL_CTX per session (bug A),
 *     capped at TLS 1.2 (bug B), verifying the chain and the host name in
 *     OpenSSL itself (X509_VERIFY_PARAM), with SNI;
 *   - a failed AUTH is silent in libESMTP: we watch for 235 in the protocol
 *     monitor and cut the connection before MAIL FROM leaves if it is missing;
 *   - TCP_NODELAY on the session socket (Nagle + delayed ACK: ~23 msg/s);
 *   - SIGPIPE is ignored for the duration of the call.
 * tls = tls (implicit TLS, port 465): libcurl smtps://, one easy handle for
 * the chunk so the connection is reused.
 *
 * This file checks the call and dispatches; the clients are smtp_esmtp.c
 * and smtp_curl.c, behind the private smtp_int.h.
 *
 * To stop a libESMTP session at once (caller's callback returned -1, MAIL
 * FROM refused, AUTH missing) we shutdown() its socket: libESMTP then sees a
 * dropped connection and returns.
 */
#include "smtp.h"

#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>

#include "log.h"
#include "smtp_int.h"
#include "text.h"

/* ---------------------------------------------------------------- helpers */

int
smtp_port(const struct smtp_options *o)
{
	if (o->port > 0)
		return o->port;
	return o->tls == TLS_IMPLICIT ? 465 : 25;
}

int
smtp_empty(const char *s)
{
	return s == NULL || *s == '\0';
}

/* Copy src[0..len) into dst as one printable line (controls become spaces,
 * blanks at both ends dropped). */
void
smtp_clean(char *dst, size_t cap, const char *src, size_t len)
{
	text_oneline(dst, cap, src, len, TEXT_CONTROL_SPACE | TEXT_TRIM);
}

/* Record the first cause of a session failure; later ones are consequences. */
void
smtp_reason(struct smtp_run *r, const char *fmt, ...)
{
	va_list ap;

	if (r->reason[0] != '\0')
		return;
	va_start(ap, fmt);
	vsnprintf(r->reason, sizeof(r->reason), fmt, ap);
	va_end(ap);
}

/* snprintf that may truncate: texts here are for people, cut is fine. */
void
smtp_fmt(char *dst, size_t cap, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(dst, cap, fmt, ap);
	va_end(ap);
}

/* An address we are willing to put in RCPT TO / MAIL FROM. */
int
smtp_addr_ok(const char *a)
{
	const char *at;

	if (smtp_empty(a) || strlen(a) > 254)
		return 0;
	for (const char *p = a; *p; p++)
		if ((unsigned char)*p <= ' ' || *p == '<' || *p == '>' || *p == 0x7f)
			return 0;
	at = strrchr(a, '@');
	return at != NULL && at != a && at[1] != '\0';
}

/* The MAIL FROM of message m: its own (VERP), else the session's. */
const char *
smtp_sender(const struct smtp_run *r, const struct smtp_message *m)
{
	return m->envelope_from != NULL ? m->envelope_from : r->o->envelope_from;
}

/* Every line of a message must end in CRLF: libESMTP would silently corrupt
 * bare LFs, and a lone CR is not SMTP either. */
static int
smtp_crlf_ok(const char *s, size_t len)
{
	const char *p = s, *end = s + len, *cr;

	/* Every CR is followed by LF (memchr: the whole chunk is scanned). */
	while (p < end && (cr = memchr(p, '\r', (size_t)(end - p))) != NULL) {
		if (cr + 1 >= end || cr[1] != '\n')
			return 0;
		p = cr + 2;
	}
	/* and every LF follows a CR. */
	for (p = s; p < end && (cr = memchr(p, '\n', (size_t)(end - p))) != NULL; p = cr + 1)
		if (cr == s || cr[-1] != '\r')
			return 0;
	return 1;
}

int
smtp_is_ip(const char *host)
{
	unsigned char buf[sizeof(struct in6_addr)];

	return inet_pton(AF_INET, host, buf) == 1 || inet_pton(AF_INET6, host, buf) == 1;
}

/*
 * A message's outcome from its replies, for both plain clients: MAIL FROM
 * refused (a later message of the session: the session is stopped);
 * recipient 5xx permanent, 4xx temporary; end of data 2xx sent, 5xx
 * permanent, else temporary; no reply (0), or a data never ended (3xx):
 * lost with the connection, temporary (after the data left: outcome unknown).
 */
enum smtp_result
smtp_classify(struct smtp_run *r, const struct smtp_replies *re, int timed_out, int *code,
              const char **text)
{
	enum smtp_result res = SMTP_RESULT_TEMPORARY;
	const char *what = "", *said = NULL;
	int use = 0;

	if (re->mail == 0) {
		what = r->stopped ? "not attempted" : "not attempted, connection lost";
	} else if (re->mail / 100 != 2) {
		use = re->mail;
		said = re->mail_text;
		what = "MAIL FROM refused: ";
	} else if (re->rcpt == 0) {
		what = "connection lost after MAIL FROM";
	} else if (re->rcpt / 100 != 2) {
		use = re->rcpt;
		said = re->rcpt_text;
		res = re->rcpt / 100 == 5 ? SMTP_RESULT_PERMANENT : SMTP_RESULT_TEMPORARY;
	} else if (re->data == 0 || re->data / 100 == 3) {
		what = "connection lost during DATA, outcome unknown";
	} else {
		use = re->data;
		said = re->data_text;
		res = use / 100 == 2   ? SMTP_RESULT_SENT
		      : use / 100 == 5 ? SMTP_RESULT_PERMANENT
		                       : SMTP_RESULT_TEMPORARY;
	}
	*code = use;
	if (use != 0 && said != NULL) {
		char t[SMTP_TEXT_MAX];
		smtp_clean(t, sizeof(t), said, strlen(said));
		smtp_fmt(r->text, sizeof(r->text), "%s%d %s", what, use, t);
	} else if (use != 0) {
		smtp_fmt(r->text, sizeof(r->text), "%s%d", what, use);
	} else if (timed_out && !r->cut) {
		smtp_fmt(r->text, sizeof(r->text), "%s (no answer within %d s)", what,
		         r->timeout_s);
	} else {
		smtp_fmt(r->text, sizeof(r->text), "%s", what);
	}
	*text = r->text;
	return res;
}

/* Report one outcome to the caller. Returns -1 once the caller said stop. */
int
smtp_report(struct smtp_run *r, struct smtp_slot *s, enum smtp_result res, int code,
            const char *text)
{
	if (r->stopped || s->reported)
		return r->stopped ? -1 : 0;
	s->reported = 1;
	r->callbacks++;
	log_debug("smtp %s: <%s> %s %d %s", r->where, s->msg->recipient,
	          res == SMTP_RESULT_SENT        ? "sent"
	          : res == SMTP_RESULT_TEMPORARY ? "temporary"
	                                         : "permanent",
	          code, text);
	if (r->fn(r->ctx, s->msg, res, code, text) != 0) {
		r->stopped = 1;
		return -1;
	}
	return 0;
}

/*
 * The end of a session, both transports: messages with an unusable
 * recipient get their PERMANENT callback after the others; 0, or -1 when
 * the caller stopped the session (e says so unless the caller filled it).
 */
int
smtp_finish(struct smtp_run *r, struct err *e)
{
	for (size_t i = 0; i < r->n && !r->stopped; i++)
		if (!smtp_addr_ok(r->slots[i].msg->recipient))
			smtp_report(r, &r->slots[i], SMTP_RESULT_PERMANENT, 0,
			            "invalid recipient address");
	if (!r->stopped)
		return 0;
	if (e->kind == ERR_NONE)
		err_set(e, ERR_INTERNAL, "smtp %s: sending stopped by the caller", r->where);
	return -1;
}

/* -------------------------------------------------------------- the entry */

void
smtp_options_from(struct smtp_options *o, const struct config *cfg, const char *password,
                  const char *envelope_from)
{
	memset(o, 0, sizeof(*o));
	o->host = cfg->smtp_host;
	o->port = cfg->smtp_port;
	o->tls = cfg->smtp_tls;
	o->ca_file = cfg->smtp_ca_file;
	o->user = cfg->smtp_user;
	o->password = password;
	o->timeout_s = cfg->smtp_timeout;
	o->envelope_from = envelope_from;
}

int
smtp_send(const struct smtp_options *o, struct smtp_message *msgs, size_t n, smtp_result_fn fn,
          void *ctx, struct err *e)
{
	struct smtp_run r;
	struct sigaction ign, old;
	int rc;

	err_clear(e);
	if (n == 0)
		return 0;
	memset(&r, 0, sizeof(r));
	r.o = o;
	r.fn = fn;
	r.ctx = ctx;
	r.n = n;
	r.fd = -1;
	r.timeout_s = o->timeout_s > 0 ? o->timeout_s : 60;
	if (smtp_empty(o->host))
		return err_set(e, ERR_CONFIG, "smtp: no host configured");
	/* A DNS name has at most 253 octets; the buffers below are sized for it. */
	if (strlen(o->host) > 253)
		return err_set(e, ERR_CONFIG,
		               "smtp: host name longer than 253 characters: %.40s...", o->host);
	if (strchr(o->host, ':') != NULL)
		snprintf(r.where, sizeof(r.where), "[%s]:%d", o->host, smtp_port(o));
	else
		snprintf(r.where, sizeof(r.where), "%s:%d", o->host, smtp_port(o));
	if (!smtp_addr_ok(o->envelope_from))
		return err_set(e, ERR_CONFIG, "smtp %s: envelope sender '%s' is not an address",
		               r.where, o->envelope_from ? o->envelope_from : "");
	if (o->tls != TLS_IMPLICIT && strchr(o->host, ':') != NULL)
		return err_set(e, ERR_CONFIG,
		               "smtp %s: IPv6 literal hosts need tls = tls; "
		               "use a host name",
		               r.where);
	for (size_t i = 0; i < n; i++)
		if (msgs[i].envelope_from != NULL && !smtp_addr_ok(msgs[i].envelope_from))
			return err_set(e, ERR_INTERNAL,
			               "smtp: message %zu has an envelope sender that is not an "
			               "address",
			               i);
	for (size_t i = 0; i < n; i++)
		if (msgs[i].content == NULL || !smtp_crlf_ok(msgs[i].content, msgs[i].length) ||
		    msgs[i].length > (size_t)0x7fffffff)
			return err_set(e, ERR_INTERNAL,
			               "smtp: message %zu for <%s> has a line not ended by CRLF", i,
			               msgs[i].recipient ? msgs[i].recipient : "");

	r.slots = xcalloc(n, sizeof(*r.slots));
	for (size_t i = 0; i < n; i++)
		r.slots[i].msg = &msgs[i];

	memset(&ign, 0, sizeof(ign));
	ign.sa_handler = SIG_IGN;
	sigemptyset(&ign.sa_mask);
	sigaction(SIGPIPE, &ign, &old);
	size_t valid = 0;
	for (size_t i = 0; i < n; i++)
		valid += smtp_addr_ok(msgs[i].recipient) ? 1 : 0;
	if (valid == 0) /* nothing to connect for */
		rc = smtp_finish(&r, e);
	else if (o->tls == TLS_IMPLICIT)
		rc = smtp_send_curl(&r, e);
	else if (o->tls == TLS_NONE && smtp_empty(o->user))
		rc = smtp_send_pipe(&r, e);
	else
		rc = smtp_send_esmtp(&r, e);
	sigaction(SIGPIPE, &old, NULL);
	free(r.slots);
	return rc;
}
