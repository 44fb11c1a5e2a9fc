#include "bounce.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "bounce_int.h"
#include "err.h"
#include "mail.h"
#include "mime_read.h"
#include "text.h"

/* At most this many per-recipient groups are read from one report. */
#define GROUPS_MAX 100

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
void
bounce_put_line(char *out, size_t n, const char *s, size_t len)
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
void
bounce_take_message_id(const char *v, char *out, size_t n)
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
int
bounce_find_status(const char *text, size_t len, char *out, size_t n, size_t *where)
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
		r->class = bounce_find_status(r->diag, len, r->status, sizeof(r->status), NULL);
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
					bounce_put_line(r->recipient, sizeof(r->recipient),
					                after_type(best.final),
					                strlen(after_type(best.final)));
				else
					r->recipient[0] = '\0';
				if (best.diag)
					bounce_put_line(r->diagnostic, sizeof(r->diagnostic),
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
			bounce_take_message_id(mime_header_get(&rh, "Message-ID"), r->message_id,
			                       sizeof(r->message_id));
			mime_header_release(&rh);
			free(d);
		}
	}
	if (dsn) {
		snprintf(r->format, sizeof(r->format), "rfc3464");
	} else {
		text = bounce_text_plain(m, &tlen);
		if (!bounce_text_read(m, text, tlen, r)) {
			r->verdict =
			    bounce_text_auto_reply(&m->header) ? BOUNCE_AUTOREPLY : BOUNCE_NOT;
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
		bounce_text_message_id(text, tlen, r->message_id, sizeof(r->message_id));
	if (cut || m->truncated) {
		size_t k = strlen(r->why);
		snprintf(r->why + k, sizeof(r->why) - k, "%s",
		         cut ? " (read the first 16 MiB)" : " (structure cut at the limits)");
	}
	free(text);
	mime_message_release(m);
	free(m);
}
