#include "imap.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "curlinit.h"
#include "mail.h"

#define COMMANDS_PER_HANDLE 500
#define DONE_BATCH 100

struct imap {
	CURL *c;
	struct imap_options o;             /* the strings belong to the caller */
	int commands;                      /* run on this handle */
	unsigned long pending[DONE_BATCH]; /* handled, not yet flagged */
	size_t npending;
	char *mailbox_url; /* scheme://host:port/MAILBOX */
	char errbuf[CURL_ERROR_SIZE];
	/* the current transfer's bytes */
	struct buf buf;
	int cut;
};

static size_t
on_write(char *p, size_t size, size_t n, void *ctx)
{
	struct imap *s = ctx;
	size_t len = size * n,
	       room = s->buf.len < s->o.max_message ? s->o.max_message - s->buf.len : 0;

	if (len > room) {
		s->cut = 1;
		len = room;
	}
	if (len > 0)
		buf_add(&s->buf, p, len);
	return size * n; /* the rest is read and dropped, not an error */
}

static void
reset_buf(struct imap *s)
{
	buf_release(&s->buf);
	s->cut = 0;
	s->errbuf[0] = '\0';
}

/* Map a curl failure onto an error kind; during (1) or before (0) the session. */
static int
fail(struct imap *s, CURLcode rc, int during, const char *what, struct err *e)
{
	const char *msg = s->errbuf[0] ? s->errbuf : curl_easy_strerror(rc);
	/* anything else (login refused, certificate, network): the server's */
	enum err_kind kind = during ? ERR_TEMP : ERR_UNAVAILABLE;

	switch (rc) {
	case CURLE_UNSUPPORTED_PROTOCOL:
	case CURLE_URL_MALFORMAT:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_CERTPROBLEM:
		kind = ERR_CONFIG;
		break;
	default:
		break;
	}
	return err_set(e, kind, "[bounce] url: %s: %s (curl: %s)", what, msg,
	               rc == CURLE_LOGIN_DENIED ? "login refused" : curl_easy_strerror(rc));
}

/*
 * Set the handle's options, on a fresh handle every COMMANDS_PER_HANDLE
 * commands: libcurl 7.88 adds every response line of an IMAP session to
 * one byte count that it never resets, and fails past 300 KB ("Too large
 * response headers") after some thousand commands. A new handle logs in
 * again; the \Deleted flags already set stay on the server.
 */
