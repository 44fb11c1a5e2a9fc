#include "bounce_int.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "err.h"

/* The plain text searched for a bounce's wording. */
#define TEXT_MAX (64u << 10)

/* Case-insensitive search of needle in hay[0..len). */
static const char *
find_ci(const char *hay, size_t len, const char *needle)
{
	size_t n = strlen(needle);

	if (n == 0 || len < n)
		return NULL;
	for (size_t i = 0; i + n <= len; i++)
		if (tolower((unsigned char)hay[i]) == tolower((unsigned char)needle[0]) &&
		    strncasecmp(hay + i, needle, n) == 0)
			return hay + i;
	return NULL;
}

/* The Message-ID of a quoted original in text: a "Message-ID:" at the start of a line. */
void
bounce_text_message_id(const char *text, size_t len, char *out, size_t n)
{
	size_t i = 0;

	while (i < len && out[0] == '\0') {
		const char *lf = memchr(text + i, '\n', len - i);
		size_t end = lf ? (size_t)(lf - text) : len;
		const char *line = text + i;
		size_t ll = end - i;

		while (ll > 0 && (*line == ' ' || *line == '>')) /* quoted: "> Message-ID:" */
			line++, ll--;
		if (ll > 11 && strncasecmp(line, "Message-ID:", 11) == 0) {
			char tmp[512];
			bounce_put_line(tmp, sizeof(tmp), line + 11, ll - 11);
			bounce_take_message_id(tmp, out, n);
		}
		i = end + 1;
	}
}

/* The line of text holding text[pos], as one printable line. */
static void
line_at(const char *text, size_t len, size_t pos, char *out, size_t n)
{
	size_t a = pos, b = pos;

	while (a > 0 && text[a - 1] != '\n')
		a--;
	while (b < len && text[b] != '\n')
		b++;
	bounce_put_line(out, n, text + a, b - a);
}

static const char *const fail_words[] = {
    "this is a permanent error",
    "failed permanently",
    "permanent failure",
    "permanent fatal error",
    "could not be delivered",
    "couldn't be delivered",
    "delivery has failed",
    "delivery to the following recipient failed",
    "the following address(es) failed",
    "undeliverable",
    "user unknown",
    "unknown user",
    "no such user",
    "mailbox unavailable",
    "mailbox not found",
    "address not found",
    "does not exist",
    "n'a pas pu être remis",
    "adresse introuvable",
};
static const char *const delay_words[] = {
    "has not yet been delivered", "not been delivered yet", "will keep trying",
    "will continue trying",       "still trying",           "will retry",
    "delivery delayed",           "message delayed",        "temporarily deferred",
};

/* The text/plain of the message (decoded, joined, at most TEXT_MAX bytes). */
char *
bounce_text_plain(const struct mime_message *m, size_t *out_len)
{
	struct buf b = {0};

	for (size_t i = 0; i < m->nparts && b.len < TEXT_MAX; i++) {
		const struct mime_part *p = &m->parts[i];
		size_t n;
		char *d;

		if (strcmp(p->type.type, "text") != 0 || strcmp(p->type.subtype, "plain") != 0)
			continue;
		d = mime_decode(p->body, p->len,
		                mime_header_get(&p->header, "Content-Transfer-Encoding"),
		                TEXT_MAX - b.len, &n);
		buf_add(&b, d, n);
		buf_add(&b, "\n", 1);
		free(d);
	}
	return buf_detach(&b, out_len);
}

/* 1 when the message comes from a mailer, not a person. */
static int
from_mailer(const struct mime_header *h)
{
	static const char *const subjects[] = {
	    "undeliver",          "undelivered",   "delivery status notification",
	    "failure notice",     "mail delivery", "returned mail",
	    "delivery failure",   "non remis",     "non distribuable",
	    "delivery has failed"};
	const char *from = mime_header_get(h, "From"), *rp = mime_header_get(h, "Return-Path");
	const char *subject = mime_header_get(h, "Subject");

	if (from != NULL && (find_ci(from, strlen(from), "mailer-daemon") != NULL ||
	                     find_ci(from, strlen(from), "postmaster") != NULL ||
	                     find_ci(from, strlen(from), "mail delivery") != NULL))
		return 1;
	if (rp != NULL && strstr(rp, "<>") != NULL)
		return 1;
	if (subject != NULL)
		for (size_t i = 0; i < sizeof(subjects) / sizeof(subjects[0]); i++)
			if (find_ci(subject, strlen(subject), subjects[i]) != NULL)
				return 1;
	return 0;
}

