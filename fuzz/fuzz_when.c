/*
 * fuzz_when - the date, time and date-time parsers (lib/when.h). Any bytes:
 * no crash, no undefined behaviour, and every accepted value formats back to
 * a text that parses to the same value; ISO input formats back to itself.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"
#include "when.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_cstr(data, size);
	char buf[WHEN_DATETIME_LEN];
	int32_t day, day2;
	int64_t t, t2;
	int mins, mins2, y, m, d;

	if (when_parse_date(s, &day) == 0) {
		when_ymd_from_day(day, &y, &m, &d);
		FUZZ_ASSERT(when_valid_ymd(y, m, d));
		FUZZ_ASSERT(when_day_from_ymd(y, m, d) == day);
		FUZZ_ASSERT(when_weekday(day) >= 0 && when_weekday(day) <= 6);
		when_format_date(day, buf);
		FUZZ_ASSERT(strlen(buf) == 10);
		FUZZ_ASSERT(when_parse_date(buf, &day2) == 0 && day2 == day);
		if (s[4] == '-')
			FUZZ_ASSERT(strcmp(buf, s) == 0);
	}
	for (int allow = 0; allow < 2; allow++) {
		if (when_parse_time(s, allow, &mins) == 0) {
			FUZZ_ASSERT(mins >= 0 && mins <= 24 * 60);
			FUZZ_ASSERT(allow || mins < 24 * 60);
			when_format_time(mins, buf);
			FUZZ_ASSERT(strcmp(buf, s) == 0);
			FUZZ_ASSERT(when_parse_time(buf, allow, &mins2) == 0 && mins2 == mins);
		}
	}
	if (when_parse_datetime(s, &t) == 0) {
		when_format_datetime(t, buf);
		FUZZ_ASSERT(strlen(buf) == 19);
		FUZZ_ASSERT(when_parse_datetime(buf, &t2) == 0 && t2 == t);
		FUZZ_ASSERT(when_day_of(t) * (int64_t)WHEN_DAY_SECS <= t);
		if (s[4] == '-' && s[10] == ' ' && strlen(s) == 19)
			FUZZ_ASSERT(strcmp(buf, s) == 0);
	}
	/* The day-number arithmetic over the whole range of the parsers. */
	if (size >= 4) {
		int32_t z;

		memcpy(&z, data, 4);
		z = (int32_t)(z % 500000); /* about years 600..2600 around 1970 */
		when_ymd_from_day(z, &y, &m, &d);
		FUZZ_ASSERT(m >= 1 && m <= 12 && d >= 1 && d <= 31);
		FUZZ_ASSERT(when_day_from_ymd(y, m, d) == z);
		when_format_datetime((int64_t)z * WHEN_DAY_SECS + 3661, buf);
	}
	free(s);
	return 0;
}
