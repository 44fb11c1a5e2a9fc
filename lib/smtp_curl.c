/*
 * smtp_curl.c - the libcurl client for implicit TLS (tls = tls, port 465),
 * which libESMTP cannot do: smtps://, one easy handle for the whole chunk so
 * the connection is reused, each message's outcome from its own transfer.
 * Also smtp_probe() (nocturne-status --check --network), for every tls
 * mode: libcurl's connect-only mode stops before MAIL.
 */
#include "smtp_int.h"

#include <curl/curl.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "curlinit.h"
#include "log.h"

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

int
smtp_send_curl(struct smtp_run *r, struct err *e)
{
	CURL *h = NULL;
	char url[320], from[300], rcpt[300], ebuf[CURL_ERROR_SIZE];
	struct smtp_curl c;
	int rc = -1, lost = 0;
	const char *lost_text = "";
	char lost_buf[SMTP_TEXT_MAX];

	if (curlinit(e) < 0)
		return err_prefix(e, "smtp %s", r->where);
	h = curl_easy_init();
	if (h == NULL) {
		err_set(e, ERR_INTERNAL, "smtp %s: cannot initialise libcurl", r->where);
		goto out;
	}
	if (strchr(r->o->host, ':') != NULL)
		snprintf(url, sizeof(url), "smtps://[%s]:%d", r->o->host, smtp_port(r->o));
	else
		snprintf(url, sizeof(url), "smtps://%s:%d", r->o->host, smtp_port(r->o));
	memset(&c, 0, sizeof(c));
	c.r = r;
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "smtps");
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
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
		/* Per message: a VERP sender names the message (contract 6.1). */
		snprintf(from, sizeof(from), "<%s>", smtp_sender(r, s->msg));
		curl_easy_setopt(h, CURLOPT_MAIL_FROM, from);
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
				         smtp_sender(r, s->msg), c.reply);
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
	if (curlinit(e) < 0)
		return err_prefix(e, "smtp %s", where);
	if ((h = curl_easy_init()) == NULL)
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
