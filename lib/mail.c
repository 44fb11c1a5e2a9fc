#include "mail.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "french.h"
#include "text.h"
#include "when.h"

#define HEADER_WIDTH 78
#define QP_WIDTH 76
/* Bytes of UTF-8 per RFC 2047 encoded word: 48 base64 chars, 60 columns. */
#define EW_BYTES 36

char *
mail_clean(const char *s)
{
	size_t n = s ? strlen(s) : 0;
	/* Never longer than s: each byte, or valid sequence, gives as many. */
	char *r = xmalloc(n + 1);

	text_oneline(r, n + 1, s ? s : "", n, TEXT_CONTROL_SPACE | TEXT_BAD_UTF8 | TEXT_TRIM);
	return r;
}

static int
is_atext(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       (c != '\0' && strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL);
}

static int
is_alnum(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

int
mail_addr_valid(const char *addr, int allow_dotless)
{
	const char *at, *p, *label;
	size_t labels = 0;

	if (addr == NULL || strlen(addr) > 254 || (at = strchr(addr, '@')) == NULL ||
	    strchr(at + 1, '@') != NULL)
		return 0;
	/* local part: dot-atom */
	if (at == addr || at - addr > 64 || addr[0] == '.' || at[-1] == '.')
		return 0;
	for (p = addr; p < at; p++)
		if (!(is_atext((unsigned char)*p) || (*p == '.' && p[1] != '.')))
			return 0;
	/* domain: labels */
	label = at + 1;
	for (;;) {
		size_t n = strcspn(label, ".");
		if (n == 0 || n > 63 || label[0] == '-' || label[n - 1] == '-')
			return 0;
		for (size_t i = 0; i < n; i++)
			if (!is_alnum((unsigned char)label[i]) && label[i] != '-')
				return 0;
		labels++;
		if (label[n] == '\0')
			break;
		label += n + 1;
	}
	return labels >= 2 || allow_dotless;
}

int
mail_first_address(const char *emails, char **first)
{
	size_t n;
	char *raw;

	*first = NULL;
	if (emails == NULL)
		return 0;
	n = strcspn(emails, ";");
	raw = xmalloc(n + 1);
	memcpy(raw, emails, n);
	raw[n] = '\0';
	/* Trim spaces, tabs, CR and LF. */
	{
		size_t s = 0, e = n;
		while (s < e && strchr(" \t\r\n", raw[s]))
			s++;
		while (e > s && strchr(" \t\r\n", raw[e - 1]))
			e--;
		memmove(raw, raw + s, e - s);
		raw[e - s] = '\0';
	}
	if (raw[0] == '\0') {
		free(raw);
		return 0;
	}
	*first = raw;
	return 1;
}

int
mail_parse_mailbox(const char *text, char **name, char **addr)
{
	char *t = mail_clean(text), *lt, *gt, *nm, *ad;
	size_t nlen;

	*name = *addr = NULL;
	gt = strrchr(t, '>');
	lt = strrchr(t, '<');
	if (gt != NULL || lt != NULL) {
		if (gt == NULL || lt == NULL || gt < lt || gt[1] != '\0')
			goto bad;
		*gt = '\0';
		ad = xstrdup(lt + 1);
		*lt = '\0';
		nm = mail_clean(t);
		nlen = strlen(nm);
		if (nlen >= 2 && nm[0] == '"' && nm[nlen - 1] == '"') {
			/* Unquote: drop the quotes and the backslashes of quoted pairs. */
			size_t j = 0;
			for (size_t i = 1; i + 1 < nlen; i++) {
				if (nm[i] == '\\' && i + 2 < nlen)
					i++;
				nm[j++] = nm[i];
			}
			nm[j] = '\0';
		}
	} else {
		ad = xstrdup(t);
		nm = xstrdup("");
	}
	free(t);
	if (!mail_addr_valid(ad, 1)) {
		free(ad);
		free(nm);
		return -1;
	}
	*name = nm;
	*addr = ad;
	return 0;
bad:
	free(t);
	return -1;
}

void
mail_qp_encode(struct buf *out, const char *text, size_t len)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t i = 0;

	while (i < len) {
		const char *nl = memchr(text + i, '\n', len - i);
		size_t eol = nl != NULL ? (size_t)(nl - text) : len, col = 0, lastj = eol;
		char *w;

		/* The line's last character other than '\r' (none: lastj = eol). */
		for (size_t k = eol; k > i; k--)
			if (text[k - 1] != '\r') {
				lastj = k - 1;
				break;
			}
		/*
		 * At most 3 octets per byte, a soft break (3 octets) per 24 bytes at
		 * least (a broken line holds 73 octets or more), and the CRLF.
		 */
		buf_reserve(out, (eol - i) * 3 + ((eol - i) / 24 + 1) * 3 + 2);
		w = out->p + out->len;
		for (size_t j = i; j < eol; j++) {
			unsigned char c = (unsigned char)text[j];
			int last = j == lastj, plain;
			size_t n;

			if (c == '\r')
				continue;
			plain = (c >= 33 && c <= 126 && c != '=' && !(col == 0 && c == '.') &&
			         !(col == 0 && c == 'F' && eol - j >= 5 &&
			           memcmp(text + j, "From ", 5) == 0)) ||
			        ((c == ' ' || c == '\t') && !last);
			n = plain ? 1 : 3;
			/* Keep room for the soft break '=' unless this ends the line. */
			if (col + n > (last ? QP_WIDTH : QP_WIDTH - 1)) {
				memcpy(w, "=\r\n", 3);
				w += 3;
				col = 0;
				/* A '.' or "From " may now start a line: encode it. */
				if (n == 1 && (c == '.' || (c == 'F' && eol - j >= 5 &&
				                            memcmp(text + j, "From ", 5) == 0))) {
					plain = 0;
					n = 3;
				}
			}
			if (plain) {
				*w++ = (char)c;
			} else {
				w[0] = '=';
				w[1] = hex[c >> 4];
				w[2] = hex[c & 15];
				w += 3;
			}
			col += n;
		}
		memcpy(w, "\r\n", 2);
		w += 2;
		out->len = (size_t)(w - out->p);
		out->p[out->len] = '\0';
		i = eol + 1;
	}
}

