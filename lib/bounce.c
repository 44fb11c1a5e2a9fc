#include "bounce.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "err.h"
#include "mail.h"
#include "mime_read.h"
#include "text.h"

/* At most this many per-recipient groups are read from one report. */
#define GROUPS_MAX 100
/* The plain text searched for a bounce's wording. */
#define TEXT_MAX (64u << 10)

const char *
bounce_verdict_name(enum bounce_verdict v)
{
	switch (v) {
	case BOUNCE_FAILED:
		return "bounced";
	case BOUNCE_DELAYED:
		return "delayed";
	case BOUNCE_AUTOREPLY:
		return "auto-reply";
	case BOUNCE_NOT:
		break;
	}
	return "not a bounce";
}

/* Copy s into out (size n) as one printable line (text_oneline: controls and
 * bad UTF-8 out, trimmed), runs of spaces collapsed, cut on a UTF-8 boundary. */
static void
put_line(char *out, size_t n, const char *s, size_t len)
{
	char *c = xmalloc(len + 1);
	size_t k = text_oneline(c, len + 1, s, len, TEXT_CONTROL_SPACE | TEXT_BAD_UTF8 | TEXT_TRIM);

	/* collapse runs of spaces (unfolded header lines keep their indentation) */
	for (size_t i = 0, j = 0;; i++) {
		if (c[i] == ' ' && j > 0 && c[j - 1] == ' ')
			continue;
		c[j++] = c[i];
		if (c[i] == '\0') {
			k = j - 1;
			break;
		}
	}
	text_oneline(out, n, c, k, 0);
	free(c);
}

/* The address inside a header value: between < >, else the first token with an '@'. */
static int
extract_addr(const char *v, char *out, size_t n)
{
	const char *a = strchr(v, '<'), *b;
	size_t len;

	if (a != NULL && (b = strchr(a, '>')) != NULL) {
		a++;
	} else {
		const char *at = strchr(v, '@');
		if (at == NULL)
			return 0;
		a = at;
		while (a > v && !strchr(" \t,;:\"", a[-1]))
			a--;
		b = at;
		while (*b != '\0' && !strchr(" \t,;\"", *b))
			b++;
	}
	len = (size_t)(b - a);
	if (len == 0 || len >= n)
		return 0;
	memcpy(out, a, len);
	out[len] = '\0';
	return 1;
}

long long
bounce_verp_ref(const char *addr, const char *return_path)
{
	char a[320], rp[320];
	const char *rat, *aat, *p;
	size_t llen;
	long long ref = 0;

	if (addr == NULL || return_path == NULL || !extract_addr(addr, a, sizeof(a)) ||
	    !extract_addr(return_path, rp, sizeof(rp)))
		return 0;
	rat = strrchr(rp, '@');
	aat = strrchr(a, '@');
	if (rat == NULL || aat == NULL || strcasecmp(rat, aat) != 0)
		return 0;
	llen = (size_t)(rat - rp);
	if ((size_t)(aat - a) < llen + 3 || memcmp(a, rp, llen) != 0 || a[llen] != '+' ||
	    (a[llen + 1] != 'm' && a[llen + 1] != 'M'))
		return 0;
	for (p = a + llen + 2; p < aat; p++) {
		if (*p < '0' || *p > '9' || ref > 99999999999LL)
			return 0;
		ref = ref * 10 + (*p - '0');
	}
	return ref;
}

/* The first "<...>" of a Message-ID value into out. */
static void
take_message_id(const char *v, char *out, size_t n)
{
	const char *a, *b;

	if (v == NULL || out[0] != '\0' || (a = strchr(v, '<')) == NULL ||
	    (b = strchr(a, '>')) == NULL || (size_t)(b - a + 1) >= n || b - a < 3)
		return;
	for (const char *c = a; c <= b; c++)
		if ((unsigned char)*c <= 32 || (unsigned char)*c >= 127)
			return;
	memcpy(out, a, (size_t)(b - a + 1));
	out[b - a + 1] = '\0';
}

