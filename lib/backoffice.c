#include "backoffice.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "curlinit.h"
#include "db_batch.h"
#include "export.h"
#include "log.h"
#include "text.h"
#include "version.h"
#include "when.h"

#define REASON_MAX 96

struct backoffice {
	CURL *curl;
	char *url;   /* as configured, given to libcurl */
	char *shown; /* for messages: no credentials, no query */
	char *auth;  /* "Authorization: Bearer TOKEN" or NULL */
	char errbuf[CURL_ERROR_SIZE];
	char reason[REASON_MAX]; /* the reason phrase of the last status line */
};

/* The body of one delivery, produced row by row from a db_batch_rows cursor. */
struct body {
	struct db_batch_rows *rows;
	FILE *fp; /* fopencookie: what export_row writes lands in buf */
	struct csvout w;
	char *buf;
	size_t len, off, cap;
	int eof;
	int failed;
	curl_off_t produced; /* bytes written by export since body_start */
	curl_off_t sent;     /* bytes handed to libcurl */
	curl_off_t size;     /* Content-Length, from the counting pass */
	long long nrows;
	struct err e;
};

int
backoffice_enabled(const struct config *cfg)
{
	return cfg->bo_url != NULL && cfg->bo_url[0] != '\0';
}

static ssize_t
body_cookie_write(void *cookie, const char *data, size_t n)
{
	struct body *b = cookie;

	xgrow(&b->buf, &b->cap, b->len + n, 1);
	memcpy(b->buf + b->len, data, n);
	b->len += n;
	b->produced += (curl_off_t)n;
	return (ssize_t)n;
}

static int
body_init(struct body *b, struct db_batch_rows *rows)
{
	static const cookie_io_functions_t io = {.write = body_cookie_write};

	memset(b, 0, sizeof(*b));
	b->rows = rows;
	err_clear(&b->e);
	b->fp = fopencookie(b, "w", io);
	return b->fp == NULL ? -1 : 0;
}

static void
body_release(struct body *b)
{
	if (b->fp != NULL)
		fclose(b->fp);
	free(b->buf);
}

/* (Re)start the body at its first byte: the header row. */
static int
body_start(struct body *b)
{
	b->len = b->off = 0;
	b->eof = b->failed = 0;
	b->produced = b->sent = 0;
	b->nrows = 0;
	if (db_batch_rows_rewind(b->rows, &b->e) < 0 ||
	    export_begin(&b->w, b->fp, EXPORT_RAW) < 0 || fflush(b->fp) != 0) {
		if (b->e.kind == ERR_NONE)
			err_set(&b->e, ERR_INTERNAL, "cannot build the request body");
		b->failed = 1;
		return -1;
	}
	return 0;
}

/* Stage at least want bytes (fewer at the end). 0 or -1 (b->e set). */
static int
body_fill(struct body *b, size_t want)
{
	struct export_row r;
	int rc;

	if (b->off > 0 && b->off == b->len)
		b->len = b->off = 0;
	while (b->len - b->off < want && !b->eof) {
		if (b->off > 0) {
			memmove(b->buf, b->buf + b->off, b->len - b->off);
			b->len -= b->off;
			b->off = 0;
		}
		rc = db_batch_rows_next(b->rows, &r, &b->e);
		if (rc < 0) {
			b->failed = 1;
			return -1;
		}
		if (rc == 0) {
			b->eof = 1;
			break;
		}
		if (export_row(&b->w, &r) < 0 || fflush(b->fp) != 0) {
			err_set(&b->e, ERR_INTERNAL, "cannot build the request body");
			b->failed = 1;
			return -1;
		}
		b->nrows++;
	}
	return 0;
}

/* The counting pass: the body's size in bytes, nothing kept. */
static int
body_count(struct body *b)
{
	if (body_start(b) < 0)
		return -1;
	do {
		if (body_fill(b, 65536) < 0)
			return -1;
		b->off = b->len;
	} while (!b->eof);
	b->size = b->produced;
	return body_start(b);
}

static size_t
body_read(char *dest, size_t size, size_t nitems, void *userdata)
{
	struct body *b = userdata;
	size_t want = size * nitems, n;

	if (b->failed || body_fill(b, want) < 0)
		return CURL_READFUNC_ABORT;
	n = b->len - b->off;
	if (n > want)
		n = want;
	if ((curl_off_t)n > b->size - b->sent || (n == 0 && b->sent != b->size)) {
		err_set(&b->e, ERR_INTERNAL, "the request body changed while it was sent");
		b->failed = 1;
		return CURL_READFUNC_ABORT;
	}
	memcpy(dest, b->buf + b->off, n);
	b->off += n;
	b->sent += (curl_off_t)n;
	return n;
}

