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
 * To stop a libESMTP session at once (caller's callback returned -1, MAIL
 * FROM refused, AUTH missing) we shutdown() its socket: libESMTP then sees a
 * dropped connection and returns.
 */
#include "smtp.h"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <auth-client.h>
#include <stddef.h>
#include <libesmtp.h>
#include <curl/curl.h>

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

#define SMTP_TEXT_MAX 512

/* One message of the chunk, as libESMTP sees it. */
struct smtp_slot {
	struct smtp_message *msg;
	smtp_message_t lm; /* NULL: not handed to libESMTP (bad recipient) */
	smtp_recipient_t lr;
	int reported;
};

/* Everything one smtp_send() call keeps while libESMTP runs. */
struct smtp_run {
	const struct smtp_options *o;
	char where[300]; /* "host:port" for messages */
	smtp_result_fn fn;
	void *ctx;
	struct smtp_slot *slots;
	size_t n;

	struct sockaddr_storage peer; /* the address that answered our test */
	socklen_t peerlen;
	int fd;        /* libESMTP's socket, -1 until SMTP_EV_CONNECT */
	int cut;       /* we shut the socket down */
	int stopped;   /* the caller's callback returned -1 */
	int attempted; /* some MAIL FROM was accepted */
	int callbacks; /* callbacks made */
	int auth_wanted, auth_sent, auth_busy, auth_ok;
	int tls_wanted, tls_ok;
	int timeout_s;
	struct timespec last_io;
	char reason[SMTP_TEXT_MAX]; /* first cause of a session failure */
	char last_reply[SMTP_TEXT_MAX];
	char tls_verify[SMTP_TEXT_MAX];
	char text[SMTP_TEXT_MAX]; /* scratch for callback texts */
};

/* ---------------------------------------------------------------- helpers */

static int
smtp_port(const struct smtp_options *o)
{
	if (o->port > 0)
		return o->port;
	return o->tls == TLS_IMPLICIT ? 465 : 25;
}

static int
smtp_empty(const char *s)
{
	return s == NULL || *s == '\0';
}

/* Copy src[0..len) into dst as one printable line (controls become spaces,
 * trailing blanks dropped). */
static void
smtp_clean(char *dst, size_t cap, const char *src, size_t len)
{
	size_t i, j = 0;

	for (i = 0; i < len && j + 1 < cap; i++) {
		unsigned char c = (unsigned char)src[i];
		dst[j++] = (c < 0x20 || c == 0x7f) ? ' ' : (char)c;
	}
	while (j > 0 && dst[j - 1] == ' ')
		j--;
	dst[j] = '\0';
}

static void smtp_reason(struct smtp_run *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Record the first cause of a session failure; later ones are consequences. */
static void
smtp_reason(struct smtp_run *r, const char *fmt, ...)
{
	va_list ap;

	if (r->reason[0] != '\0')
		return;
	va_start(ap, fmt);
	vsnprintf(r->reason, sizeof(r->reason), fmt, ap);
	va_end(ap);
}

static void smtp_fmt(char *dst, size_t cap, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* snprintf that may truncate: texts here are for people, cut is fine. */
static void
smtp_fmt(char *dst, size_t cap, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(dst, cap, fmt, ap);
	va_end(ap);
}

static double
smtp_since(const struct timespec *t0)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - t0->tv_sec) + (double)(now.tv_nsec - t0->tv_nsec) / 1e9;
}

/* An address we are willing to put in RCPT TO / MAIL FROM. */
static int
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

/* Every line of a message must end in CRLF: libESMTP would silently corrupt
 * bare LFs, and a lone CR is not SMTP either. */
static int
smtp_crlf_ok(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '\n' && (i == 0 || s[i - 1] != '\r'))
			return 0;
		if (s[i] == '\r' && (i + 1 >= len || s[i + 1] != '\n'))
			return 0;
	}
	return 1;
}

static int
smtp_is_ip(const char *host)
{
	unsigned char buf[sizeof(struct in6_addr)];

	return inet_pton(AF_INET, host, buf) == 1 || inet_pton(AF_INET6, host, buf) == 1;
}

/* Report one outcome to the caller. Returns -1 once the caller said stop. */
static int
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
static int
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

/* ------------------------------------------------------------- connecting */

/* Non-blocking connect to one address, waiting at most timeout_s.
 * Returns 0 (connected, socket closed again) or an errno value. */
static int
smtp_try_connect(const struct addrinfo *ai, int timeout_s)
{
	struct pollfd pfd;
	int fd, rc, soerr = 0;
	socklen_t len = sizeof(soerr);

	fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
	if (fd < 0)
		return errno;
	rc = connect(fd, ai->ai_addr, ai->ai_addrlen);
	if (rc < 0 && errno != EINPROGRESS) {
		soerr = errno;
		close(fd);
		return soerr;
	}
	if (rc < 0) {
		pfd.fd = fd;
		pfd.events = POLLOUT;
		pfd.revents = 0;
		do
			rc = poll(&pfd, 1, timeout_s * 1000);
		while (rc < 0 && errno == EINTR);
		if (rc == 0) {
			close(fd);
			return ETIMEDOUT;
		}
		if (rc < 0 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len) < 0)
			soerr = errno;
	}
	close(fd);
	return soerr;
}