/* A status "D.D{1,3}.D{1,3}" at s (what follows may be a comment): its class, else 0. */
static int
status_at(const char *s, char *out, size_t n)
{
	size_t k = 0;
	int dots = 0, digits = 0;

	if (s[0] < '2' || s[0] > '5' || s[1] != '.')
		return 0;
	for (k = 0; s[k] != '\0'; k++) {
		if (s[k] == '.') {
			if (k > 0 && s[k - 1] == '.')
				return 0;
			dots++;
			digits = 0;
		} else if (s[k] >= '0' && s[k] <= '9') {
			if (++digits > 3)
				return 0;
		} else {
			break;
		}
	}
	if (dots != 2 || digits == 0 || s[k - 1] == '.' || k >= n || (s[k] == '.'))
		return 0;
	memcpy(out, s, k);
	out[k] = '\0';
	return s[0] - '0';
}

/* The first status found in text (not part of a longer dotted number): its class, else 0. */
static int
find_status(const char *text, size_t len, char *out, size_t n, size_t *where)
{
	for (size_t i = 0; i + 5 <= len; i++) {
		if ((text[i] != '4' && text[i] != '5') || text[i + 1] != '.')
			continue;
		if (i > 0 && (isdigit((unsigned char)text[i - 1]) || text[i - 1] == '.'))
			continue;
		char tmp[16];
		size_t k = 0;
		while (k + 1 < sizeof(tmp) && i + k < len &&
		       (isdigit((unsigned char)text[i + k]) || text[i + k] == '.'))
			tmp[k] = text[i + k], k++;
		tmp[k] = '\0';
		if (k + 1 < sizeof(tmp) && status_at(tmp, out, n)) {
			if (where)
				*where = i;
			return out[0] - '0';
		}
	}
	return 0;
}

/* The value after "type;" of a DSN field ("rfc822; a@b" -> "a@b"). */
static const char *
after_type(const char *v)
{
	const char *s = strchr(v, ';');

	if (s == NULL)
		return v;
	for (s++; *s == ' ' || *s == '\t'; s++)
		;
	return s;
}

/* What one per-recipient group says. */
struct dsn_rcpt {
	int action; /* 'f'ailed, 'd'elayed, 's'uccess (delivered, relayed, expanded), 0 */
	int class;  /* of the status, 0 none */
	char status[16];
	const char *final, *diag;
};

static void
read_group(const struct mime_header *g, struct dsn_rcpt *r)
{
	const char *v;

	memset(r, 0, sizeof(*r));
	if ((v = mime_header_get(g, "Action")) != NULL) {
		while (*v == ' ')
			v++;
		if (strncasecmp(v, "failed", 6) == 0)
			r->action = 'f';
		else if (strncasecmp(v, "delayed", 7) == 0)
			r->action = 'd';
		else if (strncasecmp(v, "delivered", 9) == 0 || strncasecmp(v, "relayed", 7) == 0 ||
		         strncasecmp(v, "expanded", 8) == 0)
			r->action = 's';
	}
	if ((v = mime_header_get(g, "Status")) != NULL)
		r->class = status_at(v, r->status, sizeof(r->status));
	r->final = mime_header_get(g, "Final-Recipient");
	if (r->final == NULL)
		r->final = mime_header_get(g, "Original-Recipient");
	r->diag = mime_header_get(g, "Diagnostic-Code");
	if (r->diag == NULL)
		r->diag = mime_header_get(g, "X-Exim-Diagnostic");
	if (r->diag != NULL && r->class == 0) {
		size_t len = strlen(r->diag);
		r->class = find_status(r->diag, len, r->status, sizeof(r->status), NULL);
	}
}

