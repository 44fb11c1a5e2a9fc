#include "ical.h"

#include <stdio.h>
#include <string.h>

#include "text.h"
#include "when.h"

#define FOLD 75

/*
 * Append one content line (name, then value already escaped) folded at 75
 * octets: a continuation starts with a space, which counts in its 75.
 */
static void
line(struct buf *b, const char *name, const char *value)
{
	struct buf l = {0};
	size_t col = 0;

	buf_adds(&l, name);
	buf_adds(&l, value);
	for (size_t i = 0; i < l.len;) {
		size_t k = text_utf8_len(l.p + i, l.len - i);

		if (k == 0)
			k = 1;
		if (col + k > FOLD) {
			buf_add(b, "\r\n ", 3);
			col = 1;
		}
		buf_add(b, l.p + i, k);
		col += k;
		i += k;
	}
	buf_add(b, "\r\n", 2);
	buf_release(&l);
}

/* A TEXT value escaped (RFC 5545 3.3.11), control characters dropped. */
static void
text_value(struct buf *b, const char *s)
{
	for (; s != NULL && *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '\\' || c == ';' || c == ',') {
			buf_add(b, "\\", 1);
			buf_add(b, s, 1);
		} else if (c == '\n') {
			buf_add(b, "\\n", 2);
		} else if (!text_is_control(c)) {
			buf_add(b, s, 1);
		}
	}
}

static void
text_line(struct buf *b, const char *name, const char *s)
{
	struct buf v = {0};

	text_value(&v, s);
	line(b, name, v.p ? v.p : "");
	buf_release(&v);
}

/* "20191205T153000Z" for a UTC instant. */
static void
utc_stamp(int64_t t, char out[20])
{
	int32_t day = when_day_of(t);
	int64_t s = t - (int64_t)day * WHEN_DAY_SECS;
	int y, m, d;

	when_ymd_from_day(day, &y, &m, &d);
	snprintf(out, 20, "%04d%02d%02dT%02d%02d%02dZ", y % 10000, m, d, (int)(s / 3600),
	         (int)(s / 60 % 60), (int)(s % 60));
}

static void
date_value(int32_t day, char out[12])
{
	int y, m, d;

	when_ymd_from_day(day, &y, &m, &d);
	snprintf(out, 12, "%04d%02d%02d", y % 10000, m, d);
}

void
ical_begin(struct buf *b)
{
	line(b, "BEGIN:VCALENDAR", "");
	line(b, "VERSION:2.0", "");
	line(b, "PRODID:-//nocturne//Portail Famille//FR", "");
	line(b, "CALSCALE:GREGORIAN", "");
	line(b, "METHOD:PUBLISH", "");
}

void
ical_event(struct buf *b, int64_t stamp_utc, const struct ical_event *ev)
{
	char t[20];

	line(b, "BEGIN:VEVENT", "");
	text_line(b, "UID:", ev->uid);
	utc_stamp(stamp_utc, t);
	line(b, "DTSTAMP:", t);
	if (ev->start >= 0) {
		int64_t base = (int64_t)ev->day * WHEN_DAY_SECS - (int64_t)ev->zone_minutes * 60;

		utc_stamp(base + (int64_t)ev->start * 60, t);
		line(b, "DTSTART:", t);
		if (ev->end > ev->start) {
			utc_stamp(base + (int64_t)ev->end * 60, t);
			line(b, "DTEND:", t);
		}
	} else {
		char d[12];

		date_value(ev->day, d);
		line(b, "DTSTART;VALUE=DATE:", d);
		date_value(ev->day + 1, d);
		line(b, "DTEND;VALUE=DATE:", d);
	}
	buf_addf(b, "SEQUENCE:%d\r\n", ev->sequence);
	line(b, "STATUS:", ev->cancelled ? "CANCELLED" : "CONFIRMED");
	line(b, "TRANSP:", ev->cancelled ? "TRANSPARENT" : "OPAQUE");
	text_line(b, "SUMMARY:", ev->summary);
	if (ev->location != NULL && ev->location[0] != '\0')
		text_line(b, "LOCATION:", ev->location);
	if (ev->description != NULL && ev->description[0] != '\0')
		text_line(b, "DESCRIPTION:", ev->description);
	line(b, "END:VEVENT", "");
}

void
ical_end(struct buf *b)
{
	line(b, "END:VCALENDAR", "");
}