/*
 * Resolve host and find an address that accepts a TCP connection within the
 * timeout. Fills r->peer and server ("addr:port" for libESMTP).
 */
static int
smtp_reach(struct smtp_run *r, char *server, size_t cap, struct err *e)
{
	struct addrinfo hints, *res = NULL, *ai;
	char port[16], num[INET6_ADDRSTRLEN];
	int gai, last = 0;

	snprintf(port, sizeof(port), "%d", smtp_port(r->o));
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	gai = getaddrinfo(r->o->host, port, &hints, &res);
	if (gai != 0)
		return err_set(e, ERR_UNAVAILABLE, "smtp %s: cannot resolve host: %s", r->where,
		               gai_strerror(gai));
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		last = smtp_try_connect(ai, r->timeout_s);
		if (last == 0)
			break;
	}
	if (ai == NULL) {
		freeaddrinfo(res);
		if (last == ETIMEDOUT)
			return err_set(e, ERR_UNAVAILABLE,
			               "smtp %s: cannot connect: no answer within %d s", r->where,
			               r->timeout_s);
		return err_set(e, ERR_UNAVAILABLE, "smtp %s: cannot connect: %s", r->where,
		               strerror(last));
	}
	memcpy(&r->peer, ai->ai_addr, ai->ai_addrlen);
	r->peerlen = ai->ai_addrlen;
	if (ai->ai_family == AF_INET &&
	    inet_ntop(AF_INET, &((struct sockaddr_in *)(void *)ai->ai_addr)->sin_addr, num,
	              sizeof(num)) != NULL)
		snprintf(server, cap, "%s:%s", num, port);
	else /* libESMTP cannot take an IPv6 literal: let it resolve the name */
		snprintf(server, cap, "%s:%s", r->o->host, port);
	freeaddrinfo(res);
	return 0;
}

static int
smtp_same_peer(const struct sockaddr_storage *a, const struct sockaddr_storage *b, int port_only)
{
	if (a->ss_family != b->ss_family)
		return 0;
	if (a->ss_family == AF_INET) {
		const struct sockaddr_in *x = (const void *)a, *y = (const void *)b;
		return x->sin_port == y->sin_port &&
		       (port_only || x->sin_addr.s_addr == y->sin_addr.s_addr);
	}
	if (a->ss_family == AF_INET6) {
		const struct sockaddr_in6 *x = (const void *)a, *y = (const void *)b;
		return x->sin6_port == y->sin6_port &&
		       (port_only ||
		        memcmp(&x->sin6_addr, &y->sin6_addr, sizeof(x->sin6_addr)) == 0);
	}
	return 0;
}

/* Is fd a connected stream socket to r->peer? (port_only: any address) */
static int
smtp_fd_matches(const struct smtp_run *r, int fd, int port_only)
{
	struct stat st;
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	int type = 0;
	socklen_t tlen = sizeof(type);

	if (fstat(fd, &st) < 0 || !S_ISSOCK(st.st_mode))
		return 0;
	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &tlen) < 0 || type != SOCK_STREAM)
		return 0;
	memset(&ss, 0, sizeof(ss));
	if (getpeername(fd, (struct sockaddr *)&ss, &len) < 0)
		return 0;
	return smtp_same_peer(&ss, &r->peer, port_only);
}

/*
 * libESMTP does not tell which socket it opened: at SMTP_EV_CONNECT, look
 * through our descriptors for the stream socket connected to the server
 * (the newest one if several). -1 if none.
 */
static int
smtp_find_socket(const struct smtp_run *r)
{
	for (int port_only = 0; port_only <= 1; port_only++) {
		int best = -1;
		DIR *d = opendir("/proc/self/fd");

		if (d != NULL) {
			struct dirent *de;
			while ((de = readdir(d)) != NULL) {
				char *end;
				long fd = strtol(de->d_name, &end, 10);
				if (*end != '\0' || end == de->d_name || fd == dirfd(d))
					continue;
				if (fd > best && smtp_fd_matches(r, (int)fd, port_only))
					best = (int)fd;
			}
			closedir(d);
		} else {
			for (int fd = 0; fd < 4096; fd++)
				if (smtp_fd_matches(r, fd, port_only))
					best = fd;
		}
		if (best >= 0)
			return best;
	}
	return -1;
}

/* Stop the libESMTP session now: it sees a dropped connection. */
static void
smtp_cut(struct smtp_run *r)
{
	if (r->fd >= 0 && !r->cut)
		shutdown(r->fd, SHUT_RDWR);
	r->cut = 1;
}

/* -------------------------------------------------------------------- TLS */

static int
smtp_verify_cb(int ok, X509_STORE_CTX *xs)
{
	SSL *ssl = X509_STORE_CTX_get_ex_data(xs, SSL_get_ex_data_X509_STORE_CTX_idx());
	struct smtp_run *r = ssl ? SSL_CTX_get_app_data(SSL_get_SSL_CTX(ssl)) : NULL;

	if (!ok && r != NULL && r->tls_verify[0] == '\0') {
		int err = X509_STORE_CTX_get_error(xs);
		snprintf(r->tls_verify, sizeof(r->tls_verify),
		         "certificate rejected: %s (depth %d)", X509_verify_cert_error_string(err),
		         X509_STORE_CTX_get_error_depth(xs));
	}
	return ok;
}