/* Append one header token, after a space or a fold. */
static void
put_token(struct buf *out, size_t *col, const char *tok, size_t n, int first)
{
	if (first || *col + 1 + n <= HEADER_WIDTH) {
		buf_add(out, " ", 1);
		*col += 1;
	} else {
		buf_add(out, "\r\n ", 3);
		*col = 1;
	}
	buf_add(out, tok, n);
	*col += n;
}

/* Does the (clean) value need RFC 2047 encoding? */
static int
needs_encoding(const char *v, int phrase)
{
	size_t word = 0;

	if (strstr(v, "=?") != NULL)
		return 1;
	for (const unsigned char *p = (const unsigned char *)v; *p; p++) {
		if (*p >= 0x7f || *p < 0x20)
			return 1;
		if (phrase && *p != ' ' && !is_atext(*p))
			return 1;
		word = *p == ' ' ? 0 : word + 1;
		if (word > 70)
			return 1;
	}
	return 0;
}

/* Append the words of a clean value, encoded when needed, from column *col. */
static void
put_words(struct buf *out, size_t *col, const char *v, int phrase)
{
	int first = 1;

	if (!needs_encoding(v, phrase)) {
		const char *p = v;
		while (*p) {
			size_t n;
			while (*p == ' ')
				p++;
			n = strcspn(p, " ");
			if (n == 0)
				break;
			put_token(out, col, p, n, first);
			first = 0;
			p += n;
		}
		return;
	}
	for (size_t i = 0, len = strlen(v); i < len;) {
		struct buf w = {0};
		size_t n = 0;

		/* Take whole UTF-8 characters up to EW_BYTES (v is valid UTF-8). */
		while (i + n < len) {
			size_t c = text_utf8_len(v + i + n, len - i - n);
			if (c == 0)
				c = 1;
			if (n + c > EW_BYTES)
				break;
			n += c;
		}
		buf_adds(&w, "=?UTF-8?B?");
		buf_add_base64(&w, (const unsigned char *)v + i, n);
		buf_adds(&w, "?=");
		put_token(out, col, w.p, w.len, first);
		first = 0;
		buf_release(&w);
		i += n;
	}
}

void
mail_header_text(struct buf *out, const char *name, const char *value, int phrase)
{
	char *v = mail_clean(value);
	size_t col = strlen(name) + 1;

	buf_adds(out, name);
	buf_add(out, ":", 1);
	put_words(out, &col, v, phrase);
	buf_add(out, "\r\n", 2);
	free(v);
}

void
mail_header_mailbox(struct buf *out, const char *hname, const char *name, const char *addr)
{
	char *v = mail_clean(name);
	size_t col = strlen(hname) + 1;
	struct buf a = {0};

	buf_adds(out, hname);
	buf_add(out, ":", 1);
	if (v[0] != '\0') {
		put_words(out, &col, v, 1);
		buf_addf(&a, "<%s>", addr);
		put_token(out, &col, a.p, a.len, 0);
	} else {
		put_token(out, &col, addr, strlen(addr), 1);
	}
	buf_add(out, "\r\n", 2);
	buf_release(&a);
	free(v);
}

