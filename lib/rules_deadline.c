/*
 * rules_deadline.c - the deadline rules of contract section 4 (calendar,
 * open, week:DAY): part of the rules module, declared in rules.h. The one
 * place that says when the last moment for a day of an activity is: the
 * night's refusals, nocturne-status --request and the mail all ask here.
 */
#include "rules.h"

#include <string.h>

#include "when.h"

/* The number of days of o before day (lower bound). */
static size_t
open_days_before(const struct rules_openings *o, int32_t day)
{
	size_t lo = 0, hi = o->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (o->days[mid] < day)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

int32_t
rules_deadline_day(const struct rules_activity *a, const struct rules_openings *o, int32_t day)
{
	int64_t n = a->deadline_days, d;
	size_t before;

	switch (a->deadline_rule) {
	case RULES_DL_WEEK:
		/* Monday of day's week, back one week, then the weekday. */
		return day - when_weekday(day) - 7 + a->deadline_wday;
	case RULES_DL_OPEN:
		if (n == 0 || o == NULL || o->n == 0)
			break;
		before = open_days_before(o, day);
		if ((int64_t)before >= n)
			return o->days[before - (size_t)n];
		/* Fewer open days than asked: the rest are calendar days before
		 * the first opening (or before day when none comes before it). */
		d = (before > 0 ? o->days[0] : day) - (n - (int64_t)before);
		return (int32_t)d;
	default:
		break;
	}
	return (int32_t)(day - n);
}

int64_t
rules_deadline(const struct rules_activity *a, const struct rules_openings *o, int32_t day)
{
	return (int64_t)rules_deadline_day(a, o, day) * WHEN_DAY_SECS +
	       (int64_t)a->deadline_time * 60;
}

int
rules_on_time(const struct rules_activity *a, const struct rules_openings *o, int32_t day,
              int64_t submitted_at)
{
	return submitted_at < rules_deadline(a, o, day);
}

static const char *const dl_rule_names[] = {"calendar", "open", "week"};

const char *
rules_deadline_rule_name(enum rules_deadline_rule r)
{
	return (unsigned)r < 3 ? dl_rule_names[r] : "?";
}

int
rules_deadline_rule_read(const char *name)
{
	for (int i = 0; name != NULL && i < 3; i++)
		if (strcmp(name, dl_rule_names[i]) == 0)
			return i;
	return RULES_DL_CALENDAR;
}

/* s lowercased (ASCII), with é/É read as e, into buf; -1 when too long. */
static int
fold(const char *s, char *buf, size_t size)
{
	size_t n = 0;

	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == 0xC3 && (s[1] == (char)0xA9 || s[1] == (char)0x89)) {
			c = 'e';
			s++;
		} else if (c >= 'A' && c <= 'Z') {
			c = (unsigned char)(c - 'A' + 'a');
		}
		if (n + 1 >= size)
			return -1;
		buf[n++] = (char)c;
	}
	buf[n] = '\0';
	return 0;
}

int
rules_deadline_rule_parse(const char *s, int *rule, int *wday, const char **why)
{
	static const char *const days[7][4] = {
	    {"lundi", "lun", "monday", "mon"},       {"mardi", "mar", "tuesday", "tue"},
	    {"mercredi", "mer", "wednesday", "wed"}, {"jeudi", "jeu", "thursday", "thu"},
	    {"vendredi", "ven", "friday", "fri"},    {"samedi", "sam", "saturday", "sat"},
	    {"dimanche", "dim", "sunday", "sun"},
	};
	char buf[32];
	const char *d;

	*rule = RULES_DL_CALENDAR;
	*wday = 0;
	if (fold(s, buf, sizeof(buf)) < 0) {
		*why = "is not calendar, open or week:DAY";
		return -1;
	}
	if (strcmp(buf, "calendar") == 0)
		return 0;
	if (strcmp(buf, "open") == 0 || strcmp(buf, "ouvre") == 0) {
		*rule = RULES_DL_OPEN;
		return 0;
	}
	if (strncmp(buf, "week:", 5) == 0)
		d = buf + 5;
	else if (strncmp(buf, "semaine:", 8) == 0)
		d = buf + 8;
	else {
		*why = "is not calendar, open or week:DAY";
		return -1;
	}
	while (*d == ' ')
		d++;
	if (*d == '\0') {
		*why = "has no day (week:jeudi, week:thu)";
		return -1;
	}
	for (int i = 0; i < 7; i++) {
		for (int j = 0; j < 4; j++) {
			if (strcmp(d, days[i][j]) == 0) {
				*rule = RULES_DL_WEEK;
				*wday = i;
				return 0;
			}
		}
	}
	*why = "names no weekday (lundi..dimanche, monday..sunday, or three letters)";
	return -1;
}