/* Give the server our name (SNI) as the handshake starts: libESMTP doesn't. */
static void
smtp_info_cb(const SSL *cssl, int where, int ret)
{
	SSL *ssl = (SSL *)cssl;
	struct smtp_run *r = SSL_CTX_get_app_data(SSL_get_SSL_CTX(ssl));

	(void)ret;
	if ((where & SSL_CB_HANDSHAKE_START) && r != NULL && !smtp_is_ip(r->o->host) &&
	    SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name) == NULL)
		SSL_set_tlsext_host_name(ssl, r->o->host);
}

/* Our own SSL_CTX for one session: TLS 1.2 only, chain + host name checked. */
static SSL_CTX *
smtp_tls_ctx(struct smtp_run *r, struct err *e)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
	X509_VERIFY_PARAM *param;
	int ok;

	if (ctx == NULL) {
		err_set(e, ERR_INTERNAL, "smtp %s: cannot create a TLS context", r->where);
		return NULL;
	}
	SSL_CTX_set_app_data(ctx, r);
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	SSL_CTX_set_max_proto_version(ctx, TLS1_2_VERSION);
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, smtp_verify_cb);
	SSL_CTX_set_info_callback(ctx, smtp_info_cb);
	ok = SSL_CTX_set_default_verify_paths(ctx);
	if (ok && !smtp_empty(r->o->ca_file) &&
	    SSL_CTX_load_verify_locations(ctx, r->o->ca_file, NULL) != 1) {
		ERR_clear_error();
		SSL_CTX_free(ctx);
		err_set(e, ERR_CONFIG, "smtp: ca_file %s: cannot load certificates from it",
		        r->o->ca_file);
		return NULL;
	}
	param = SSL_CTX_get0_param(ctx);
	X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
	if (smtp_is_ip(r->o->host))
		ok = ok && X509_VERIFY_PARAM_set1_ip_asc(param, r->o->host) == 1;
	else
		ok = ok && X509_VERIFY_PARAM_set1_host(param, r->o->host, 0) == 1;
	if (!ok) {
		ERR_clear_error();
		SSL_CTX_free(ctx);
		err_set(e, ERR_INTERNAL, "smtp %s: cannot set up certificate checks", r->where);
		return NULL;
	}
	return ctx;
}

/* --------------------------------------------------------- libESMTP hooks */

static const char *
smtp_msg_cb(void **state, int *len, void *arg)
{
	const struct smtp_message *m = arg;
	int *done;

	if (*state == NULL) {
		*state = malloc(sizeof(int)); /* libESMTP frees it */
		if (*state == NULL)
			return NULL;
		*(int *)*state = 0;
	}
	done = *state;
	if (len == NULL) { /* rewind */
		*done = 0;
		return NULL;
	}
	if (*done) {
		*len = 0;
		return NULL;
	}
	*done = 1;
	*len = (int)m->length;
	return m->content;
}

static int
smtp_interact(auth_client_request_t req, char **result, int fields, void *arg)
{
	struct smtp_run *r = arg;

	for (int i = 0; i < fields; i++) {
		if (req[i].flags & AUTH_USER)
			result[i] = (char *)r->o->user;
		else if (req[i].flags & AUTH_PASS)
			result[i] = (char *)(r->o->password ? r->o->password : "");
		else
			result[i] = NULL;
	}
	return 1;
}

/* Log one protocol line at -vv, never showing AUTH secrets. */
static void
smtp_log_line(struct smtp_run *r, const char *line, size_t len, int writing)
{
	char buf[SMTP_TEXT_MAX];

	if (log_level() < LOG_LEVEL_DEBUG)
		return;
	smtp_clean(buf, sizeof(buf), line, len);
	if (writing && strncasecmp(buf, "AUTH ", 5) == 0) {
		char *sp = strchr(buf + 5, ' ');
		if (sp != NULL)
			snprintf(sp, sizeof(buf) - (size_t)(sp - buf), " ****");
	} else if (writing && r->auth_busy) {
		snprintf(buf, sizeof(buf), "****");
	}
	log_debug("smtp %s %s %s", r->where, writing ? ">>" : "<<", buf);
}

/*
 * The protocol monitor sees every command and reply outside message data.
 * Replies: remember the last one; 235 marks AUTH done, 4xx/5xx during AUTH
 * marks it failed. Commands: MAIL FROM without a successful AUTH (when a
 * user is set) is cut before it leaves.
 */
static void
smtp_monitor(const char *buf, int buflen, int writing, void *arg)
{
	struct smtp_run *r = arg;
	const char *p = buf, *end = buf + (buflen > 0 ? buflen : 0);

	clock_gettime(CLOCK_MONOTONIC, &r->last_io);
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p + 1) : (size_t)(end - p);

		if (writing && len >= 10 && strncasecmp(p, "MAIL FROM:", 10) == 0 &&
		    r->auth_wanted && !r->auth_ok) {
			if (r->auth_sent)
				smtp_reason(r, "AUTH failed: %s", r->last_reply);
			else
				smtp_reason(r,
				            "AUTH required (user is set) but the server offers no "
				            "usable mechanism (PLAIN, LOGIN)");
			log_debug("smtp %s: no AUTH, MAIL FROM not sent, connection cut", r->where);
			smtp_cut(r);
			return;
		}
		smtp_log_line(r, p, len, writing);
		if (!writing) {
			if (len >= 3 && p[0] >= '1' && p[0] <= '5') {
				int code = (p[0] - '0') * 100 + (p[1] - '0') * 10 + (p[2] - '0');
				if (len < 4 || p[3] != '-')
					smtp_clean(r->last_reply, sizeof(r->last_reply), p, len);
				if (r->auth_busy && code == 235) {
					r->auth_ok = 1;
					r->auth_busy = 0;
				} else if (r->auth_busy && code >= 400) {
					r->auth_busy = 0;
					smtp_reason(r, "AUTH failed: %s", r->last_reply);
				}
			}
		} else if (len >= 5 && strncasecmp(p, "AUTH ", 5) == 0) {
			r->auth_sent = 1;
			r->auth_busy = 1;
		}
		p += len;
	}
}

