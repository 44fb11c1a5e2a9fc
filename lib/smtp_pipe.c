/*
 * smtp_pipe.c - the plain SMTP client (tls = none, no AUTH), which uses the
 * server's PIPELINING (RFC 2920) in full.
 *
 * libESMTP waits for the reply to MAIL FROM before it sends RCPT TO, and for
 * the reply to the final dot before the next MAIL FROM, even when the server
 * offers PIPELINING: three round trips per message. Here, with PIPELINING,
 * a message's data and final dot go in one write with the next message's
 * MAIL FROM, RCPT TO and DATA (RFC 2920 allows the data first in a group
 * and DATA last), and their four replies are read in order: one round trip
 * per message. Without PIPELINING each command waits for its reply.
 *
 * Each message is classified from its own replies by the rules the libESMTP
 * client uses too (smtp_classify() in smtp.c; MAIL FROM refused before any
 * message = the session failed; RCPT 5xx permanent, 4xx temporary; end of
 * data 2xx sent; a connection lost after the data left = outcome unknown,
 * temporary), and
 * reported through smtp_report() as soon as its last reply is read. After a
 * refused recipient or DATA the transaction is reset (RSET) before the next.
 */
#include "smtp_int.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "buf.h"
#include "log.h"
#include "when.h"

/* What a queued command's reply is for. */
enum expect { X_MAIL, X_RCPT, X_DATA, X_END, X_RSET, X_JUNK, X_QUIT };

/* One message's replies: 0 = none read (yet). */
struct pstate {
	int mail, rcpt, data, end;
	int handed; /* a recipient we may send to */
};

struct pipe {
	struct smtp_run *r;
	struct pstate *ps;
	int pipelining;
	int lost;      /* connection lost, or no answer in time: nothing more is read */
	int timed_out; /* ... because of the timeout */
	int stop;      /* end the session (MAIL FROM refused, caller stopped) */
	int fatal;     /* the session failed before any message was attempted */
	struct buf out;
	size_t out_done;
	char in[8192];
	size_t inlen;
	struct {
		enum expect x;
		size_t slot;
	} q[8];
	size_t nq;
	char text[SMTP_TEXT_MAX]; /* the last reply's text, after its code */
};

/* ------------------------------------------------------------------ I/O */

static void
pipe_log(struct pipe *p, const char *dir, const char *s, size_t len)
{
	char line[SMTP_TEXT_MAX];

	if (log_level() < LOG_LEVEL_DEBUG)
		return;
	smtp_clean(line, sizeof(line), s, len);
	log_debug("smtp %s %s %s", p->r->where, dir, line);
}

/* Read what the server sent into p->in; wait at most the timeout. 0, or -1 (lost). */
static int
pipe_fill(struct pipe *p)
{
	struct pollfd pfd = {p->r->fd, POLLIN, 0};
	ssize_t k;
	int rc;

	if (p->inlen == sizeof(p->in)) { /* a line longer than the buffer: keep its end */
		memmove(p->in, p->in + sizeof(p->in) / 2, sizeof(p->in) / 2);
		p->inlen = sizeof(p->in) / 2;
	}
	do
		rc = poll(&pfd, 1, p->r->timeout_s * 1000);
	while (rc < 0 && errno == EINTR);
	if (rc == 0) {
		p->timed_out = 1;
		p->lost = 1;
		return -1;
	}
	do
		k = recv(p->r->fd, p->in + p->inlen, sizeof(p->in) - p->inlen, 0);
	while (k < 0 && errno == EINTR);
	if (k <= 0 && !(k < 0 && errno == EAGAIN)) {
		p->lost = 1;
		return -1;
	}
	if (k > 0) {
		p->inlen += (size_t)k;
		clock_gettime(CLOCK_MONOTONIC, &p->r->last_io);
	}
	return 0;
}