/* Fill r from the report's per-recipient groups; 1 when the report said something. */
static int
read_dsn(const char *body, size_t len, struct bounce_result *r)
{
	struct dsn_rcpt best, cur;
	size_t off = 0, groups = 0;
	int have = 0;

	memset(&best, 0, sizeof(best));
	/* the per-message group first, then one group per recipient */
	while (off < len && groups < GROUPS_MAX + 1) {
		struct mime_header g;
		size_t next;

		mime_header_parse(body + off, len - off, 0, &g, &next);
		if (g.n == 0) {
			/* a blank or stray line: skip it */
			const char *lf = memchr(body + off, '\n', len - off);
			mime_header_release(&g);
			if (next == 0)
				next = lf ? (size_t)(lf - (body + off)) + 1 : len - off;
			off += next;
			continue;
		}
		groups++;
		read_group(&g, &cur);
		if (cur.action != 0 || cur.class != 0) {
			/* a failure wins over a delay, a delay over a success */
			int rank = cur.action == 'f' || (cur.action == 0 && cur.class == 5) ? 3
			           : cur.action == 'd' || cur.class == 4                    ? 2
			                                                                    : 1;
			int brank = !have ? 0
			            : best.action == 'f' || (best.action == 0 && best.class == 5)
			                ? 3
			            : best.action == 'd' || best.class == 4 ? 2
			                                                    : 1;
			if (rank > brank) {
				best = cur;
				if (best.final)
					put_line(r->recipient, sizeof(r->recipient),
					         after_type(best.final),
					         strlen(after_type(best.final)));
				else
					r->recipient[0] = '\0';
				if (best.diag)
					put_line(r->diagnostic, sizeof(r->diagnostic),
					         after_type(best.diag),
					         strlen(after_type(best.diag)));
				else
					r->diagnostic[0] = '\0';
				snprintf(r->status, sizeof(r->status), "%s", best.status);
				have = 1;
			}
		}
		mime_header_release(&g);
		off += next > 0 ? next : len - off;
	}
	if (!have)
		return 0;
	if ((best.action == 'f' || best.action == 0) && best.class == 5) {
		r->verdict = BOUNCE_FAILED;
	} else if (best.action == 'f' && best.class == 0) {
		/* failed without a status: RFC 3464 requires one; count it permanent */
		r->verdict = BOUNCE_FAILED;
		snprintf(r->status, sizeof(r->status), "5.0.0");
	} else if (best.action == 'f' || best.action == 'd' || best.class == 4) {
		r->verdict = BOUNCE_DELAYED;
	} else {
		r->verdict = BOUNCE_NOT;
		snprintf(r->why, sizeof(r->why), "a delivery report of success (Action: %s)",
		         best.action == 's' ? "delivered/relayed" : "none");
		return 1;
	}
	snprintf(r->why, sizeof(r->why), "RFC 3464 report: %s %s",
	         best.action == 'f'   ? "failed"
	         : best.action == 'd' ? "delayed"
	                              : "status",
	         r->status[0] ? r->status : "(no status)");
	return 1;
}

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
static void
text_message_id(const char *text, size_t len, char *out, size_t n)
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
			put_line(tmp, sizeof(tmp), line + 11, ll - 11);
			take_message_id(tmp, out, n);
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
	put_line(out, n, text + a, b - a);
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
static char *
plain_text(const struct mime_message *m, size_t *out_len)
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
			put_line(r->recipient, sizeof(r->recipient), line + 1, ll - 3);
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
				put_line(r->diagnostic, sizeof(r->diagnostic), text + a,
				         (b > len ? len : b) - a);
			return;
		}
		i = end + 1;
	}
}