/* Outcome of one message from libESMTP's statuses. */
static enum smtp_result
smtp_classify(struct smtp_run *r, struct smtp_slot *s, int *code, const char **text)
{
	const smtp_status_t *mail = smtp_reverse_path_status(s->lm);
	const smtp_status_t *rcpt = smtp_recipient_status(s->lr);
	const smtp_status_t *data = smtp_message_transfer_status(s->lm);
	const smtp_status_t *use = NULL;
	enum smtp_result res = SMTP_RESULT_TEMPORARY;
	const char *what = "";

	*code = 0;
	if (mail == NULL || mail->code == 0) {
		what = r->stopped ? "not attempted" : "not attempted, connection lost";
	} else if (mail->code / 100 != 2) {
		use = mail;
		what = "MAIL FROM refused: ";
	} else if (rcpt == NULL || rcpt->code == 0) {
		what = "connection lost after MAIL FROM";
	} else if (rcpt->code / 100 != 2) {
		use = rcpt;
		res = rcpt->code / 100 == 5 ? SMTP_RESULT_PERMANENT : SMTP_RESULT_TEMPORARY;
	} else if (data == NULL || data->code == 0 || data->code / 100 == 3) {
		what = "connection lost during DATA, outcome unknown";
	} else {
		use = data;
		res = data->code / 100 == 2   ? SMTP_RESULT_SENT
		      : data->code / 100 == 5 ? SMTP_RESULT_PERMANENT
		                              : SMTP_RESULT_TEMPORARY;
	}
	if (use != NULL) {
		char t[SMTP_TEXT_MAX];
		*code = use->code;
		smtp_clean(t, sizeof(t), use->text ? use->text : "",
		           use->text ? strlen(use->text) : 0);
		smtp_fmt(r->text, sizeof(r->text), "%s%d %s", what, use->code, t);
	} else if (r->last_io.tv_sec != 0 && smtp_since(&r->last_io) >= r->timeout_s - 0.2 &&
	           !r->cut) {
		snprintf(r->text, sizeof(r->text), "%s (no answer within %d s)", what,
		         r->timeout_s);
	} else {
		snprintf(r->text, sizeof(r->text), "%s", what);
	}
	*text = r->text;
	return res;
}

