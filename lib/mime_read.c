#include "mime_read.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "err.h"

/* The end of the line starting at p[i] (the offset of its LF, or len), and the next line. */
static size_t
line_end(const char *p, size_t len, size_t i, size_t *next)
{
	const char *lf = memchr(p + i, '\n', len - i);
	size_t end = lf ? (size_t)(lf - p) : len;

	*next = lf ? end + 1 : len;
	return end;
}

/* Append s[0..n) to the growing value *v (length *vlen, capacity *cap), cut at MIME_VALUE_MAX. */
static void
value_add(char **v, size_t *vlen, size_t *cap, const char *s, size_t n)
{
	if (*vlen >= MIME_VALUE_MAX)
		return;
	if (n > MIME_VALUE_MAX - *vlen)
		n = MIME_VALUE_MAX - *vlen;
	if (*vlen + n + 1 > *cap) {
		size_t c = *cap ? *cap : 64;
		while (c < *vlen + n + 1)
			c *= 2;
		*v = xrealloc(*v, c);
		*cap = c;
	}
	for (size_t k = 0; k < n; k++)
		if (s[k] != '\r' && s[k] != '\0')
			(*v)[(*vlen)++] = s[k];
	(*v)[*vlen] = '\0';
}

static void
trim(char *s)
{
	size_t n = strlen(s), a = 0;

	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	while (a < n && (s[a] == ' ' || s[a] == '\t'))
		a++;
	memmove(s, s + a, n - a);
	s[n - a] = '\0';
}

/* The length of the field name at the start of line[0..n), or 0 when it is not a field. */
static size_t
field_name_len(const char *line, size_t n)
{
	size_t k = 0;

	while (k < n && line[k] != ':') {
		unsigned char c = (unsigned char)line[k];
		if (c <= 32 || c >= 127)
			return 0;
		k++;
	}
	return k < n && k > 0 ? k : 0;
}

void
mime_header_parse(const char *p, size_t len, int skip_from, struct mime_header *h, size_t *body)
{
	size_t i = 0, next, cap_f = 0, vlen = 0, vcap = 0;
	int open = 0; /* the last field is stored and may continue */

	memset(h, 0, sizeof(*h));
	if (skip_from && len >= 5 && memcmp(p, "From ", 5) == 0)
		line_end(p, len, 0, &i);
	while (i < len) {
		size_t end = line_end(p, len, i, &next), n = end - i, name;
		const char *line = p + i;

		if (n > 0 && line[n - 1] == '\r')
			n--;
		if (n == 0) { /* the empty line: the body follows */
			i = next;
			break;
		}
		if (line[0] == ' ' || line[0] == '\t') {
			if (open)
				value_add(&h->f[h->n - 1].value, &vlen, &vcap, line, n);
			i = next;
			continue;
		}
		if ((name = field_name_len(line, n)) == 0)
			break; /* not a field: the header ends, this line is body */
		if (open)
			trim(h->f[h->n - 1].value);
		open = 0;
		if (h->n < MIME_FIELDS_MAX) {
			struct mime_field *f;
			size_t nl = name > 76 ? 76 : name;

			xgrow(&h->f, &cap_f, h->n + 1, sizeof(*h->f));
			f = &h->f[h->n++];
			f->name = xmalloc(nl + 1);
			memcpy(f->name, line, nl);
			f->name[nl] = '\0';
			f->value = NULL;
			vlen = vcap = 0;
			value_add(&f->value, &vlen, &vcap, line + name + 1, n - name - 1);
			if (f->value == NULL)
				f->value = xstrdup("");
			open = 1;
		}
		i = next;
	}
	if (open)
		trim(h->f[h->n - 1].value);
	*body = i > len ? len : i;
}

void
mime_header_release(struct mime_header *h)
{
	for (size_t i = 0; i < h->n; i++) {
		free(h->f[i].name);
		free(h->f[i].value);
	}
	free(h->f);
	memset(h, 0, sizeof(*h));
}

