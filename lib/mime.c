#include "mime.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "text.h"
#include "when.h"

#define HEADER_WIDTH 78
#define QP_WIDTH 76
/* Bytes of UTF-8 per RFC 2047 encoded word: 48 base64 chars, 60 columns. */
#define EW_BYTES 36

char *
mime_clean(const char *s)
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
mime_addr_valid(const char *addr, int allow_dotless)
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
mime_first_address(const char *emails, char **first)
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
mime_parse_mailbox(const char *text, char **name, char **addr)
{
	char *t = mime_clean(text), *lt, *gt, *nm, *ad;
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
		nm = mime_clean(t);
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
	if (!mime_addr_valid(ad, 1)) {
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

char *
mime_verp(const char *addr, long long ref)
{
	const char *at;
	struct buf b = {0};
	char *v;

	if (!mime_addr_valid(addr, 1) || ref < 0)
		return NULL;
	at = strrchr(addr, '@');
	buf_add(&b, addr, (size_t)(at - addr));
	buf_addf(&b, "+m%lld%s", ref, at);
	v = buf_detach(&b, NULL);
	if (!mime_addr_valid(v, 1)) {
		free(v);
		return NULL;
	}
	return v;
}

void
mime_base64_lines(struct buf *out, const char *s, size_t n)
{
	/* 57 octets make one line of 76 base64 characters. */
	for (size_t i = 0; i < n; i += 57) {
		buf_add_base64(out, (const unsigned char *)s + i, n - i < 57 ? n - i : 57);
		buf_add(out, "\r\n", 2);
	}
}

void
mime_qp_encode(struct buf *out, const char *text, size_t len)
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
mime_header_text(struct buf *out, const char *name, const char *value, int phrase)
{
	char *v = mime_clean(value);
	size_t col = strlen(name) + 1;

	buf_adds(out, name);
	buf_add(out, ":", 1);
	put_words(out, &col, v, phrase);
	buf_add(out, "\r\n", 2);
	free(v);
}

void
mime_header_mailbox(struct buf *out, const char *hname, const char *name, const char *addr)
{
	char *v = mime_clean(name);
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
mime_date(int64_t t, int zone_minutes, char buf[MIME_DATE_LEN])
{
	static const char *const wd[] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
	static const char *const mo[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
	                                 "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
	int32_t day = when_day_of(t);
	int64_t s = t - (int64_t)day * WHEN_DAY_SECS;
	int y, m, d, z = zone_minutes < 0 ? -zone_minutes : zone_minutes;

	when_ymd_from_day(day, &y, &m, &d);
	snprintf(buf, MIME_DATE_LEN, "%s, %02d %s %04d %02d:%02d:%02d %c%02d%02d",
	         wd[when_weekday(day)], d, mo[m - 1], y, (int)(s / 3600), (int)(s / 60 % 60),
	         (int)(s % 60), zone_minutes < 0 ? '-' : '+', z / 60 % 100, z % 60);
}