void
mail_date(int64_t t, int zone_minutes, char buf[MAIL_DATE_LEN])
{
	static const char *const wd[] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
	static const char *const mo[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
	                                 "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
	int32_t day = when_day_of(t);
	int64_t s = t - (int64_t)day * WHEN_DAY_SECS;
	int y, m, d, z = zone_minutes < 0 ? -zone_minutes : zone_minutes;

	when_ymd_from_day(day, &y, &m, &d);
	snprintf(buf, MAIL_DATE_LEN, "%s, %02d %s %04d %02d:%02d:%02d %c%02d%02d",
	         wd[when_weekday(day)], d, mo[m - 1], y, (int)(s / 3600), (int)(s / 60 % 60),
	         (int)(s % 60), zone_minutes < 0 ? '-' : '+', z / 60 % 100, z % 60);
}

char *
mail_message_id(enum mail_kind kind, long long ref, int64_t t, uint64_t random, const char *from)
{
	char *name = NULL, *addr = NULL, stamp[WHEN_DATETIME_LEN], digits[16];
	const char *domain = "localhost";
	struct buf b = {0};
	size_t j = 0;

	if (from != NULL && mail_parse_mailbox(from, &name, &addr) == 0)
		domain = strchr(addr, '@') + 1;
	when_format_datetime(t, stamp);
	for (size_t i = 0; stamp[i] && j + 1 < sizeof(digits); i++)
		if (stamp[i] >= '0' && stamp[i] <= '9')
			digits[j++] = stamp[i];
	digits[j] = '\0';
	buf_addf(&b, "<%s.%s.%lld.%016llx@%s>", digits, kind == MAIL_NOTICE ? "notice" : "report",
	         ref, (unsigned long long)random, domain);
	free(name);
	free(addr);
	return buf_detach(&b, NULL);
}

/* The text and HTML bodies, built side by side. */
struct body {
	struct buf text, html;
};

static void
html_escape(struct buf *b, const char *s)
{
	for (;;) {
		size_t n = strcspn(s, "&<>\"'");

		if (n > 0)
			buf_add(b, s, n);
		s += n;
		switch (*s) {
		case '\0':
			return;
		case '&':
			buf_add(b, "&amp;", 5);
			break;
		case '<':
			buf_add(b, "&lt;", 4);
			break;
		case '>':
			buf_add(b, "&gt;", 4);
			break;
		case '"':
			buf_add(b, "&quot;", 6);
			break;
		default: /* '\'' */
			buf_add(b, "&#39;", 5);
		}
		s++;
	}
}

/* A paragraph of our own words (no markup needed, but escaped anyway). */
static void
paragraph(struct body *bd, const char *s)
{
	buf_adds(&bd->text, s);
	buf_add(&bd->text, "\n\n", 2);
	buf_adds(&bd->html, "<p>");
	html_escape(&bd->html, s);
	buf_adds(&bd->html, "</p>\n");
}

/* LABEL then "16h30" for m minutes since midnight (m >= 0). */
static void
add_time(struct buf *b, const char *label, int m)
{
	char t[6];
	int h = m / 60, mm = m % 60;

	if (h > 99) {
		buf_addf(b, "%s%02dh%02d", label, h, mm);
		return;
	}
	t[0] = (char)('0' + h / 10);
	t[1] = (char)('0' + h % 10);
	t[2] = 'h';
	t[3] = (char)('0' + mm / 10);
	t[4] = (char)('0' + mm % 10);
	t[5] = '\0';
	buf_adds(b, label);
	buf_add(b, t, 5);
}

/* "Accueil du soir (arrivée 16h30, départ 18h00)" into b (clean input). */
static void
describe(struct buf *b, const struct mail_item *it, const char *activity)
{
	buf_adds(b, activity);
	if (it->arrival >= 0 && it->departure >= 0) {
		add_time(b, " (arrivée ", it->arrival);
		add_time(b, ", départ ", it->departure);
		buf_add(b, ")", 1);
	} else if (it->arrival >= 0) {
		add_time(b, " (arrivée ", it->arrival);
		buf_add(b, ")", 1);
	} else if (it->departure >= 0) {
		add_time(b, " (départ ", it->departure);
		buf_add(b, ")", 1);
	}
}

static void
items_list(struct body *bd, enum mail_kind kind, const struct mail_item *items, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const struct mail_item *it = &items[i];
		char date[FRENCH_DATE_LEN], outcome[96];
		char *child, *activity;
		struct buf what = {0};

		if (i == 0 || strcmp(items[i - 1].child_key ? items[i - 1].child_key : "",
		                     it->child_key ? it->child_key : "") != 0) {
			child = mail_clean(it->child_name);
			if (i > 0)
				buf_adds(&bd->html, "</ul>\n");
			buf_adds(&bd->text, child);
			buf_add(&bd->text, "\n", 1);
			buf_adds(&bd->html, "<p><strong>");
			html_escape(&bd->html, child);
			buf_adds(&bd->html, "</strong></p>\n<ul>\n");
			free(child);
		}
		french_date(it->day, date);
		activity = mail_clean(it->activity);
		describe(&what, it, activity);
		buf_add(&bd->text, "  - ", 4);
		buf_adds(&bd->text, date);
		buf_add(&bd->text, " : ", 3);
		buf_add(&bd->text, what.p, what.len);
		buf_add(&bd->text, "\n", 1);
		buf_adds(&bd->html, "<li>");
		html_escape(&bd->html, date);
		buf_adds(&bd->html, " : ");
		html_escape(&bd->html, what.p);
		if (kind == MAIL_REPORT) {
			french_outcome(it->state, it->reason, it->position, outcome,
			               sizeof(outcome));
			buf_add(&bd->text, "    ", 4);
			buf_adds(&bd->text, french_action(it->action));
			buf_adds(&bd->text, " — ");
			buf_adds(&bd->text, outcome);
			buf_add(&bd->text, "\n", 1);
			buf_adds(&bd->html, "<br>");
			html_escape(&bd->html, french_action(it->action));
			buf_adds(&bd->html, " — ");
			html_escape(&bd->html, outcome);
		}
		buf_adds(&bd->html, "</li>\n");
		if (i + 1 == n || strcmp(it->child_key ? it->child_key : "",
		                         items[i + 1].child_key ? items[i + 1].child_key : "") != 0)
			buf_adds(&bd->text, "\n");
		buf_release(&what);
		free(activity);
	}
	if (n > 0)
		buf_adds(&bd->html, "</ul>\n");
}