const char *
mime_header_get(const struct mime_header *h, const char *name)
{
	for (size_t i = 0; i < h->n; i++)
		if (strcasecmp(h->f[i].name, name) == 0)
			return h->f[i].value;
	return NULL;
}

static const char *
skip_space(const char *s)
{
	for (;;) {
		while (*s == ' ' || *s == '\t')
			s++;
		if (*s != '(')
			return s;
		/* a comment, possibly nested */
		int level = 0;
		do {
			if (*s == '\\' && s[1] != '\0')
				s++;
			else if (*s == '(')
				level++;
			else if (*s == ')')
				level--;
			s++;
		} while (*s != '\0' && level > 0);
	}
}

static int
tspecial(char c)
{
	return c != '\0' && strchr("()<>@,;:\\\"/[]?= \t", c) != NULL;
}

/* Copy a token of s into out (size n), lowercased if lower; returns the end. */
static const char *
token(const char *s, char *out, size_t n, int lower)
{
	size_t k = 0;

	while (*s != '\0' && !tspecial(*s) && (unsigned char)*s > 32) {
		if (k + 1 < n)
			out[k++] = lower ? (char)tolower((unsigned char)*s) : *s;
		s++;
	}
	out[k] = '\0';
	return s;
}

void
mime_type_parse(const char *value, struct mime_type *t)
{
	const char *s;

	memset(t, 0, sizeof(*t));
	if (value != NULL) {
		s = token(skip_space(value), t->type, sizeof(t->type), 1);
		s = skip_space(s);
		if (*s == '/')
			s = token(skip_space(s + 1), t->subtype, sizeof(t->subtype), 1);
		while (*s != '\0') {
			char name[32], val[80];
			size_t k = 0;

			s = strchr(s, ';');
			if (s == NULL)
				break;
			s = token(skip_space(s + 1), name, sizeof(name), 1);
			s = skip_space(s);
			if (*s != '=')
				continue;
			s = skip_space(s + 1);
			if (*s == '"') {
				for (s++; *s != '\0' && *s != '"'; s++) {
					if (*s == '\\' && s[1] != '\0')
						s++;
					if (k + 1 < sizeof(val))
						val[k++] = *s;
				}
				if (*s == '"')
					s++;
				val[k] = '\0';
			} else {
				s = token(s, val, sizeof(val), 0);
			}
			if (strcmp(name, "boundary") == 0)
				snprintf(t->boundary, sizeof(t->boundary), "%.70s", val);
			else if (strcmp(name, "charset") == 0 || strcmp(name, "report-type") == 0) {
				char *dst = name[0] == 'c' ? t->charset : t->report_type;
				size_t j;
				for (j = 0; val[j] != '\0' && j + 1 < sizeof(t->charset); j++)
					dst[j] = (char)tolower((unsigned char)val[j]);
				dst[j] = '\0';
			}
		}
	}
	if (t->type[0] == '\0' || t->subtype[0] == '\0') {
		snprintf(t->type, sizeof(t->type), "text");
		snprintf(t->subtype, sizeof(t->subtype), "plain");
	}
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

static int
b64val(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

char *
mime_decode(const char *body, size_t len, const char *cte, size_t max, size_t *out_len)
{
	size_t cap = len < max ? len : max, n = 0;
	char *out = xmalloc(cap + 1);
	char enc[32] = "";

	if (cte != NULL)
		token(skip_space(cte), enc, sizeof(enc), 1);
	if (strcmp(enc, "quoted-printable") == 0) {
		for (size_t i = 0; i < len && n < cap; i++) {
			int hi, lo;
			if (body[i] != '=') {
				out[n++] = body[i];
				continue;
			}
			if (i + 2 < len && (hi = hexval(body[i + 1])) >= 0 &&
			    (lo = hexval(body[i + 2])) >= 0) {
				out[n++] = (char)(hi * 16 + lo);
				i += 2;
				continue;
			}
			/* a soft line break: '=', optional blanks, then the end of the line */
			size_t j = i + 1;
			while (j < len && (body[j] == ' ' || body[j] == '\t' || body[j] == '\r'))
				j++;
			if (j >= len || body[j] == '\n') {
				i = j;
				continue;
			}
			out[n++] = '=';
		}
	} else if (strcmp(enc, "base64") == 0) {
		unsigned acc = 0;
		int bits = 0;
		for (size_t i = 0; i < len && n < cap; i++) {
			int v = b64val(body[i]);
			if (v < 0)
				continue;
			acc = (acc << 6) | (unsigned)v;
			bits += 6;
			if (bits >= 8) {
				bits -= 8;
				out[n++] = (char)((acc >> bits) & 0xff);
			}
		}
	} else {
		n = cap;
		memcpy(out, body, n);
	}
	out[n] = '\0';
	*out_len = n;
	return out;
}

/* 1 if line[0..n) is a delimiter of boundary b; *close set for the closing one. */
static int
delimiter(const char *line, size_t n, const char *b, size_t blen, int *close)
{
	size_t k;

	if (n < blen + 2 || line[0] != '-' || line[1] != '-' || memcmp(line + 2, b, blen) != 0)
		return 0;
	k = blen + 2;
	*close = n >= k + 2 && line[k] == '-' && line[k + 1] == '-';
	if (*close)
		k += 2;
	while (k < n && (line[k] == ' ' || line[k] == '\t' || line[k] == '\r'))
		k++;
	return k == n;
}

static void walk(const char *p, size_t len, int depth, struct mime_message *m);

/* Each part of the multipart body p[0..len) with boundary b, walked in turn. */
static void
split(const char *p, size_t len, const char *b, int depth, struct mime_message *m)
{
	size_t blen = strlen(b), i = 0, next, start = 0;
	int in_part = 0, close = 0;

	while (i < len) {
		size_t end = line_end(p, len, i, &next);

		if (end - i >= blen + 2 && delimiter(p + i, end - i, b, blen, &close)) {
			if (in_part) {
				/* the line break before the delimiter belongs to it */
				size_t stop = i;
				if (stop > start && p[stop - 1] == '\n')
					stop--;
				if (stop > start && p[stop - 1] == '\r')
					stop--;
				walk(p + start, stop - start, depth, m);
				if (m->nparts >= MIME_PARTS_MAX) {
					m->truncated = 1;
					return;
				}
			}
			if (close)
				return;
			in_part = 1;
			start = next;
		}
		i = next;
	}
	if (in_part) /* no closing delimiter: the last part runs to the end */
		walk(p + start, len - start, depth, m);
}

static void
walk(const char *p, size_t len, int depth, struct mime_message *m)
{
	struct mime_header h;
	struct mime_type t;
	size_t body;

	if (m->nparts >= MIME_PARTS_MAX) {
		m->truncated = 1;
		return;
	}
	mime_header_parse(p, len, depth == 0, &h, &body);
	mime_type_parse(mime_header_get(&h, "Content-Type"), &t);
	if (strcmp(t.type, "multipart") == 0 && t.boundary[0] != '\0') {
		if (depth < MIME_DEPTH_MAX) {
			split(p + body, len - body, t.boundary, depth + 1, m);
			mime_header_release(&h);
			return;
		}
		m->truncated = 1;
	}
	struct mime_part *part = &m->parts[m->nparts++];
	part->depth = depth;
	part->type = t;
	part->header = h;
	part->body = p + body;
	part->len = len - body;
}

void
mime_message_read(const char *p, size_t len, struct mime_message *m)
{
	size_t body;

	memset(m, 0, sizeof(*m));
	mime_header_parse(p, len, 1, &m->header, &body);
	mime_type_parse(mime_header_get(&m->header, "Content-Type"), &m->type);
	walk(p, len, 0, m);
}

void
mime_message_release(struct mime_message *m)
{
	mime_header_release(&m->header);
	for (size_t i = 0; i < m->nparts; i++)
		mime_header_release(&m->parts[i].header);
	memset(m, 0, sizeof(*m));
}