/* Write p->out; while the server does not take it, read what it says. 0 or -1. */
static int
pipe_flush(struct pipe *p)
{
	while (!p->lost && p->out_done < p->out.len) {
		ssize_t k =
		    send(p->r->fd, p->out.p + p->out_done, p->out.len - p->out_done, MSG_NOSIGNAL);
		if (k > 0) {
			p->out_done += (size_t)k;
			continue;
		}
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0 && errno == EAGAIN) {
			struct pollfd pfd = {p->r->fd, POLLOUT | POLLIN, 0};
			int rc = poll(&pfd, 1, p->r->timeout_s * 1000);
			if (rc == 0) {
				p->timed_out = 1;
				p->lost = 1;
			} else if (rc > 0 && (pfd.revents & POLLIN) && !(pfd.revents & POLLOUT)) {
				/* the server talks before it reads: take it in (pipe_fill
				 * makes room), so neither side waits for the other */
				if (pipe_fill(p) < 0)
					return -1;
			}
			continue;
		}
		p->lost = 1;
	}
	p->out.len = 0;
	p->out_done = 0;
	return p->lost ? -1 : 0;
}

/*
 * Read one reply (all its lines): its code, its text (after the code, the
 * lines joined) in p->text, the whole last line in r->last_reply. 0 when
 * the connection was lost or the server did not answer in time.
 */
static int
pipe_reply(struct pipe *p, int *ehlo_pipelining)
{
	size_t tlen = 0;

	p->text[0] = '\0';
	for (;;) {
		char *nl = memchr(p->in, '\n', p->inlen);
		size_t len;
		int code, more;

		if (nl == NULL) {
			if (p->lost || pipe_fill(p) < 0)
				return 0;
			continue;
		}
		len = (size_t)(nl - p->in) + 1;
		pipe_log(p, "<<", p->in, len);
		if (len < 4 || p->in[0] < '1' || p->in[0] > '5' || p->in[1] < '0' ||
		    p->in[1] > '9' || p->in[2] < '0' || p->in[2] > '9') {
			/* not SMTP: treat as a lost session */
			p->lost = 1;
			return 0;
		}
		code = (p->in[0] - '0') * 100 + (p->in[1] - '0') * 10 + (p->in[2] - '0');
		more = p->in[3] == '-';
		if (ehlo_pipelining != NULL && len >= 14 &&
		    strncasecmp(p->in + 4, "PIPELINING", 10) == 0 &&
		    (len == 14 || p->in[14] == '\r' || p->in[14] == '\n' || p->in[14] == ' '))
			*ehlo_pipelining = 1;
		if (tlen + 1 < sizeof(p->text)) {
			char part[SMTP_TEXT_MAX];
			smtp_clean(part, sizeof(part), p->in + 4, len - 4);
			tlen += (size_t)snprintf(p->text + tlen, sizeof(p->text) - tlen, "%s%s",
			                         tlen > 0 ? " " : "", part);
			if (tlen >= sizeof(p->text))
				tlen = sizeof(p->text) - 1;
		}
		if (!more)
			smtp_clean(p->r->last_reply, sizeof(p->r->last_reply), p->in, len);
		memmove(p->in, p->in + len, p->inlen - len);
		p->inlen -= len;
		if (!more)
			return code;
	}
}

/* Queue the command line a b c (CRLF added) whose reply is for (x, slot). */
static void
pipe_cmd(struct pipe *p, enum expect x, size_t slot, const char *a, const char *b, const char *c)
{
	size_t start = p->out.len;

	buf_adds(&p->out, a);
	buf_adds(&p->out, b);
	buf_adds(&p->out, c);
	pipe_log(p, ">>", p->out.p + start, p->out.len - start);
	buf_add(&p->out, "\r\n", 2);
	p->q[p->nq].x = x;
	p->q[p->nq].slot = slot;
	p->nq++;
}

/* Queue a message's data, dot-stuffed, and the final dot. */
static void
pipe_data(struct pipe *p, size_t slot, const struct smtp_message *m)
{
	const char *s = m->content, *end = s + m->length;

	buf_reserve(&p->out, m->length + m->length / 64 + 8);
	while (s < end) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));
		const char *stop = nl != NULL ? nl + 1 : end;
		if (*s == '.')
			buf_add(&p->out, ".", 1);
		buf_add(&p->out, s, (size_t)(stop - s));
		s = stop;
	}
	if (m->length > 0 && m->content[m->length - 1] != '\n')
		buf_add(&p->out, "\r\n", 2);
	buf_add(&p->out, ".\r\n", 3);
	p->q[p->nq].x = X_END;
	p->q[p->nq].slot = slot;
	p->nq++;
}

