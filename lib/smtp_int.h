/*
 * smtp_int.h - private to lib/smtp*.c: what the two SMTP clients share.
 *
 * smtp.c checks the call and dispatches; smtp_esmtp.c speaks SMTP with
 * libESMTP (tls = none | starttls), smtp_curl.c with libcurl's smtps://
 * (tls = tls). Both fill one struct smtp_run and report each message
 * through smtp_report(), then end with smtp_finish().
 */
#ifndef NOCTURNE_SMTP_INT_H
#define NOCTURNE_SMTP_INT_H

/* libESMTP declares its TLS and AUTH hooks only after these (LIBRARIES.md). */
#include <openssl/ssl.h>
#include <auth-client.h>
#include <stddef.h>
#include <libesmtp.h>

#include <sys/socket.h>
#include <time.h>

#include "err.h"
#include "smtp.h"

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

/* The port: the configured one, else 25, or 465 for implicit TLS. */
int smtp_port(const struct smtp_options *o);
/* 1 for NULL or "". */
int smtp_empty(const char *s);
/* Copy src[0..len) into dst as one printable line (text_oneline). */
void smtp_clean(char *dst, size_t cap, const char *src, size_t len);
/* Remember the first cause of a session failure (later ones are ignored). */
void smtp_reason(struct smtp_run *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* snprintf that may truncate, for messages. */
void smtp_fmt(char *dst, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* An address we are willing to put in RCPT TO / MAIL FROM. */
int smtp_addr_ok(const char *a);
/* The MAIL FROM of message m: its own (VERP), else the session's. */
const char *smtp_sender(const struct smtp_run *r, const struct smtp_message *m);
/* 1 if host is a numeric IPv4 or IPv6 address. */
int smtp_is_ip(const char *host);
/* One message's replies (code 0: none read; text NULL: not kept). */
struct smtp_replies {
	int mail, rcpt, data; /* data: the reply that ends the data (3xx: it never ended) */
	const char *mail_text, *rcpt_text, *data_text;
};
/* Its outcome, code and text (in r->text); timed_out: the server stopped answering. */
enum smtp_result smtp_classify(struct smtp_run *r, const struct smtp_replies *re, int timed_out,
                               int *code, const char **text);
/* Report one message's outcome to the caller once: 0, or -1 when it said stop. */
int smtp_report(struct smtp_run *r, struct smtp_slot *s, enum smtp_result res, int code,
                const char *text);
/* Report what is left, and turn the run into smtp_send()'s return value. */
int smtp_finish(struct smtp_run *r, struct err *e);

/*
 * smtp_net.c: resolve r->o->host and find an address that accepts a TCP
 * connection within the timeout; fills r->peer and server ("addr:port" for
 * libESMTP). fd NULL: the test connection is closed again (libESMTP opens
 * its own); else the connected, non-blocking socket is left in *fd.
 * 0, or -1 with ERR_UNAVAILABLE.
 */
int smtp_reach(struct smtp_run *r, char *server, size_t cap, int *fd, struct err *e);
/* libESMTP's socket to r->peer (the newest if several), or -1. */
int smtp_find_socket(const struct smtp_run *r);
/* Stop the libESMTP session now (shutdown its socket): it sees a dropped connection. */
void smtp_cut(struct smtp_run *r);

/* The two clients: smtp_send() for r's options and messages. */
int smtp_send_esmtp(struct smtp_run *r, struct err *e);
/* tls = none without AUTH: our own client, PIPELINING used in full (smtp_pipe.c). */
int smtp_send_pipe(struct smtp_run *r, struct err *e);
int smtp_send_curl(struct smtp_run *r, struct err *e);

#endif
