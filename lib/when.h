/*
 * when.h - dates, times and the clock, without time zones.
 *
 * nocturne works in the town's local time and never converts: a day is a
 * whole number of days since 1970-01-01 (proleptic Gregorian calendar), a
 * time of day a number of minutes since midnight, an instant a number of
 * seconds since 1970-01-01 00:00 local time, read as if there were no
 * daylight saving (so "day D at 10:00" is D*86400 + 600*60, always).
 * Pure functions over libc; the only one reading the system clock is
 * when_now().
 */
#ifndef NOCTURNE_WHEN_H
#define NOCTURNE_WHEN_H

#include <stdint.h>
#include <time.h>

#define WHEN_DAY_SECS 86400

/* Day number of a valid civil date (no checks: see when_valid_ymd). */
int32_t when_day_from_ymd(int y, int m, int d);
/* Civil date of a day number. */
void when_ymd_from_day(int32_t day, int *y, int *m, int *d);
/* 1 if y-m-d is a real date (years 1900..2999), else 0. */
int when_valid_ymd(int y, int m, int d);
/* Day of the week: 0 = Monday ... 6 = Sunday. */
int when_weekday(int32_t day);

/*
 * Parsers: return 0 and fill the result, or -1 when the text is not exactly
 * one value of that form (surrounding spaces are not allowed; trim first).
 *   date:     YYYY-MM-DD or DD/MM/YYYY
 *   time:     HH:MM (00:00 .. 23:59), or 24:00 when allow_24 (an end of hours)
 *   datetime: YYYY-MM-DD HH:MM[:SS], YYYY-MM-DDTHH:MM[:SS], DD/MM/YYYY HH:MM[:SS]
 */
int when_parse_date(const char *s, int32_t *day);
int when_parse_time(const char *s, int allow_24, int *minutes);
int when_parse_datetime(const char *s, int64_t *t);

/* Formatters: write into buf (sizes include the NUL). */
#define WHEN_DATE_LEN 11     /* YYYY-MM-DD */
#define WHEN_TIME_LEN 6      /* HH:MM */
#define WHEN_DATETIME_LEN 20 /* YYYY-MM-DD HH:MM:SS */
void when_format_date(int32_t day, char buf[WHEN_DATE_LEN]);
void when_format_time(int minutes, char buf[WHEN_TIME_LEN]);
void when_format_datetime(int64_t t, char buf[WHEN_DATETIME_LEN]);

/* The day an instant falls on (floor division, also before 1970). */
int32_t when_day_of(int64_t t);

/* The system clock as a local instant (localtime_r). */
int64_t when_now(void);

/*
 * For timings (-v, -vv): when_mark() stores the monotonic clock in *t0;
 * when_elapsed() returns the seconds since that mark.
 */
void when_mark(struct timespec *t0);
double when_elapsed(const struct timespec *t0);

#endif