/* ------------------------------------------------------- the outcomes */

/* A message's outcome from its replies; last: p->text is the last of them. */
static enum smtp_result
pipe_classify(struct pipe *p, size_t i, int last, int *code, const char **text)
{
	const struct pstate *s = &p->ps[i];
	const char *t = last ? p->text : NULL;
	/* data: the reply to DATA, or after 354 the reply to the final dot */
	struct smtp_replies re = {s->mail, s->rcpt, s->data == 354 ? s->end : s->data, t, t, t};

	return smtp_classify(p->r, &re, p->timed_out, code, text);
}

static void
pipe_report(struct pipe *p, size_t i)
{
	int code;
	const char *text;
	enum smtp_result res = pipe_classify(p, i, 1, &code, &text);

	if (smtp_report(p->r, &p->r->slots[i], res, code, text) < 0)
		p->stop = 1;
}

/* Write what is queued, then read the queued commands' replies in order. */
static void
pipe_drain(struct pipe *p)
{
	size_t n = p->nq;

	pipe_flush(p);
	p->nq = 0;
	for (size_t k = 0; k < n && !p->lost; k++) {
		size_t i = p->q[k].slot;
		struct pstate *s = i < p->r->n ? &p->ps[i] : NULL;
		int code = pipe_reply(p, NULL);

		if (code == 0)
			break;
		switch (p->q[k].x) {
		case X_MAIL:
			s->mail = code;
			if (code / 100 == 2) {
				p->r->attempted = 1;
			} else if (!p->r->attempted && p->r->callbacks == 0) {
				smtp_reason(p->r, "MAIL FROM <%s> refused: %d %s",
				            smtp_sender(p->r, p->r->slots[i].msg), code, p->text);
				p->fatal = 1;
				p->stop = 1;
			} else {
				pipe_report(p, i);
				p->stop = 1;
			}
			break;
		case X_RCPT:
			s->rcpt = code;
			if (s->mail / 100 == 2 && code / 100 != 2)
				pipe_report(p, i);
			break;
		case X_DATA:
			s->data = code;
			if (s->mail / 100 == 2 && s->rcpt / 100 == 2 && code != 354)
				pipe_report(p, i);
			break;
		case X_END:
			s->end = code;
			pipe_report(p, i);
			break;
		default:
			break;
		}
	}
}

/* ------------------------------------------------------------ the session */

/* Greeting and EHLO (HELO if EHLO is refused). 0, or -1 with r->reason set. */
static int
pipe_hello(struct pipe *p)
{
	struct utsname u;
	const char *name = uname(&u) == 0 && u.nodename[0] != '\0' ? u.nodename : "localhost";
	int code, pl = 0;

	code = pipe_reply(p, NULL);
	if (code / 100 != 2)
		return -1;
	pipe_cmd(p, X_JUNK, (size_t)-1, "EHLO ", name, "");
	p->nq = 0;
	if (pipe_flush(p) < 0)
		return -1;
	code = pipe_reply(p, &pl);
	if (code / 100 != 2 && code != 0) {
		pipe_cmd(p, X_JUNK, (size_t)-1, "HELO ", name, "");
		p->nq = 0;
		if (pipe_flush(p) < 0)
			return -1;
		code = pipe_reply(p, NULL);
		pl = 0;
	}
	if (code / 100 != 2)
		return -1;
	p->pipelining = pl;
	return 0;
}

/* Why a session that attempted no message failed (as smtp_session_reason). */
static void
pipe_session_reason(struct pipe *p)
{
	struct smtp_run *r = p->r;

	if (p->timed_out)
		smtp_reason(r, "no answer within %d s%s%s", r->timeout_s,
		            r->last_reply[0] ? " after: " : "", r->last_reply);
	if (r->last_reply[0] != '\0' && r->last_reply[0] != '2' && r->last_reply[0] != '3')
		smtp_reason(r, "server said: %s", r->last_reply);
	smtp_reason(r, "session failed: connection lost");
}