static void
signature(struct body *bd, const char *sig)
{
	char *s = mail_clean(sig != NULL && sig[0] != '\0'
	                         ? sig
	                         : "Le Portail Famille\\n(message envoyé automatiquement)");
	const char *p = s;

	buf_adds(&bd->text, "Cordialement,\n\n");
	buf_adds(&bd->html, "<p>Cordialement,</p>\n<p>");
	for (;;) {
		const char *nl = strstr(p, "\\n");
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		char *line = xmalloc(n + 1);

		memcpy(line, p, n);
		line[n] = '\0';
		buf_addf(&bd->text, "%s\n", line);
		html_escape(&bd->html, line);
		free(line);
		if (nl == NULL)
			break;
		buf_adds(&bd->html, "<br>\n");
		p = nl + 2;
	}
	buf_adds(&bd->html, "</p>\n");
	free(s);
}

static const char REPORT_INTRO[] =
    "Voici le compte-rendu du traitement de vos demandes de réservation et d'annulation "
    "transmises au Portail Famille.";
static const char REPORT_WAITLIST[] =
    "Pour les demandes en liste d'attente, vous serez averti par courriel si une place se "
    "libère. Si vous ne souhaitez plus l'une de ces places, pensez à annuler votre demande "
    "le plus tôt possible.";
static const char NOTICE_INTRO[] =
    "Bonne nouvelle : une place s'est libérée. Les demandes suivantes, qui étaient en liste "
    "d'attente, sont maintenant acceptées :";
static const char NOTICE_CANCEL[] =
    "Si vous ne souhaitez plus cette place, pensez à annuler votre demande le plus tôt "
    "possible : elle pourra ainsi profiter à une autre famille.";