static void
smtp_event(smtp_session_t session, int event, void *arg, ...)
{
	struct smtp_run *r = arg;
	va_list ap;

	(void)session;
	va_start(ap, arg);
	switch (event) {
	case SMTP_EV_CONNECT: {
		int one = 1;
		r->fd = smtp_find_socket(r);
		if (r->fd >= 0)
			setsockopt(r->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		else
			log_debug("smtp %s: session socket not found, TCP_NODELAY not set",
			          r->where);
		clock_gettime(CLOCK_MONOTONIC, &r->last_io);
		break;
	}
	case SMTP_EV_MAILSTATUS: {
		(void)va_arg(ap, const char *);
		smtp_message_t lm = va_arg(ap, smtp_message_t);
		struct smtp_slot *s = smtp_message_get_application_data(lm);
		const smtp_status_t *st = smtp_reverse_path_status(lm);
		if (s == NULL || st == NULL || r->cut)
			break;
		if (st->code / 100 == 2) {
			r->attempted = 1;
		} else if (!r->attempted && r->callbacks == 0) {
			char t[SMTP_TEXT_MAX];
			smtp_clean(t, sizeof(t), st->text ? st->text : "",
			           st->text ? strlen(st->text) : 0);
			smtp_reason(r, "MAIL FROM <%s> refused: %d %s", r->o->envelope_from,
			            st->code, t);
			smtp_cut(r);
		} else {
			int code;
			const char *text;
			enum smtp_result res = smtp_classify(r, s, &code, &text);
			smtp_cut(r);
			smtp_report(r, s, res, code, text);
		}
		break;
	}
	case SMTP_EV_MESSAGESENT: {
		smtp_message_t lm = va_arg(ap, smtp_message_t);
		struct smtp_slot *s = smtp_message_get_application_data(lm);
		int code;
		const char *text;
		enum smtp_result res;
		if (s == NULL || r->cut)
			break;
		res = smtp_classify(r, s, &code, &text);
		if (smtp_report(r, s, res, code, text) < 0)
			smtp_cut(r);
		break;
	}
	case SMTP_EV_EXTNA_STARTTLS:
		smtp_reason(r, "STARTTLS required but not offered by the server");
		break;
	case SMTP_EV_STARTTLS_OK:
		r->tls_ok = 1;
		break;
	case SMTP_EV_INVALID_PEER_CERTIFICATE: {
		long v = va_arg(ap, long);
		int *ok = va_arg(ap, int *);
		smtp_reason(r, "TLS: certificate rejected: %s", X509_verify_cert_error_string(v));
		*ok = 0;
		break;
	}
	case SMTP_EV_NO_PEER_CERTIFICATE: {
		int *ok = va_arg(ap, int *);
		smtp_reason(r, "TLS: the server sent no certificate");
		*ok = 0;
		break;
	}
	case SMTP_EV_WRONG_PEER_CERTIFICATE: {
		/* libESMTP compares with the address we gave it; OpenSSL has already
		 * checked the configured host name during the handshake. */
		int *ok = va_arg(ap, int *);
		(void)va_arg(ap, char *);
		SSL *ssl = va_arg(ap, SSL *);
		*ok = ssl != NULL && SSL_get_verify_result(ssl) == X509_V_OK;
		if (!*ok)
			smtp_reason(r, "TLS: certificate does not match %s", r->o->host);
		break;
	}
	case SMTP_EV_WEAK_CIPHER: {
		(void)va_arg(ap, int);
		int *ok = va_arg(ap, int *);
		smtp_reason(r, "TLS: cipher too weak");
		*ok = 0;
		break;
	}
	case SMTP_EV_NO_CLIENT_CERTIFICATE: {
		int *ok = va_arg(ap, int *);
		*ok = 0;
		smtp_reason(r, "TLS: unusable client certificate under ~/.authenticate");
		break;
	}
	case SMTP_EV_UNUSABLE_CLIENT_CERTIFICATE:
	case SMTP_EV_UNUSABLE_CA_LIST:
		smtp_reason(r, "TLS: unusable certificate files under ~/.authenticate");
		break;
	default:
		break;
	}
	va_end(ap);
}

/* Why a session that attempted no message failed, for e->msg. */
static void
smtp_session_reason(struct smtp_run *r)
{
	char buf[128];

	if (r->tls_wanted && !r->tls_ok && r->tls_verify[0] != '\0')
		smtp_reason(r, "TLS: %s", r->tls_verify);
	if (r->tls_wanted && !r->tls_ok && r->last_reply[0] != '\0' &&
	    strncmp(r->last_reply, "220", 3) == 0 && smtp_errno() == SMTP_ERR_CLIENT_ERROR) {
		unsigned long ssl_err = ERR_peek_last_error();
		if (ssl_err != 0) {
			ERR_error_string_n(ssl_err, buf, sizeof(buf));
			smtp_reason(r, "TLS handshake failed: %s", buf);
		} else {
			smtp_reason(r, "TLS handshake failed");
		}
	}
	if (r->last_io.tv_sec != 0 && smtp_since(&r->last_io) >= r->timeout_s - 0.2)
		smtp_reason(r, "no answer within %d s%s%s", r->timeout_s,
		            r->last_reply[0] ? " after: " : "", r->last_reply);
	if (r->last_reply[0] != '\0' && r->last_reply[0] != '2' && r->last_reply[0] != '3')
		smtp_reason(r, "server said: %s", r->last_reply);
	smtp_reason(r, "session failed: %s",
	            smtp_strerror(smtp_errno(), buf, sizeof(buf)) ? buf : "connection lost");
}

static int
smtp_send_esmtp(struct smtp_run *r, struct err *e)
{
	smtp_session_t session = NULL;
	auth_context_t actx = NULL;
	SSL_CTX *ctx = NULL;
	char server[320];
	size_t handed = 0;
	int rc = -1;
	static const int which[] = {Timeout_GREETING, Timeout_ENVELOPE, Timeout_DATA,
	                            Timeout_TRANSFER, Timeout_DATA2};

	if (smtp_reach(r, server, sizeof(server), e) < 0)
		return -1;
	r->tls_wanted = r->o->tls == TLS_STARTTLS;
	r->auth_wanted = !smtp_empty(r->o->user);
	if (r->tls_wanted && (ctx = smtp_tls_ctx(r, e)) == NULL)
		return -1;

	session = smtp_create_session();
	if (session == NULL || !smtp_set_server(session, server)) {
		err_set(e, ERR_INTERNAL, "smtp %s: cannot create a libESMTP session", r->where);
		goto out;
	}
	for (size_t i = 0; i < sizeof(which) / sizeof(which[0]); i++)
		smtp_set_timeout(session, which[i] | Timeout_OVERRIDE_RFC2822_MINIMUM,
		                 (long)r->timeout_s * 1000L);
	smtp_set_eventcb(session, smtp_event, r);
	smtp_set_monitorcb(session, smtp_monitor, r, 0);
	if (r->tls_wanted) {
		smtp_starttls_enable(session, Starttls_REQUIRED);
		smtp_starttls_set_ctx(session, ctx);
	} else {
		smtp_starttls_enable(session, Starttls_DISABLED);
	}
	if (r->auth_wanted) {
		auth_client_init();
		actx = auth_create_context();
		if (actx == NULL) {
			err_set(e, ERR_INTERNAL, "smtp %s: cannot create an AUTH context",
			        r->where);
			goto out;
		}
		auth_set_mechanism_flags(actx, AUTH_PLUGIN_PLAIN, 0);
		auth_set_interact_cb(actx, smtp_interact, r);
		smtp_auth_set_context(session, actx);
	}
	for (size_t i = 0; i < r->n; i++) {
		struct smtp_slot *s = &r->slots[i];
		if (!smtp_addr_ok(s->msg->recipient))
			continue;
		s->lm = smtp_add_message(session);
		if (s->lm == NULL || !smtp_set_reverse_path(s->lm, r->o->envelope_from) ||
		    !smtp_set_messagecb(s->lm, smtp_msg_cb, s->msg) ||
		    (s->lr = smtp_add_recipient(s->lm, s->msg->recipient)) == NULL) {
			err_set(e, ERR_INTERNAL, "smtp %s: cannot queue a message in libESMTP",
			        r->where);
			goto out;
		}
		smtp_message_set_application_data_release(s->lm, s, NULL);
		handed++;
	}

	if (handed > 0) {
		memset(&r->last_io, 0, sizeof(r->last_io)); /* set at connect */
		smtp_start_session(session);                /* its return value means nothing */
		if (r->stopped)
			goto stopped;
		if (!r->attempted && r->callbacks == 0) {
			smtp_session_reason(r);
			err_set(e, ERR_UNAVAILABLE, "smtp %s: %s", r->where, r->reason);
			goto out;
		}
		/* Whatever got no callback yet: lost with the connection. */
		for (size_t i = 0; i < r->n && !r->stopped; i++) {
			struct smtp_slot *s = &r->slots[i];
			int code;
			const char *text;
			enum smtp_result res;
			if (s->lm == NULL || s->reported)
				continue;
			res = smtp_classify(r, s, &code, &text);
			smtp_report(r, s, res, code, text);
		}
	}
stopped:
	rc = smtp_finish(r, e);
out:
	if (session != NULL)
		smtp_destroy_session(session);
	if (actx != NULL)
		auth_destroy_context(actx);
	if (r->auth_wanted)
		auth_client_exit();
	if (ctx != NULL)
		SSL_CTX_free(ctx);
	ERR_clear_error();
	return rc;
}

/* ------------------------------------------------ libcurl (implicit TLS) */

enum smtp_phase { PH_CONNECT = 0, PH_GREETED, PH_AUTH, PH_MAIL, PH_RCPT, PH_DATA, PH_BODY };

struct smtp_curl {
	struct smtp_run *r;
	const struct smtp_message *m;
	size_t off;
	enum smtp_phase phase;
	int code; /* last reply code, QUIT's excepted */
	int auth_busy;
	int quitting; /* QUIT sent: its reply says nothing of the message */
	char reply[SMTP_TEXT_MAX];
};

static size_t
smtp_curl_read(char *buf, size_t size, size_t nitems, void *arg)
{
	struct smtp_curl *c = arg;
	size_t room = size * nitems, left = c->m->length - c->off;

	if (left < room)
		room = left;
	memcpy(buf, c->m->content + c->off, room);
	c->off += room;
	return room;
}

/* Follow the dialogue to know which command a failure answers; mask AUTH. */
static int
smtp_curl_debug(CURL *h, curl_infotype type, char *data, size_t size, void *arg)
{
	struct smtp_curl *c = arg;
	char line[SMTP_TEXT_MAX];

	(void)h;
	if (type != CURLINFO_HEADER_IN && type != CURLINFO_HEADER_OUT && type != CURLINFO_TEXT)
		return 0;
	smtp_clean(line, sizeof(line), data, size);
	if (type == CURLINFO_HEADER_OUT) {
		if (strncasecmp(line, "AUTH", 4) == 0) {
			c->phase = PH_AUTH;
			c->auth_busy = 1;
			char *sp = strlen(line) > 5 ? strchr(line + 5, ' ') : NULL;
			if (sp != NULL)
				snprintf(sp, sizeof(line) - (size_t)(sp - line), " ****");
		} else if (c->auth_busy) {
			snprintf(line, sizeof(line), "****");
		} else if (strncasecmp(line, "MAIL FROM", 9) == 0) {
			c->phase = PH_MAIL;
		} else if (strncasecmp(line, "RCPT TO", 7) == 0) {
			c->phase = PH_RCPT;
		} else if (strncasecmp(line, "DATA", 4) == 0) {
			c->phase = PH_DATA;
		} else if (strncasecmp(line, "QUIT", 4) == 0 || strncasecmp(line, "RSET", 4) == 0) {
			c->quitting = 1;
		}
		log_debug("smtp %s >> %s", c->r->where, line);
	} else if (type == CURLINFO_HEADER_IN) {
		if (!c->quitting && size >= 3 && data[0] >= '1' && data[0] <= '5') {
			c->code = (data[0] - '0') * 100 + (data[1] - '0') * 10 + (data[2] - '0');
			if (size < 4 || data[3] != '-')
				smtp_fmt(c->reply, sizeof(c->reply), "%s", line);
			if (c->phase == PH_CONNECT)
				c->phase = PH_GREETED;
			if (c->auth_busy && c->code != 334)
				c->auth_busy = 0;
			if (c->phase == PH_DATA && c->code == 354)
				c->phase = PH_BODY;
		}
		log_debug("smtp %s << %s", c->r->where, line);
	} else {
		log_debug("smtp %s: %s", c->r->where, line);
	}
	return 0;
}

static int
smtp_send_curl(struct smtp_run *r, struct err *e)
{
	CURL *h = NULL;
	char url[320], from[300], rcpt[300], ebuf[CURL_ERROR_SIZE];
	struct smtp_curl c;
	int rc = -1, lost = 0;
	const char *lost_text = "";
	char lost_buf[SMTP_TEXT_MAX];

	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return err_set(e, ERR_INTERNAL, "smtp %s: cannot initialise libcurl", r->where);
	h = curl_easy_init();
	if (h == NULL) {
		err_set(e, ERR_INTERNAL, "smtp %s: cannot initialise libcurl", r->where);
		goto out;
	}
	if (strchr(r->o->host, ':') != NULL)
		snprintf(url, sizeof(url), "smtps://[%s]:%d", r->o->host, smtp_port(r->o));
	else
		snprintf(url, sizeof(url), "smtps://%s:%d", r->o->host, smtp_port(r->o));
	snprintf(from, sizeof(from), "<%s>", r->o->envelope_from);
	memset(&c, 0, sizeof(c));
	c.r = r;
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "smtps");
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_MAIL_FROM, from);
	curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(h, CURLOPT_READFUNCTION, smtp_curl_read);
	curl_easy_setopt(h, CURLOPT_READDATA, &c);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, (long)r->timeout_s);
	curl_easy_setopt(h, CURLOPT_SERVER_RESPONSE_TIMEOUT, (long)r->timeout_s);
	curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, (long)r->timeout_s);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
	curl_easy_setopt(h, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
	curl_easy_setopt(h, CURLOPT_TCP_NODELAY, 1L);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, ebuf);
	curl_easy_setopt(h, CURLOPT_VERBOSE, 1L);
	curl_easy_setopt(h, CURLOPT_DEBUGFUNCTION, smtp_curl_debug);
	curl_easy_setopt(h, CURLOPT_DEBUGDATA, &c);
	if (!smtp_empty(r->o->ca_file))
		curl_easy_setopt(h, CURLOPT_CAINFO, r->o->ca_file);
	if (!smtp_empty(r->o->user)) {
		curl_easy_setopt(h, CURLOPT_USERNAME, r->o->user);
		curl_easy_setopt(h, CURLOPT_PASSWORD, r->o->password ? r->o->password : "");
	}

	for (size_t i = 0; i < r->n && !r->stopped; i++) {
		struct smtp_slot *s = &r->slots[i];
		struct curl_slist *to = NULL;
		CURLcode res;
		long code = 0;

		if (!smtp_addr_ok(s->msg->recipient))
			continue; /* reported at the end, like the libESMTP path */
		if (lost) {
			smtp_report(r, s, SMTP_RESULT_TEMPORARY, 0, lost_text);
			continue;
		}
		snprintf(rcpt, sizeof(rcpt), "<%s>", s->msg->recipient);
		to = curl_slist_append(NULL, rcpt);
		if (to == NULL) {
			err_set(e, ERR_INTERNAL, "smtp %s: out of memory", r->where);
			goto out;
		}
		c.m = s->msg;
		c.off = 0;
		c.phase = PH_CONNECT;
		c.code = 0;
		c.auth_busy = 0;
		c.quitting = 0;
		c.reply[0] = '\0';
		ebuf[0] = '\0';
		curl_easy_setopt(h, CURLOPT_MAIL_RCPT, to);
		curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, (curl_off_t)s->msg->length);
		res = curl_easy_perform(h);
		curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
		curl_easy_setopt(h, CURLOPT_MAIL_RCPT, NULL);
		curl_slist_free_all(to);
		if (c.phase == PH_GREETED && res == CURLE_OK)
			c.phase = PH_BODY; /* reused connection: no greeting seen */

		if (res == CURLE_OK) {
			r->attempted = 1;
			smtp_report(r, s, SMTP_RESULT_SENT, (int)code, c.reply);
			continue;
		}
		if (c.phase < PH_MAIL || (c.phase == PH_MAIL && c.code / 100 != 2)) {
			/* the session failed before this message could be attempted */
			char why[SMTP_TEXT_MAX];
			if (res == CURLE_LOGIN_DENIED || c.phase == PH_AUTH)
				smtp_fmt(why, sizeof(why), "AUTH failed: %s", c.reply);
			else if (c.phase == PH_MAIL)
				smtp_fmt(why, sizeof(why), "MAIL FROM <%s> refused: %s",
				         r->o->envelope_from, c.reply);
			else if (res == CURLE_OPERATION_TIMEDOUT)
				smtp_fmt(why, sizeof(why), "no answer within %d s", r->timeout_s);
			else
				smtp_fmt(why, sizeof(why), "%s",
				         ebuf[0] ? ebuf : curl_easy_strerror(res));
			if (r->callbacks == 0) {
				err_set(e, ERR_UNAVAILABLE, "smtp %s: %s", r->where, why);
				goto out;
			}
			smtp_fmt(lost_buf, sizeof(lost_buf), "not attempted: %s", why);
			lost_text = lost_buf;
			lost = 1;
			smtp_report(r, s, SMTP_RESULT_TEMPORARY, c.code / 100 == 4 ? c.code : 0,
			            lost_text);
			continue;
		}
		r->attempted = 1;
		if (c.code / 100 == 5 && c.phase >= PH_RCPT) {
			smtp_report(r, s, SMTP_RESULT_PERMANENT, c.code, c.reply);
		} else if (c.code / 100 == 4 && c.phase >= PH_RCPT) {
			smtp_report(r, s, SMTP_RESULT_TEMPORARY, c.code, c.reply);
		} else {
			smtp_fmt(lost_buf, sizeof(lost_buf), "connection lost%s: %s",
			         c.phase == PH_BODY ? " during DATA, outcome unknown" : "",
			         ebuf[0] ? ebuf : curl_easy_strerror(res));
			smtp_report(r, s, SMTP_RESULT_TEMPORARY, 0, lost_buf);
			lost_text = "not attempted, connection lost";
			lost = 1;
		}
	}
	rc = smtp_finish(r, e);
