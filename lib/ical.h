/*
 * ical.h - an iCalendar object (RFC 5545) for the reservations of a mail:
 * one VEVENT per reservation, METHOD:PUBLISH.
 *
 * Pure: data in, bytes out. Lines end in CRLF and are folded at 75 octets
 * (never inside a UTF-8 sequence); TEXT values are escaped (backslash,
 * ';', ',', newline) and control characters dropped. Times are written in
 * UTC ("Z"), converted from the town's local time with the offset the
 * caller gives for that day: a calendar shows them in its own zone, and no
 * VTIMEZONE has to describe the town's rules. An event without hours is an
 * all-day event (a DATE, which has no zone).
 */
#ifndef NOCTURNE_ICAL_H
#define NOCTURNE_ICAL_H

#include <stdint.h>

#include "buf.h"

struct ical_event {
	const char *uid;         /* stable for the request: a later update or cancel reuses it */
	int sequence;            /* 0 when published, 1 when cancelled */
	int cancelled;           /* STATUS:CANCELLED, else CONFIRMED */
	int32_t day;             /* days since 1970 */
	int start, end;          /* minutes since midnight, -1 = none; no start: all day */
	int zone_minutes;        /* the local offset from UTC on that day */
	const char *summary;     /* "Cantine — Léa Dupont" */
	const char *location;    /* "" or NULL: none */
	const char *description; /* "" or NULL: none */
};

/* Append "BEGIN:VCALENDAR" and its properties (VERSION, PRODID, METHOD:PUBLISH). */
void ical_begin(struct buf *b);
/* Append one VEVENT; stamp_utc (seconds since 1970 UTC) is its DTSTAMP. */
void ical_event(struct buf *b, int64_t stamp_utc, const struct ical_event *ev);
/* Append "END:VCALENDAR". */
void ical_end(struct buf *b);

#endif