/* A qmail QSBMF recipient paragraph: "<addr>:" then its diagnostic lines. */
static void
qsbmf_recipient(const char *text, size_t len, struct bounce_result *r)
{
	size_t i = 0;

	while (i < len) {
		const char *lf = memchr(text + i, '\n', len - i);
		size_t end = lf ? (size_t)(lf - text) : len, ll = end - i;
		const char *line = text + i;

		while (ll > 0 && (line[ll - 1] == '\r' || line[ll - 1] == ' '))
			ll--;
		if (ll > 3 && line[0] == '<' && line[ll - 1] == ':' && line[ll - 2] == '>') {
			bounce_put_line(r->recipient, sizeof(r->recipient), line + 1, ll - 3);
			/* the diagnostic: the paragraph's next lines */
			size_t a = end + 1, b = a;
			while (b < len) {
				const char *l2 = memchr(text + b, '\n', len - b);
				size_t e2 = l2 ? (size_t)(l2 - text) : len;
				size_t k = b;
				while (k < e2 && (text[k] == ' ' || text[k] == '\r'))
					k++;
				if (k == e2)
					break;
				b = e2 + 1;
			}
			if (a < len && b > a)
				bounce_put_line(r->diagnostic, sizeof(r->diagnostic), text + a,
				                (b > len ? len : b) - a);
			return;
		}
		i = end + 1;
	}
}

/* A bounce without a report: fill r and return 1 when the text says failure or delay. */
int
bounce_text_read(const struct mime_message *m, const char *text, size_t len,
                 struct bounce_result *r)
{
	const char *hit = NULL;
	size_t pos = 0;
	int delayed = 0, cls;

	if (find_ci(text, len, "Hi. This is the qmail-send program") != NULL) {
		snprintf(r->format, sizeof(r->format), "qmail");
		qsbmf_recipient(text, len, r);
		cls = bounce_find_status(text, len, r->status, sizeof(r->status), &pos);
		if (cls == 0)
			snprintf(r->status, sizeof(r->status), "5.0.0");
		r->verdict = cls == 4 ? BOUNCE_DELAYED : BOUNCE_FAILED;
		snprintf(r->why, sizeof(r->why), "qmail bounce (QSBMF) %s", r->status);
		return 1;
	}
	if (!from_mailer(&m->header))
		return 0;
	for (size_t i = 0; i < sizeof(delay_words) / sizeof(delay_words[0]) && !hit; i++)
		if ((hit = find_ci(text, len, delay_words[i])) != NULL)
			delayed = 1;
	{
		const char *f = NULL;
		for (size_t i = 0; i < sizeof(fail_words) / sizeof(fail_words[0]) && !f; i++)
			f = find_ci(text, len, fail_words[i]);
		if (f != NULL && (!delayed || find_ci(text, len, "permanent") != NULL)) {
			hit = f;
			delayed = 0;
		}
	}
	if (hit == NULL)
		return 0;
	snprintf(r->format, sizeof(r->format), "text");
	/* the quoted original is not the diagnostic: search before it */
	{
		size_t scope = len;
		const char *cut = find_ci(text, len, "Message-ID:");
		if (cut != NULL)
			scope = (size_t)(cut - text);
		cls = bounce_find_status(text, scope, r->status, sizeof(r->status), &pos);
		if (cls != 0) {
			line_at(text, len, pos, r->diagnostic, sizeof(r->diagnostic));
		} else {
			/* an SMTP reply code "550 " without an enhanced status */
			for (size_t i = 0; i + 4 <= scope && cls == 0; i++)
				if ((text[i] == '5' || text[i] == '4') &&
				    isdigit((unsigned char)text[i + 1]) &&
				    isdigit((unsigned char)text[i + 2]) &&
				    (text[i + 3] == ' ' || text[i + 3] == '-') &&
				    (i == 0 || !isalnum((unsigned char)text[i - 1]))) {
					cls = text[i] - '0';
					snprintf(r->status, sizeof(r->status), "%c.0.0", text[i]);
					line_at(text, len, i, r->diagnostic, sizeof(r->diagnostic));
				}
			if (cls == 0)
				line_at(text, len, (size_t)(hit - text), r->diagnostic,
				        sizeof(r->diagnostic));
		}
	}
	if (delayed || cls == 4) {
		r->verdict = BOUNCE_DELAYED;
		if (r->status[0] == '\0')
			snprintf(r->status, sizeof(r->status), "4.0.0");
	} else {
		r->verdict = BOUNCE_FAILED;
		if (r->status[0] == '\0')
			snprintf(r->status, sizeof(r->status), "5.0.0");
	}
	snprintf(r->why, sizeof(r->why), "plain-text bounce %s", r->status);
	return 1;
}

int
bounce_text_auto_reply(const struct mime_header *h)
{
	static const char *const subjects[] = {
	    "out of office", "automatic reply",     "auto:",       "autoreply", "absence", "absent",
	    "vacation",      "réponse automatique", "abwesenheit", "congés"};
	const char *v, *s = mime_header_get(h, "Subject");

	if ((v = mime_header_get(h, "Auto-Submitted")) != NULL && strncasecmp(v, "no", 2) != 0)
		return 1;
	if (mime_header_get(h, "X-Autoreply") != NULL ||
	    mime_header_get(h, "X-Autorespond") != NULL)
		return 1;
	if ((v = mime_header_get(h, "Precedence")) != NULL && strcasecmp(v, "auto_reply") == 0)
		return 1;
	if (s != NULL)
		for (size_t i = 0; i < sizeof(subjects) / sizeof(subjects[0]); i++)
			if (find_ci(s, strlen(s), subjects[i]) != NULL)
				return 1;
	return 0;
}
