/*
 * smtp_esmtp.c - the libESMTP client (tls = none | starttls): our own
 * connect test with a timeout, our SSL_CTX per session, the protocol
 * monitor watching AUTH, each message classified from its statuses. The
 * traps it handles are listed at the top of smtp.c.
 */
#include "smtp_int.h"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <auth-client.h>
#include <stddef.h>
#include <libesmtp.h>

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "when.h"

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
smtp_outcome(struct smtp_run *r, struct smtp_slot *s, int *code, const char **text)
{
	const smtp_status_t *mail = smtp_reverse_path_status(s->lm);
	const smtp_status_t *rcpt = smtp_recipient_status(s->lr);
	const smtp_status_t *data = smtp_message_transfer_status(s->lm);
	struct smtp_replies re = {
	    mail ? mail->code : 0,
	    rcpt ? rcpt->code : 0,
	    data ? data->code : 0,
	    mail && mail->text ? mail->text : "",
	    rcpt && rcpt->text ? rcpt->text : "",
	    data && data->text ? data->text : "",
	};
	int timed_out = r->last_io.tv_sec != 0 && when_elapsed(&r->last_io) >= r->timeout_s - 0.2;

	return smtp_classify(r, &re, timed_out, code, text);
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
			smtp_reason(r, "MAIL FROM <%s> refused: %d %s", smtp_sender(r, s->msg),
			            st->code, t);
			smtp_cut(r);
		} else {
			int code;
			const char *text;
			enum smtp_result res = smtp_outcome(r, s, &code, &text);
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
		res = smtp_outcome(r, s, &code, &text);
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
	if (r->last_io.tv_sec != 0 && when_elapsed(&r->last_io) >= r->timeout_s - 0.2)
		smtp_reason(r, "no answer within %d s%s%s", r->timeout_s,
		            r->last_reply[0] ? " after: " : "", r->last_reply);
	if (r->last_reply[0] != '\0' && r->last_reply[0] != '2' && r->last_reply[0] != '3')
		smtp_reason(r, "server said: %s", r->last_reply);
	smtp_reason(r, "session failed: %s",
	            smtp_strerror(smtp_errno(), buf, sizeof(buf)) ? buf : "connection lost");
}

int
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

	if (smtp_reach(r, server, sizeof(server), NULL, e) < 0)
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
		if (s->lm == NULL || !smtp_set_reverse_path(s->lm, smtp_sender(r, s->msg)) ||
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
			res = smtp_outcome(r, s, &code, &text);
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