int
smtp_send_pipe(struct smtp_run *r, struct err *e)
{
	struct pipe p;
	char server[320];
	size_t i;
	int need_rset = 0, rc, one = 1;

	if (smtp_reach(r, server, sizeof(server), &r->fd, e) < 0)
		return -1;
	setsockopt(r->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	clock_gettime(CLOCK_MONOTONIC, &r->last_io);
	memset(&p, 0, sizeof(p));
	p.r = r;
	p.ps = xcalloc(r->n, sizeof(*p.ps));
	for (i = 0; i < r->n; i++)
		p.ps[i].handed = smtp_addr_ok(r->slots[i].msg->recipient);
	if (pipe_hello(&p) < 0)
		p.fatal = 1;
	for (i = 0; i < r->n && !p.fatal && !p.stop && !p.lost && !r->stopped; i++) {
		struct smtp_slot *s = &r->slots[i];
		struct pstate *ps = &p.ps[i];

		if (!ps->handed)
			continue;
		if (need_rset)
			pipe_cmd(&p, X_RSET, (size_t)-1, "RSET", "", "");
		need_rset = 0;
		if (!p.pipelining)
			pipe_drain(&p);
		pipe_cmd(&p, X_MAIL, i, "MAIL FROM:<", smtp_sender(r, s->msg), ">");
		if (!p.pipelining) {
			pipe_drain(&p);
			if (ps->mail / 100 != 2)
				continue;
		}
		pipe_cmd(&p, X_RCPT, i, "RCPT TO:<", s->msg->recipient, ">");
		if (!p.pipelining) {
			pipe_drain(&p);
			if (ps->rcpt / 100 != 2) {
				need_rset = 1;
				continue;
			}
		}
		pipe_cmd(&p, X_DATA, i, "DATA", "", "");
		/* With PIPELINING: the previous message's data, its dot and this
		 * MAIL, RCPT and DATA go in one write, and their replies are read. */
		pipe_drain(&p);
		if (p.lost || p.stop)
			break;
		if (ps->data == 354 && ps->rcpt / 100 == 2) {
			pipe_data(&p, i, s->msg);
			if (!p.pipelining)
				pipe_drain(&p);
		} else if (ps->data == 354) {
			/* DATA accepted although the recipient was refused: end it empty. */
			buf_add(&p.out, ".\r\n", 3);
			p.q[p.nq].x = X_JUNK;
			p.q[p.nq].slot = (size_t)-1;
			p.nq++;
		} else if (ps->mail / 100 == 2) {
			need_rset = 1;
		}
	}
	if (p.nq > 0 && !p.fatal && !p.lost && !p.stop && !r->stopped)
		pipe_drain(&p); /* the last message's data */
	/* QUIT at the end of a session, or after a refused greeting or MAIL FROM;
	 * a session stopped mid-way is only closed (a DATA may be open). */
	if (!p.lost && !r->stopped && (!p.stop || p.fatal)) {
		pipe_cmd(&p, X_QUIT, (size_t)-1, "QUIT", "", "");
		p.nq = 0;
		if (pipe_flush(&p) == 0 && !p.fatal)
			(void)pipe_reply(&p, NULL);
	}
	close(r->fd);
	r->fd = -1;
	r->cut = 1;
	buf_release(&p.out);
	if (r->stopped) {
		free(p.ps);
		return smtp_finish(r, e);
	}
	if (!r->attempted && r->callbacks == 0) {
		pipe_session_reason(&p);
		free(p.ps);
		return err_set(e, ERR_UNAVAILABLE, "smtp %s: %s", r->where, r->reason);
	}
	/* Whatever got no callback yet: lost with the connection. */
	r->cut = 0;
	for (i = 0; i < r->n && !r->stopped; i++) {
		int code;
		const char *text;
		enum smtp_result res;

		if (!p.ps[i].handed || r->slots[i].reported)
			continue;
		res = pipe_classify(&p, i, 0, &code, &text);
		smtp_report(r, &r->slots[i], res, code, text);
	}
	free(p.ps);
	rc = smtp_finish(r, e);
	return rc;
}
