/*
 * Unit tests of lib/ical.c: an iCalendar object read back line by line
 * (unfolded as RFC 5545 says), every line CRLF and at most 75 octets.
 */
#include "ical.h"

#include <stdlib.h>

#include "t.h"
#include "when.h"

/* Check the folding, then unfold into LF-separated logical lines (caller frees). */
static char *
unfold(const char *s, size_t n)
{
	char *out = malloc(n + 1);
	size_t j = 0, col = 0;

	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\r') {
			CHECK(i + 1 < n && s[i + 1] == '\n');
			CHECK(col <= 75);
			i++;
			col = 0;
			if (i + 1 < n && s[i + 1] == ' ') {
				i++; /* continuation: drop CRLF and the space */
				col = 1;
				continue;
			}
			out[j++] = '\n';
			continue;
		}
		CHECK(s[i] != '\n');
		/* a fold never splits a UTF-8 sequence */
		if (col == 1 && i > 0 && s[i - 1] == ' ' && s[i - 2] == '\n')
			CHECK(((unsigned char)s[i] & 0xC0) != 0x80);
		out[j++] = s[i];
		col++;
	}
	out[j] = '\0';
	return out;
}

static void
test_event(void)
{
	struct buf b = {0};
	struct ical_event ev;
	int64_t stamp = 0;
	char *u;

	when_parse_datetime("2019-12-03 06:00:00", &stamp); /* read as UTC here */
	memset(&ev, 0, sizeof(ev));
	ev.uid = "nocturne-request-12@mairie.example";
	ev.day = when_day_from_ymd(2019, 12, 5);
	ev.start = 16 * 60 + 30;
	ev.end = 18 * 60;
	ev.zone_minutes = 60;
	ev.summary = "Accueil du soir; \"étude\", goûter \\ jeux\nsuite — Léa Dupont éééééééééééééééé";
	ev.location = "École Jules Ferry";
	ev.description = "https://portail.example/";
	ical_begin(&b);
	ical_event(&b, stamp, &ev);
	ev.uid = "nocturne-request-13@mairie.example";
	ev.start = ev.end = -1;
	ev.cancelled = 1;
	ev.sequence = 1;
	ev.location = NULL;
	ev.summary = "Cantine";
	ical_event(&b, stamp, &ev);
	ical_end(&b);
	u = unfold(b.p, b.len);
	CHECK(strncmp(u, "BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:", 35) == 0);
	CHECK(strstr(u, "\nMETHOD:PUBLISH\n") != NULL);
	CHECK(strstr(u, "\nBEGIN:VEVENT\nUID:nocturne-request-12@mairie.example\n"
	                "DTSTAMP:20191203T060000Z\n"
	                "DTSTART:20191205T153000Z\nDTEND:20191205T170000Z\n"
	                "SEQUENCE:0\nSTATUS:CONFIRMED\n") != NULL);
	CHECK(strstr(u, "SUMMARY:Accueil du soir\\; \"étude\"\\, goûter \\\\ jeux\\nsuite — Léa "
	                "Dupont éééééééééééééééé\n") != NULL);
	CHECK(strstr(u, "LOCATION:École Jules Ferry\n") != NULL);
	CHECK(strstr(u, "UID:nocturne-request-13@mairie.example\nDTSTAMP:20191203T060000Z\n"
	                "DTSTART;VALUE=DATE:20191205\nDTEND;VALUE=DATE:20191206\n"
	                "SEQUENCE:1\nSTATUS:CANCELLED\n") != NULL);
	CHECK(strlen(u) > 0 && strcmp(u + strlen(u) - 14, "END:VCALENDAR\n") == 0);
	free(u);
	buf_release(&b);
}

int
main(void)
{
	T_RUN(test_event);
	return t_status();
}