/* libcurl may need to send the body again (a reused connection found dead). */
static int
body_seek(void *userdata, curl_off_t offset, int origin)
{
	struct body *b = userdata;

	if (origin != SEEK_SET || offset != 0)
		return CURL_SEEKFUNC_CANTSEEK;
	return body_start(b) < 0 ? CURL_SEEKFUNC_FAIL : CURL_SEEKFUNC_OK;
}

/* The answer's body is not used: discard it (libcurl would print it). */
static size_t
discard(char *ptr, size_t size, size_t nmemb, void *userdata)
{
	(void)ptr;
	(void)userdata;
	return size * nmemb;
}

/* Keep the reason phrase of the last status line ("HTTP/1.1 500 Oops"). */
static size_t
header_line(char *line, size_t size, size_t nitems, void *userdata)
{
	struct backoffice *bo = userdata;
	size_t n = size * nitems, i = 0;
	int spaces = 0;

	if (n < 5 || memcmp(line, "HTTP/", 5) != 0)
		return n;
	while (i < n && spaces < 2)
		if (line[i++] == ' ')
			spaces++;
	/* The reason phrase as one line, without the CRLF that ends it. */
	text_oneline(bo->reason, sizeof(bo->reason), line + i, n - i,
	             TEXT_CONTROL_SPACE | TEXT_TRIM);
	return n;
}

/* The URL without user, password or query, for messages. */
static char *
shown_url(const char *url)
{
	CURLU *u = curl_url();
	char *scheme = NULL, *host = NULL, *port = NULL, *path = NULL, *query = NULL;
	char *out = NULL;
	size_t n;

	if (u == NULL || curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK)
		goto done;
	curl_url_get(u, CURLUPART_PORT, &port, 0);
	curl_url_get(u, CURLUPART_PATH, &path, 0);
	curl_url_get(u, CURLUPART_QUERY, &query, 0);
	n = strlen(scheme) + strlen(host) + (port ? strlen(port) : 0) + (path ? strlen(path) : 0) +
	    16;
	out = xmalloc(n);
	snprintf(out, n, "%s://%s%s%s%s%s", scheme, host, port ? ":" : "", port ? port : "",
	         path ? path : "", query ? "?..." : "");
done:
	curl_free(scheme);
	curl_free(host);
	curl_free(port);
	curl_free(path);
	curl_free(query);
	curl_url_cleanup(u);
	return out;
}

static int
url_is_https(const char *url)
{
	CURLU *u = curl_url();
	char *scheme = NULL;
	int ok;

	ok = u != NULL && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
	     curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
	     strcmp(scheme, "https") == 0;
	curl_free(scheme);
	curl_url_cleanup(u);
	return ok;
}

static int
setopts(struct backoffice *bo, const struct config *cfg)
{
	CURL *c = bo->curl;
	CURLcode rc = CURLE_OK;

	rc |= curl_easy_setopt(c, CURLOPT_URL, bo->url);
	rc |= curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "https");
	rc |= curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "https");
	rc |= curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	rc |= curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
	rc |= curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
	if (cfg->bo_ca_file != NULL && cfg->bo_ca_file[0] != '\0')
		rc |= curl_easy_setopt(c, CURLOPT_CAINFO, cfg->bo_ca_file);
	rc |= curl_easy_setopt(c, CURLOPT_TIMEOUT, (long)cfg->bo_timeout);
	rc |= curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, (long)cfg->bo_timeout);
	rc |= curl_easy_setopt(c, CURLOPT_USERAGENT, "nocturne/" NOCTURNE_VERSION);
	rc |= curl_easy_setopt(c, CURLOPT_POST, 1L);
	rc |= curl_easy_setopt(c, CURLOPT_READFUNCTION, body_read);
	rc |= curl_easy_setopt(c, CURLOPT_SEEKFUNCTION, body_seek);
	rc |= curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
	rc |= curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, header_line);
	rc |= curl_easy_setopt(c, CURLOPT_HEADERDATA, bo);
	rc |= curl_easy_setopt(c, CURLOPT_ERRORBUFFER, bo->errbuf);
	return rc == CURLE_OK ? 0 : -1;
}