out:
	if (h != NULL)
		curl_easy_cleanup(h);
	curl_global_cleanup();
	return rc;
}

/* -------------------------------------------------------------- the entry */

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
	else
		rc = smtp_send_esmtp(&r, e);
	sigaction(SIGPIPE, &old, NULL);
	free(r.slots);
	return rc;
}

/* The probe's view of the dialogue: did AUTH go out, and was it accepted? */
struct smtp_probe_seen {
	int auth_sent, auth_ok;
	char last[SMTP_TEXT_MAX];
};

static int
smtp_probe_debug(CURL *h, curl_infotype type, char *data, size_t size, void *arg)
{
	struct smtp_probe_seen *s = arg;

	(void)h;
	if (type == CURLINFO_HEADER_OUT && size >= 5 && strncasecmp(data, "AUTH ", 5) == 0)
		s->auth_sent = 1;
	if (type == CURLINFO_HEADER_IN && size >= 3) {
		if (strncmp(data, "235", 3) == 0)
			s->auth_ok = 1;
		smtp_clean(s->last, sizeof(s->last), data, size);
	}
	return 0;
}

int
smtp_probe(const struct smtp_options *o, struct err *e)
{
	struct smtp_probe_seen seen;
	char url[320], ebuf[CURL_ERROR_SIZE], where[300];
	const char *scheme = o->tls == TLS_IMPLICIT ? "smtps" : "smtp";
	int with_auth = !smtp_empty(o->user);
	CURLcode res;
	CURL *h;
	int rc = -1;

	if (smtp_empty(o->host))
		return err_set(e, ERR_CONFIG, "smtp: [smtp] host is empty");
	if (strchr(o->host, ':') != NULL)
		snprintf(url, sizeof(url), "%s://[%s]:%d", scheme, o->host, smtp_port(o));
	else
		snprintf(url, sizeof(url), "%s://%s:%d", scheme, o->host, smtp_port(o));
	snprintf(where, sizeof(where), "%s:%d", o->host, smtp_port(o));
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK || (h = curl_easy_init()) == NULL)
		return err_set(e, ERR_INTERNAL, "smtp %s: cannot initialise libcurl", where);
	memset(&seen, 0, sizeof(seen));
	ebuf[0] = '\0';
	/* Connection setup only: greeting, EHLO, STARTTLS, EHLO, AUTH; no MAIL. */
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, scheme);
	curl_easy_setopt(h, CURLOPT_CONNECT_ONLY, 1L);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_USE_SSL,
	                 o->tls == TLS_STARTTLS ? (long)CURLUSESSL_ALL : (long)CURLUSESSL_NONE);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, (long)o->timeout_s);
	curl_easy_setopt(h, CURLOPT_SERVER_RESPONSE_TIMEOUT, (long)o->timeout_s);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
	curl_easy_setopt(h, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, ebuf);
	curl_easy_setopt(h, CURLOPT_VERBOSE, 1L);
	curl_easy_setopt(h, CURLOPT_DEBUGFUNCTION, smtp_probe_debug);
	curl_easy_setopt(h, CURLOPT_DEBUGDATA, &seen);
	if (!smtp_empty(o->ca_file))
		curl_easy_setopt(h, CURLOPT_CAINFO, o->ca_file);
	if (with_auth) {
		curl_easy_setopt(h, CURLOPT_USERNAME, o->user);
		curl_easy_setopt(h, CURLOPT_PASSWORD, o->password ? o->password : "");
	}
	res = curl_easy_perform(h);
	if (res == CURLE_LOGIN_DENIED)
		err_set(e, ERR_CONFIG, "smtp %s: AUTH refused for user '%s': %s", where, o->user,
		        seen.last[0] ? seen.last : "no reply");
	else if (res == CURLE_USE_SSL_FAILED)
		err_set(e, ERR_UNAVAILABLE, "smtp %s: STARTTLS required but not offered", where);
	else if (res == CURLE_PEER_FAILED_VERIFICATION || res == CURLE_SSL_CACERT_BADFILE)
		err_set(e, ERR_CONFIG, "smtp %s: TLS: %s", where, ebuf[0] ? ebuf : "certificate");
	else if (res != CURLE_OK)
		err_set(e, ERR_UNAVAILABLE, "smtp %s: %s", where,
		        ebuf[0] ? ebuf : curl_easy_strerror(res));
	else if (with_auth && !seen.auth_ok)
		err_set(e, ERR_CONFIG,
		        "smtp %s: the server offered no AUTH: user '%s' not logged in", where,
		        o->user);
	else
		rc = 0;
	curl_easy_cleanup(h);
	return rc;
}