static int
setup(struct imap *s)
{
	const struct imap_options *o = &s->o;

	if (s->commands++ % COMMANDS_PER_HANDLE == 0 && s->commands > 1) {
		curl_easy_cleanup(s->c);
		if ((s->c = curl_easy_init()) == NULL)
			return -1;
	}
	curl_easy_reset(s->c);
	curl_easy_setopt(s->c, CURLOPT_PROTOCOLS_STR, "imap,imaps");
	curl_easy_setopt(s->c, CURLOPT_USE_SSL, (long)CURLUSESSL_ALL);
	curl_easy_setopt(s->c, CURLOPT_USERNAME, o->user ? o->user : "");
	curl_easy_setopt(s->c, CURLOPT_PASSWORD, o->password ? o->password : "");
	if (o->ca_file != NULL && o->ca_file[0] != '\0')
		curl_easy_setopt(s->c, CURLOPT_CAINFO, o->ca_file);
	curl_easy_setopt(s->c, CURLOPT_CONNECTTIMEOUT, (long)o->timeout_s);
	curl_easy_setopt(s->c, CURLOPT_TIMEOUT, (long)o->timeout_s);
	curl_easy_setopt(s->c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(s->c, CURLOPT_ERRORBUFFER, s->errbuf);
	curl_easy_setopt(s->c, CURLOPT_WRITEFUNCTION, on_write);
	curl_easy_setopt(s->c, CURLOPT_WRITEDATA, s);
	return 0;
}

/* Run one command on the mailbox (custom != NULL) or fetch url. */
static int
perform(struct imap *s, const char *url, const char *custom, int during, const char *what,
        struct err *e)
{
	CURLcode rc;

	reset_buf(s);
	if (setup(s) < 0)
		return err_set(e, ERR_TEMP, "cannot create a libcurl handle");
	curl_easy_setopt(s->c, CURLOPT_URL, url);
	curl_easy_setopt(s->c, CURLOPT_CUSTOMREQUEST, custom);
	rc = curl_easy_perform(s->c);
	if (rc != CURLE_OK)
		return fail(s, rc, during, what, e);
	return 0;
}

int
imap_open(struct imap **out, const struct imap_options *o, struct err *e)
{
	struct imap *s;
	CURLU *u;
	char *scheme = NULL, *host = NULL, *port = NULL, *path = NULL;
	struct buf url = {0};
	int rc = -1;

	*out = NULL;
	if (curlinit(e) < 0)
		return -1;
	u = curl_url();
	if (curl_url_set(u, CURLUPART_URL, o->url, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK ||
	    (strcmp(scheme, "imaps") != 0 && strcmp(scheme, "imap") != 0)) {
		curl_url_cleanup(u);
		curl_free(scheme);
		curl_free(host);
		return err_set(e, ERR_CONFIG, "[bounce] url '%s': not an imaps:// URL", o->url);
	}
	curl_url_get(u, CURLUPART_PORT, &port, 0);
	curl_url_get(u, CURLUPART_PATH, &path, 0);
	buf_addf(&url, "%s://%s%s%s%s", scheme, host, port ? ":" : "", port ? port : "",
	         path && strlen(path) > 1 ? path : "/INBOX");
	while (url.len > 0 && url.p[url.len - 1] == '/')
		url.p[--url.len] = '\0';
	curl_url_cleanup(u);

	s = xcalloc(1, sizeof(*s));
	s->o = *o;
	s->mailbox_url = buf_detach(&url, NULL);
	s->c = curl_easy_init();
	if (s->c == NULL) {
		err_set(e, ERR_INTERNAL, "cannot create a libcurl handle");
		goto done;
	}
	/* log in and select the mailbox: a harmless command on it */
	if (perform(s, s->mailbox_url, "NOOP", 0, "connect", e) < 0)
		goto done;
	rc = 0;
done:
	curl_free(scheme);
	curl_free(host);
	curl_free(port);
	curl_free(path);
	if (rc == 0)
		*out = s;
	else
		imap_close(s);
	return rc;
}

void
imap_close(struct imap *s)
{
	if (s == NULL)
		return;
	if (s->c != NULL)
		curl_easy_cleanup(s->c);
	buf_release(&s->buf);
	free(s->mailbox_url);
	free(s);
}

int
imap_list(struct imap *s, unsigned long **uids, size_t *n, struct err *e)
{
	unsigned long *v = NULL;
	size_t cap = 0, len = 0;
	const char *p;

	*uids = NULL;
	*n = 0;
	if (perform(s, s->mailbox_url, "UID SEARCH UNDELETED", 1, "search", e) < 0)
		return -1;
	/* "* SEARCH 1 2 3\r\n" (possibly several lines) */
	for (p = s->buf.p; p != NULL && (p = strstr(p, "* SEARCH")) != NULL;) {
		p += 8;
		while (*p == ' ' || (*p >= '0' && *p <= '9')) {
			if (*p == ' ') {
				p++;
				continue;
			}
			char *end;
			unsigned long uid = strtoul(p, &end, 10);
			xgrow(&v, &cap, len + 1, sizeof(*v));
			v[len++] = uid;
			p = end;
		}
	}
	*uids = v;
	*n = len;
	return 0;
}

int
imap_fetch(struct imap *s, unsigned long uid, char **msg, size_t *len, int *cut, struct err *e)
{
	struct buf url = {0};
	int rc;

	buf_addf(&url, "%s/;UID=%lu", s->mailbox_url, uid);
	rc = perform(s, url.p, NULL, 1, "fetch", e);
	buf_release(&url);
	if (rc < 0)
		return -1;
	*cut = s->cut;
	*msg = buf_detach(&s->buf, len);
	return 0;
}

/* The folder as an IMAP quoted string (done_folder comes from the configuration). */
static void
quoted(struct buf *b, const char *s)
{
	buf_add(b, "\"", 1);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			buf_add(b, "\\", 1);
		if ((unsigned char)*s >= 32)
			buf_add(b, s, 1);
	}
	buf_add(b, "\"", 1);
}

int
imap_flush(struct imap *s, struct err *e)
{
	struct buf set = {0}, cmd = {0};
	int rc = 0;

	if (s->npending == 0)
		return 0;
	for (size_t i = 0; i < s->npending; i++)
		buf_addf(&set, "%s%lu", i ? "," : "", s->pending[i]);
	s->npending = 0;
	if (s->o.done_folder != NULL && s->o.done_folder[0] != '\0') {
		buf_addf(&cmd, "UID COPY %s ", set.p);
		quoted(&cmd, s->o.done_folder);
		rc = perform(s, s->mailbox_url, cmd.p, 1, "copy to the done folder", e);
		buf_release(&cmd);
	}
	if (rc == 0) {
		buf_addf(&cmd, "UID STORE %s +FLAGS.SILENT (\\Deleted)", set.p);
		rc = perform(s, s->mailbox_url, cmd.p, 1, "flag deleted", e);
		buf_release(&cmd);
	}
	if (rc == 0)
		rc = perform(s, s->mailbox_url, "EXPUNGE", 1, "expunge", e);
	buf_release(&set);
	return rc;
}

int
imap_done(struct imap *s, unsigned long uid, struct err *e)
{
	s->pending[s->npending++] = uid;
	return s->npending == DONE_BATCH ? imap_flush(s, e) : 0;
}