int
backoffice_open(struct backoffice **out, const struct config *cfg, struct err *e)
{
	struct backoffice *bo;
	char *token = NULL;
	size_t n;

	*out = NULL;
	if (!backoffice_enabled(cfg))
		return err_set(e, ERR_CONFIG, "%s: [backoffice] url is empty: no back office",
		               cfg->source);
	if (curlinit(e) < 0)
		return -1;
	if (!url_is_https(cfg->bo_url))
		return err_set(e, ERR_CONFIG,
		               "%s: [backoffice] url: not an https:// URL (only HTTPS is used)",
		               cfg->source);
	bo = xcalloc(1, sizeof(*bo));
	bo->url = xstrdup(cfg->bo_url);
	bo->shown = shown_url(cfg->bo_url);
	if (bo->shown == NULL)
		bo->shown = xstrdup("(back office)");
	/* A CA bundle that cannot be read is the configuration's fault: 78 before
	 * any connection, and no delivery attempt is counted. */
	if (config_check_file(cfg, "[backoffice] ca_file", cfg->bo_ca_file, e) < 0)
		goto fail;
	if (cfg->bo_token_file != NULL && cfg->bo_token_file[0] != '\0') {
		if (config_read_secret(cfg->bo_token_file, "[backoffice] token_file", &token, e) <
		    0) {
			err_prefix(e, "%s", cfg->source);
			goto fail;
		}
		n = strlen(token) + sizeof("Authorization: Bearer ");
		bo->auth = xmalloc(n);
		snprintf(bo->auth, n, "Authorization: Bearer %s", token);
		explicit_bzero(token, strlen(token));
		free(token);
	}
	bo->curl = curl_easy_init();
	if (bo->curl == NULL || setopts(bo, cfg) < 0) {
		err_set(e, ERR_INTERNAL, "cannot set up libcurl for %s", bo->shown);
		goto fail;
	}
	*out = bo;
	return 0;
fail:
	backoffice_free(bo);
	return -1;
}

void
backoffice_free(struct backoffice *bo)
{
	if (bo == NULL)
		return;
	if (bo->curl != NULL)
		curl_easy_cleanup(bo->curl);
	if (bo->auth != NULL) {
		explicit_bzero(bo->auth, strlen(bo->auth));
		free(bo->auth);
	}
	free(bo->url);
	free(bo->shown);
	free(bo);
}

const char *
backoffice_url(const struct backoffice *bo)
{
	return bo->shown;
}

static struct curl_slist *
headers(const struct backoffice *bo, long long batch_id)
{
	struct curl_slist *h = NULL, *t;
	char key[64];
	const char *lines[] = {"Content-Type: text/csv; charset=utf-8", key, "Expect:", bo->auth};

	snprintf(key, sizeof(key), "Idempotency-Key: nocturne-batch-%lld", batch_id);
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		if (lines[i] == NULL)
			continue;
		t = curl_slist_append(h, lines[i]);
		if (t == NULL) {
			curl_slist_free_all(h);
			return NULL;
		}
		h = t;
	}
	return h;
}

/*
 * One POST. Returns 0 with *status the HTTP status when an answer came
 * (whatever it is); -1 with why filled when there was none (network, TLS,
 * timeout), or with e set (ERR_INTERNAL / database) when the body failed.
 */
