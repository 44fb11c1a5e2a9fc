#include "when.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

/* Howard Hinnant's days_from_civil / civil_from_days. */
int32_t
when_day_from_ymd(int y, int m, int d)
{
	int era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

void
when_ymd_from_day(int32_t z, int *y, int *m, int *d)
{
	int era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = yoe + era * 400 + (*m <= 2);
}

int
when_valid_ymd(int y, int m, int d)
{
	static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	int leap, max;

	if (y < 1900 || y > 2999 || m < 1 || m > 12 || d < 1)
		return 0;
	leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	max = mdays[m - 1] + (m == 2 && leap);
	return d <= max;
}

int
when_weekday(int32_t day)
{
	/* 1970-01-01 was a Thursday (3 when Monday is 0). */
	int w = (int)((day + 3) % 7);
	return w < 0 ? w + 7 : w;
}

/* Read exactly n digits at s; -1 if any is not a digit. */
static int
digits(const char *s, int n)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

/* Parse a date at the start of s; return its length (10) or -1. */
static int
date_prefix(const char *s, int32_t *day)
{
	int y, m, d;

	if (strlen(s) < 10)
		return -1;
	if (s[4] == '-' && s[7] == '-') {
		y = digits(s, 4);
		m = digits(s + 5, 2);
		d = digits(s + 8, 2);
	} else if (s[2] == '/' && s[5] == '/') {
		d = digits(s, 2);
		m = digits(s + 3, 2);
		y = digits(s + 6, 4);
	} else {
		return -1;
	}
	if (y < 0 || m < 0 || d < 0 || !when_valid_ymd(y, m, d))
		return -1;
	*day = when_day_from_ymd(y, m, d);
	return 10;
}

int
when_parse_date(const char *s, int32_t *day)
{
	int32_t v;

	if (date_prefix(s, &v) != 10 || s[10] != '\0')
		return -1;
	*day = v;
	return 0;
}

/* Parse HH:MM[:SS] (seconds only when with_secs); return seconds or -1. */
static int
clock_secs(const char *s, int with_secs, int allow_24)
{
	size_t n = strlen(s);
	int h, m, sec = 0;

	if (n != 5 && !(with_secs && n == 8))
		return -1;
	if (s[2] != ':' || (n == 8 && s[5] != ':'))
		return -1;
	h = digits(s, 2);
	m = digits(s + 3, 2);
	if (n == 8)
		sec = digits(s + 6, 2);
	if (h < 0 || m < 0 || sec < 0 || m > 59 || sec > 59)
		return -1;
	if (h > 23 && !(allow_24 && h == 24 && m == 0 && sec == 0))
		return -1;
	return h * 3600 + m * 60 + sec;
}

int
when_parse_time(const char *s, int allow_24, int *minutes)
{
	int v = clock_secs(s, 0, allow_24);

	if (v < 0)
		return -1;
	*minutes = v / 60;
	return 0;
}

int
when_parse_datetime(const char *s, int64_t *t)
{
	int32_t day;
	int secs;

	if (date_prefix(s, &day) != 10 || (s[10] != ' ' && s[10] != 'T'))
		return -1;
	/* The T form is ISO only. */
	if (s[10] == 'T' && s[4] != '-')
		return -1;
	secs = clock_secs(s + 11, 1, 0);
	if (secs < 0)
		return -1;
	*t = (int64_t)day * WHEN_DAY_SECS + secs;
	return 0;
}

/*
 * n's last width decimal digits at p, zero-padded: what snprintf's "%0*u"
 * of n % 10^width writes, without its cost (an export formats a million
 * dates and times).
 */
static void
put_digits(char *p, unsigned n, int width)
{
	while (width-- > 0) {
		p[width] = (char)('0' + n % 10u);
		n /= 10u;
	}
}

void
when_format_date(int32_t day, char buf[WHEN_DATE_LEN])
{
	int y, m, d;

	when_ymd_from_day(day, &y, &m, &d);
	put_digits(buf, (unsigned)y, 4);
	buf[4] = '-';
	put_digits(buf + 5, (unsigned)m, 2);
	buf[7] = '-';
	put_digits(buf + 8, (unsigned)d, 2);
	buf[10] = '\0';
}

void
when_format_time(int minutes, char buf[WHEN_TIME_LEN])
{
	if (minutes < 0 || minutes > 24 * 60)
		minutes = 0;
	put_digits(buf, (unsigned)(minutes / 60), 2);
	buf[2] = ':';
	put_digits(buf + 3, (unsigned)(minutes % 60), 2);
	buf[5] = '\0';
}

int32_t
when_day_of(int64_t t)
{
	int64_t d = t / WHEN_DAY_SECS;

	if (t % WHEN_DAY_SECS < 0)
		d--;
	return (int32_t)d;
}

void
when_format_datetime(int64_t t, char buf[WHEN_DATETIME_LEN])
{
	int32_t day = when_day_of(t);
	int secs = (int)(t - (int64_t)day * WHEN_DAY_SECS);

	when_format_date(day, buf);
	buf[10] = ' ';
	put_digits(buf + 11, (unsigned)(secs / 3600), 2);
	buf[13] = ':';
	put_digits(buf + 14, (unsigned)(secs / 60 % 60), 2);
	buf[16] = ':';
	put_digits(buf + 17, (unsigned)(secs % 60), 2);
	buf[19] = '\0';
}

int64_t
when_now(void)
{
	time_t now = time(NULL);
	struct tm tm;

	localtime_r(&now, &tm);
	return (int64_t)when_day_from_ymd(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday) *
	           WHEN_DAY_SECS +
	       tm.tm_hour * 3600 + tm.tm_min * 60 + tm.tm_sec;
}

void
when_mark(struct timespec *t0)
{
	clock_gettime(CLOCK_MONOTONIC, t0);
}

double
when_elapsed(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}
