#include "when.h"

#include "t.h"

static void
test_day_roundtrip(void)
{
	int y, m, d;

	CHECK_INT(when_day_from_ymd(1970, 1, 1), 0);
	CHECK_INT(when_day_from_ymd(2019, 12, 6), 18236);
	for (int32_t day = -800; day < 80000; day += 37) {
		when_ymd_from_day(day, &y, &m, &d);
		CHECK_INT(when_day_from_ymd(y, m, d), day);
	}
	CHECK_INT(when_weekday(when_day_from_ymd(2019, 12, 6)), 4); /* Friday */
	CHECK_INT(when_weekday(when_day_from_ymd(2026, 11, 29)), 6); /* Sunday */
}

static void
test_parse_date(void)
{
	int32_t day;

	CHECK_INT(when_parse_date("2019-12-06", &day), 0);
	CHECK_INT(day, 18236);
	CHECK_INT(when_parse_date("06/12/2019", &day), 0);
	CHECK_INT(day, 18236);
	CHECK_INT(when_parse_date("2020-02-29", &day), 0);
	CHECK_INT(when_parse_date("2019-02-29", &day), -1);
	CHECK_INT(when_parse_date("31/02/2019", &day), -1);
	CHECK_INT(when_parse_date("2019-12-6", &day), -1);
	CHECK_INT(when_parse_date("2019-12-06 ", &day), -1);
	CHECK_INT(when_parse_date("2019/12/06", &day), -1);
	CHECK_INT(when_parse_date("", &day), -1);
	CHECK_INT(when_parse_date("2019-13-01", &day), -1);
}

static void
test_parse_time(void)
{
	int m;

	CHECK_INT(when_parse_time("07:30", 0, &m), 0);
	CHECK_INT(m, 450);
	CHECK_INT(when_parse_time("23:59", 0, &m), 0);
	CHECK_INT(when_parse_time("24:00", 0, &m), -1);
	CHECK_INT(when_parse_time("24:00", 1, &m), 0);
	CHECK_INT(m, 1440);
	CHECK_INT(when_parse_time("7:30", 0, &m), -1);
	CHECK_INT(when_parse_time("07:60", 0, &m), -1);
	CHECK_INT(when_parse_time("07:30:00", 0, &m), -1);
}

static void
test_parse_datetime(void)
{
	int64_t t;
	char buf[WHEN_DATETIME_LEN];

	CHECK_INT(when_parse_datetime("2019-12-04 10:00", &t), 0);
	CHECK_INT(t, (int64_t)18234 * 86400 + 36000);
	CHECK_INT(when_parse_datetime("2019-12-04T10:00:05", &t), 0);
	when_format_datetime(t, buf);
	CHECK_STR(buf, "2019-12-04 10:00:05");
	CHECK_INT(when_parse_datetime("04/12/2019 10:00:05", &t), 0);
	CHECK_STR(buf, "2019-12-04 10:00:05");
	CHECK_INT(when_parse_datetime("04/12/2019T10:00", &t), -1);
	CHECK_INT(when_parse_datetime("2019-12-04", &t), -1);
	CHECK_INT(when_parse_datetime("2019-12-04 25:00", &t), -1);
	CHECK_INT(when_day_of(-1), -1);
	CHECK_INT(when_day_of(86399), 0);
}

/* The formatting writes what snprintf's "%04u-%02u-%02u %02u:%02u:%02u" did. */
static void
test_format_as_printf(void)
{
	char got[WHEN_DATETIME_LEN], want[64], t[WHEN_TIME_LEN];
	int bad = 0;

	for (int32_t day = -800000; day < 3000000 && bad < 3; day += 997) {
		int y, m, d;
		int64_t at = (int64_t)day * 86400 + (day % 86400 + 86400) % 86400;
		int secs = (int)(at - (int64_t)when_day_of(at) * 86400);

		when_ymd_from_day(when_day_of(at), &y, &m, &d);
		snprintf(want, sizeof(want), "%04u-%02u-%02u %02u:%02u:%02u", (unsigned)y % 10000u,
		         (unsigned)m % 100u, (unsigned)d % 100u, (unsigned)(secs / 3600),
		         (unsigned)(secs / 60 % 60), (unsigned)(secs % 60));
		when_format_datetime(at, got);
		if (strcmp(got, want) != 0) {
			CHECK_STR(got, want);
			bad++;
		}
		when_format_date(when_day_of(at), got);
		want[10] = '\0';
		if (strcmp(got, want) != 0) {
			CHECK_STR(got, want);
			bad++;
		}
	}
	for (int min = -5; min <= 24 * 60 + 5 && bad < 3; min++) {
		int mm = min < 0 || min > 24 * 60 ? 0 : min;

		snprintf(want, sizeof(want), "%02u:%02u", (unsigned)(mm / 60), (unsigned)(mm % 60));
		when_format_time(min, t);
		if (strcmp(t, want) != 0) {
			CHECK_STR(t, want);
			bad++;
		}
	}
	when_format_datetime(-1, got);
	CHECK_STR(got, "1969-12-31 23:59:59");
}

static void
test_elapsed(void)
{
	struct timespec t0, nap = {0, 20 * 1000 * 1000};
	double d;

	when_mark(&t0);
	nanosleep(&nap, NULL);
	d = when_elapsed(&t0);
	CHECK(d >= 0.02);
	CHECK(d < 5.0);
	/* A mark one second and a half back (nanoseconds borrowed). */
	t0.tv_sec -= 2;
	t0.tv_nsec += 500000000L;
	if (t0.tv_nsec >= 1000000000L) {
		t0.tv_sec++;
		t0.tv_nsec -= 1000000000L;
	}
	d = when_elapsed(&t0);
	CHECK(d >= 1.5 && d < 6.5);
}

int
main(void)
{
	T_RUN(test_day_roundtrip);
	T_RUN(test_parse_date);
	T_RUN(test_parse_time);
	T_RUN(test_parse_datetime);
	T_RUN(test_format_as_printf);
	T_RUN(test_elapsed);
	return t_status();
}
