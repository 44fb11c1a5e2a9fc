/*
 * import_field.c - the fields of the current row as the row handlers read
 * them (required, optional, typed), and as messages quote them.
 */
#include "import_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "parse.h"
#include "text.h"
#include "when.h"

int
import_bad(struct run *r, int col, const char *fmt, ...)
{
	va_list ap;
	int n = snprintf(r->what, sizeof(r->what), "column %s: ", r->cols[col].name);

	va_start(ap, fmt);
	vsnprintf(r->what + n, sizeof(r->what) - (size_t)n, fmt, ap);
	va_end(ap);
	return 1;
}

const char *
import_show(const char *s, char *buf, size_t size)
{
	size_t n = strlen(s), bad, o = 0, i;
	int ok = text_utf8_check(s, n, &bad) == 0;
	int cut = 0;

	if (n > SHOW_MAX) {
		n = SHOW_MAX;
		while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
			n--;
		cut = 1;
	}
	for (i = 0; i < n && o + 8 < size; i++) {
		unsigned char c = (unsigned char)s[i];
		if (text_is_control(c)) {
			buf[o++] = '?';
		} else if (!ok && c >= 0x80) {
			o += (size_t)snprintf(buf + o, size - o, "\\x%02X", c);
		} else {
			buf[o++] = (char)c;
		}
	}
	if ((cut || i < n) && o + 4 < size) {
		memcpy(buf + o, "...", 3);
		o += 3;
	}
	buf[o] = '\0';
	return buf;
}

void
import_diff_str(struct import_diff *d, const char *name, const char *was, const char *now)
{
	char a[SHOW_BUF], b[SHOW_BUF];
	int w;

	if (strcmp(was, now) == 0)
		return;
	w = snprintf(d->buf + d->n, sizeof(d->buf) - d->n, "%s%s %s \xE2\x89\xA0 %s",
	             d->count ? ", " : "", name, *was ? import_show(was, a, sizeof(a)) : "(empty)",
	             *now ? import_show(now, b, sizeof(b)) : "(empty)");
	d->count++;
	if (w > 0 && d->n + (size_t)w < sizeof(d->buf))
		d->n += (size_t)w;
	else
		d->n = sizeof(d->buf) - 1;
}

void
import_diff_int(struct import_diff *d, const char *name, long long was, long long now)
{
	char a[32], b[32];

	snprintf(a, sizeof(a), "%lld", was);
	snprintf(b, sizeof(b), "%lld", now);
	import_diff_str(d, name, a, b);
}

const char *
import_val(const struct run *r, int col)
{
	return r->idx[col] < 0 ? "" : csvin_field(r->in, (size_t)r->idx[col], NULL);
}

/* 1 when the file's header has no such column (an optional one). */
int
import_absent(const struct run *r, int col)
{
	return r->idx[col] < 0;
}

int
import_need_id(struct run *r, int col, const char **out)
{
	const char *s = import_val(r, col);

	if (*s == '\0')
		return import_bad(r, col, "missing value");
	if (strlen(s) > ID_MAX)
		return import_bad(r, col, "longer than %d bytes", ID_MAX);
	for (const char *p = s; *p; p++)
		if (text_is_control((unsigned char)*p))
			return import_bad(r, col, "contains a control character");
	*out = s;
	return 0;
}

int
import_need_text(struct run *r, int col, const char **out)
{
	const char *s = import_val(r, col);

	if (*s == '\0')
		return import_bad(r, col, "missing value");
	*out = s;
	return 0;
}

int
import_get_date(struct run *r, int col, int32_t *day)
{
	const char *s = import_val(r, col);
	char b[SHOW_BUF];

	if (*s == '\0')
		return import_bad(r, col, "missing value");
	if (when_parse_date(s, day) < 0)
		return import_bad(r, col, "'%s' is not a date (YYYY-MM-DD or DD/MM/YYYY)",
		                  import_show(s, b, sizeof(b)));
	return 0;
}

int
import_get_opt_time(struct run *r, int col, int allow_24, int *has, int *minutes)
{
	const char *s = import_val(r, col);
	char b[SHOW_BUF];

	*has = 0;
	*minutes = 0;
	if (*s == '\0')
		return 0;
	if (when_parse_time(s, allow_24, minutes) < 0)
		return import_bad(r, col, "'%s' is not a time (HH:MM)",
		                  import_show(s, b, sizeof(b)));
	*has = 1;
	return 0;
}

int
import_get_opt_count(struct run *r, int col, int max, int dflt, int *has, int *v)
{
	const char *s = import_val(r, col);
	char b[SHOW_BUF];
	long long n;

	*v = dflt;
	if (has)
		*has = 0;
	if (*s == '\0')
		return 0;
	if (parse_uint(s, max, &n) < 0)
		return import_bad(r, col, "'%s' is not a whole number from 0 to %d",
		                  import_show(s, b, sizeof(b)), max);
	*v = (int)n;
	if (has)
		*has = 1;
	return 0;
}