/* A bounce without a report: fill r and return 1 when the text says failure or delay. */
static int
read_text(const struct mime_message *m, const char *text, size_t len, struct bounce_result *r)
{
	const char *hit = NULL;
	size_t pos = 0;
	int delayed = 0, cls;

	if (find_ci(text, len, "Hi. This is the qmail-send program") != NULL) {
		snprintf(r->format, sizeof(r->format), "qmail");
		qsbmf_recipient(text, len, r);
		cls = find_status(text, len, r->status, sizeof(r->status), &pos);
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
		cls = find_status(text, scope, r->status, sizeof(r->status), &pos);
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

static int
auto_reply(const struct mime_header *h)
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

/* The VERP ref from the envelope recipient or the header fields an MTA writes it in. */
static long long
find_verp(const struct mime_header *h, const struct bounce_env *env)
{
	static const char *const fields[] = {"Delivered-To", "X-Original-To", "Envelope-To",
	                                     "X-Envelope-To", "To"};
	long long ref;

	if (env == NULL || env->return_path == NULL || env->return_path[0] == '\0')
		return 0;
	if (env->recipient != NULL && (ref = bounce_verp_ref(env->recipient, env->return_path)) > 0)
		return ref;
	for (size_t k = 0; k < sizeof(fields) / sizeof(fields[0]); k++)
		for (size_t i = 0; i < h->n; i++)
			if (strcasecmp(h->f[i].name, fields[k]) == 0 &&
			    (ref = bounce_verp_ref(h->f[i].value, env->return_path)) > 0)
				return ref;
	return 0;
}

void
bounce_parse(const char *msg, size_t len, const struct bounce_env *env, struct bounce_result *r)
{
	struct mime_message *m;
	char *text = NULL;
	size_t tlen = 0;
	int dsn = 0, cut = len > BOUNCE_INPUT_MAX;

	memset(r, 0, sizeof(*r));
	if (cut)
		len = BOUNCE_INPUT_MAX;
	if (len == 0) {
		/* Nothing to read, but the envelope may still name the message. */
		if (env->recipient != NULL)
			r->ref = bounce_verp_ref(env->recipient, env->return_path);
		if (r->ref < 0)
			r->ref = 0;
		snprintf(r->why, sizeof(r->why), "empty message");
		return;
	}
	m = xcalloc(1, sizeof(*m));
	mime_message_read(msg, len, m);
	r->ref = find_verp(&m->header, env);

	for (size_t i = 0; i < m->nparts; i++) {
		const struct mime_part *p = &m->parts[i];
		const char *cte = mime_header_get(&p->header, "Content-Transfer-Encoding");
		size_t n;
		char *d;

		if (strcmp(p->type.type, "message") == 0 &&
		    (strcmp(p->type.subtype, "delivery-status") == 0 ||
		     strcmp(p->type.subtype, "global-delivery-status") == 0) &&
		    !dsn) {
			d = mime_decode(p->body, p->len, cte, BOUNCE_PART_MAX, &n);
			dsn = read_dsn(d, n, r);
			free(d);
		} else if ((strcmp(p->type.type, "message") == 0 &&
		            (strcmp(p->type.subtype, "rfc822") == 0 ||
		             strcmp(p->type.subtype, "rfc822-headers") == 0 ||
		             strcmp(p->type.subtype, "global") == 0 ||
		             strcmp(p->type.subtype, "global-headers") == 0)) ||
		           (strcmp(p->type.type, "text") == 0 &&
		            strcmp(p->type.subtype, "rfc822-headers") == 0)) {
			struct mime_header rh;
			size_t body;

			d = mime_decode(p->body, p->len, cte, BOUNCE_PART_MAX, &n);
			mime_header_parse(d, n, 1, &rh, &body);
			take_message_id(mime_header_get(&rh, "Message-ID"), r->message_id,
			                sizeof(r->message_id));
			mime_header_release(&rh);
			free(d);
		}
	}
	if (dsn) {
		snprintf(r->format, sizeof(r->format), "rfc3464");
	} else {
		text = plain_text(m, &tlen);
		if (!read_text(m, text, tlen, r)) {
			r->verdict = auto_reply(&m->header) ? BOUNCE_AUTOREPLY : BOUNCE_NOT;
			if (r->verdict == BOUNCE_AUTOREPLY) {
				snprintf(r->format, sizeof(r->format), "auto-reply");
				snprintf(r->why, sizeof(r->why), "an auto-reply without a failure");
			} else {
				snprintf(r->why, sizeof(r->why),
				         "no delivery report and no bounce wording (%s/%s)",
				         m->type.type, m->type.subtype);
				/* the type is the message's own text: one printable line */
				for (char *c = r->why; *c != '\0'; c++)
					if (text_is_control((unsigned char)*c))
						*c = '?';
			}
		}
	}
	if (r->message_id[0] == '\0' && text != NULL && r->verdict != BOUNCE_NOT &&
	    r->verdict != BOUNCE_AUTOREPLY)
		text_message_id(text, tlen, r->message_id, sizeof(r->message_id));
	if (cut || m->truncated) {
		size_t k = strlen(r->why);
		snprintf(r->why + k, sizeof(r->why) - k, "%s",
		         cut ? " (read the first 16 MiB)" : " (structure cut at the limits)");
	}
	free(text);
	mime_message_release(m);
	free(m);
}