static int
post(struct backoffice *bo, struct body *b, long long batch_id, long *status, char *why,
     size_t whylen, struct err *e)
{
	struct curl_slist *h = headers(bo, batch_id);
	CURLcode rc;

	*status = 0;
	why[0] = '\0';
	if (h == NULL)
		return err_set(e, ERR_INTERNAL, "out of memory building headers");
	bo->errbuf[0] = '\0';
	bo->reason[0] = '\0';
	curl_easy_setopt(bo->curl, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(bo->curl, CURLOPT_READDATA, b);
	curl_easy_setopt(bo->curl, CURLOPT_SEEKDATA, b);
	curl_easy_setopt(bo->curl, CURLOPT_POSTFIELDSIZE_LARGE, b->size);
	rc = curl_easy_perform(bo->curl);
	curl_easy_setopt(bo->curl, CURLOPT_HTTPHEADER, NULL);
	curl_slist_free_all(h);
	if (b->failed) {
		*e = b->e;
		return -1;
	}
	if (rc != CURLE_OK) {
		/* The error buffer says more (host, port, what failed) when set. */
		snprintf(why, whylen, "%s", bo->errbuf[0] ? bo->errbuf : curl_easy_strerror(rc));
		return -1;
	}
	curl_easy_getinfo(bo->curl, CURLINFO_RESPONSE_CODE, status);
	if (*status < 200 || *status > 299) {
		snprintf(why, whylen, "HTTP %ld%s%s%s", *status, bo->reason[0] ? " " : "",
		         bo->reason,
		         *status >= 300 && *status < 400 ? " (redirects are not followed)" : "");
	}
	return 0;
}

int
backoffice_deliver(struct backoffice *bo, struct db *db, long long batch_id, int64_t now,
                   struct err *e)
{
	struct db_batch_rows *rows = NULL;
	struct body b;
	char why[CURL_ERROR_SIZE + 160];
	long status = 0;
	int rc, have_body = 0;

	if (db_begin_read(db, e) < 0)
		return -1;
	if (db_batch_rows_open(db, batch_id, &rows, e) < 0)
		goto local_fail;
	if (body_init(&b, rows) < 0) {
		err_set(e, ERR_INTERNAL, "cannot set up the request body");
		goto local_fail;
	}
	have_body = 1;
	if (body_count(&b) < 0) {
		*e = b.e;
		goto local_fail;
	}
	log_debug("batch %lld: POST %s (%lld rows, %lld bytes)", batch_id, bo->shown, b.nrows,
	          (long long)b.size);
	rc = post(bo, &b, batch_id, &status, why, sizeof(why), e);
	if (rc < 0 && why[0] == '\0')
		goto local_fail;
	body_release(&b);
	have_body = 0;
	db_batch_rows_close(rows);
	rows = NULL;
	db_rollback(db); /* end the read snapshot */
	if (rc == 0 && why[0] == '\0') {
		if (db_batch_mark_delivered(db, batch_id, now, (int)status, e) < 0)
			return err_prefix(e, "batch %lld was delivered to %s (HTTP %ld) but",
			                  batch_id, bo->shown, status);
		log_info("batch %lld delivered to %s (HTTP %ld)", batch_id, bo->shown, status);
		return 0;
	}
	if (db_batch_mark_failed(db, batch_id, (int)status, why, e) < 0)
		return err_prefix(e, "batch %lld: %s: %s; and", batch_id, bo->shown, why);
	return err_set(e, ERR_TEMP, "batch %lld: %s: %s", batch_id, bo->shown, why);
local_fail:
	if (have_body)
		body_release(&b);
	db_batch_rows_close(rows);
	db_rollback(db);
	return err_prefix(e, "batch %lld", batch_id);
}

int
backoffice_deliver_pending(struct backoffice *bo, struct db *db, int64_t now, int *delivered,
                           struct err *e)
{
	long long *ids = NULL;
	size_t n = 0, i;
	int rc = 0;

	*delivered = 0;
	if (db_batch_undelivered(db, &ids, &n, e) < 0)
		return -1;
	for (i = 0; i < n; i++) {
		if (backoffice_deliver(bo, db, ids[i], now, e) < 0) {
			rc = -1;
			break;
		}
		(*delivered)++;
	}
	free(ids);
	return rc;
}

int
backoffice_note_waiting(struct db *db, struct err *e)
{
	struct err e2;
	char msg[ERR_MSG_MAX];
	enum err_kind kind = e->kind;
	long long *ids = NULL;
	size_t n = 0;

	err_clear(&e2);
	if (db_batch_undelivered(db, &ids, &n, &e2) < 0 || n == 0)
		return -1;
	free(ids);
	snprintf(msg, sizeof(msg), "%s", e->msg);
	return err_set(e, kind, "%s; %zu batch%s wait%s for the next run", msg, n,
	               n == 1 ? "" : "es", n == 1 ? "s" : "");
}

int
backoffice_probe(const struct config *cfg, struct err *e)
{
	struct backoffice *bo;
	CURLcode res;
	int rc = 0;

	if (backoffice_open(&bo, cfg, e) < 0)
		return -1;
	/* TCP and the TLS handshake, verified; no request is sent. */
	curl_easy_setopt(bo->curl, CURLOPT_CONNECT_ONLY, 1L);
	bo->errbuf[0] = '\0';
	res = curl_easy_perform(bo->curl);
	if (res == CURLE_PEER_FAILED_VERIFICATION || res == CURLE_SSL_CACERT_BADFILE)
		rc = err_set(e, ERR_CONFIG, "back office %s: TLS: %s", bo->shown,
		             bo->errbuf[0] ? bo->errbuf : curl_easy_strerror(res));
	else if (res != CURLE_OK)
		rc = err_set(e, ERR_TEMP, "back office %s: %s", bo->shown,
		             bo->errbuf[0] ? bo->errbuf : curl_easy_strerror(res));
	backoffice_free(bo);
	return rc;
}

int
backoffice_overdue(struct db *db, int64_t now, struct err *e)
{
	struct err e2;
	char msg[ERR_MSG_MAX], at[WHEN_DATETIME_LEN];
	long long id;
	int64_t ran_at;

	err_clear(&e2);
	if (db_batch_oldest_undelivered(db, &id, &ran_at, &e2) <= 0 ||
	    now - ran_at <= BACKOFFICE_OVERDUE_SECS)
		return -1;
	when_format_datetime(ran_at, at);
	snprintf(msg, sizeof(msg), "%s", e->msg);
	return err_set(e, ERR_UNAVAILABLE,
	               "the back office has not received batch %lld (made %s) for %lld hours: %s",
	               id, at, (long long)(now - ran_at) / 3600, msg);
}