int
mail_compose(enum mail_kind kind, const struct mail_head *h, const struct mail_item *items,
             size_t n, struct mail_out *out, struct err *e)
{
	char *from_name = NULL, *from_addr = NULL, *rt_name = NULL, *rt_addr = NULL;
	char date[MAIL_DATE_LEN], fdate[FRENCH_DATE_LEN], boundary[96];
	struct body bd = {{0}, {0}};
	struct buf subject = {0}, msg = {0};
	int waitlisted = 0, rc = -1;
	size_t idlen;
	const char *id = h->message_id ? h->message_id : "<nocturne@localhost>";

	memset(out, 0, sizeof(*out));
	if (mail_parse_mailbox(h->from, &from_name, &from_addr) < 0) {
		err_set(e, ERR_CONFIG, "[mail] from '%s' is not a valid mailbox", h->from);
		goto done;
	}
	if (h->reply_to != NULL && h->reply_to[0] != '\0' &&
	    mail_parse_mailbox(h->reply_to, &rt_name, &rt_addr) < 0) {
		err_set(e, ERR_CONFIG, "[mail] reply_to '%s' is not a valid mailbox", h->reply_to);
		goto done;
	}

	french_date(when_day_of(h->date), fdate);
	if (kind == MAIL_REPORT)
		buf_addf(&subject, "Portail Famille : compte-rendu du %s", fdate);
	else
		buf_adds(&subject, "Portail Famille : place accordée sur liste d'attente");

	buf_adds(&bd.html, "<!DOCTYPE html>\n<html lang=\"fr\">\n<head>\n<meta charset=\"utf-8\">\n"
	                   "<title>");
	html_escape(&bd.html, subject.p);
	buf_adds(&bd.html, "</title>\n</head>\n<body>\n");
	paragraph(&bd, "Bonjour,");
	paragraph(&bd, kind == MAIL_REPORT ? REPORT_INTRO : NOTICE_INTRO);
	items_list(&bd, kind, items, n);
	for (size_t i = 0; i < n; i++)
		waitlisted |= items[i].waitlisted;
	if (kind == MAIL_REPORT && waitlisted)
		paragraph(&bd, REPORT_WAITLIST);
	if (kind == MAIL_NOTICE)
		paragraph(&bd, NOTICE_CANCEL);
	signature(&bd, h->signature);
	buf_adds(&bd.html, "</body>\n</html>\n");

	/* "=_" never occurs in quoted-printable text: a safe boundary. */
	idlen = strcspn(id + 1, "@>");
	snprintf(boundary, sizeof(boundary), "=_nocturne_%.*s", (int)(idlen > 60 ? 60 : idlen),
	         id + 1);

	mail_date(h->date, h->zone_minutes, date);
	buf_addf(&msg, "Date: %s\r\n", date);
	mail_header_mailbox(&msg, "From", from_name, from_addr);
	if (rt_addr != NULL)
		mail_header_mailbox(&msg, "Reply-To", rt_name, rt_addr);
	if (h->to_addr != NULL && mail_addr_valid(h->to_addr, 0))
		mail_header_mailbox(&msg, "To", h->to_name ? h->to_name : "", h->to_addr);
	mail_header_text(&msg, "Subject", subject.p, 0);
	{
		char *clean_id = mail_clean(id);
		buf_addf(&msg, "Message-ID: %s\r\n", clean_id);
		free(clean_id);
	}
	buf_adds(&msg, "MIME-Version: 1.0\r\n"
	               "Auto-Submitted: auto-generated\r\n"
	               "X-Auto-Response-Suppress: All\r\n");
	buf_addf(&msg, "X-Nocturne-Kind: %s\r\n", kind == MAIL_NOTICE ? "notice" : "report");
	buf_addf(&msg, "Content-Type: multipart/alternative;\r\n boundary=\"%s\"\r\n\r\n",
	         boundary);
	buf_addf(&msg,
	         "--%s\r\n"
	         "Content-Type: text/plain; charset=UTF-8\r\n"
	         "Content-Transfer-Encoding: quoted-printable\r\n\r\n",
	         boundary);
	mail_qp_encode(&msg, bd.text.p, bd.text.len);
	buf_addf(&msg,
	         "\r\n--%s\r\n"
	         "Content-Type: text/html; charset=UTF-8\r\n"
	         "Content-Transfer-Encoding: quoted-printable\r\n\r\n",
	         boundary);
	mail_qp_encode(&msg, bd.html.p, bd.html.len);
	buf_addf(&msg, "\r\n--%s--\r\n", boundary);

	out->subject = buf_detach(&subject, NULL);
	out->text = buf_detach(&bd.text, NULL);
	out->content = buf_detach(&msg, &out->length);
	rc = 0;
done:
	buf_release(&subject);
	buf_release(&msg);
	buf_release(&bd.text);
	buf_release(&bd.html);
	free(from_name);
	free(from_addr);
	free(rt_name);
	free(rt_addr);
	return rc;
}

void
mail_out_release(struct mail_out *out)
{
	free(out->subject);
	free(out->text);
	free(out->content);
	memset(out, 0, sizeof(*out));
}
