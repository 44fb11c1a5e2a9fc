/*
 * fuzz_export - the decisions export row (lib/export.h) with any ids and
 * numbers: always 10 fields, parsing back (strict libcsv, ';') to the same
 * ids (apostrophe-prefixed when formula-like, unless raw: then exactly as
 * given; the low bit of the position picks the mode), the date as YYYY-MM-DD that
 * parses back to the day, and decided_at as a date-time when batch_id is set.
 *
 * Input: 16 bytes of numbers (day, position, batch, decided_at), then the
 * request, child, activity ids, action, state and reason, NUL-separated.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "export.h"
#include "fuzz_util.h"
#include "when.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int raw;

static void
same_field(const char *got, const char *want)
{
	if (want == NULL)
		want = "";
	if (!raw && (want[0] == '=' || want[0] == '+' || want[0] == '-' || want[0] == '@' ||
	    want[0] == '\t' || want[0] == '\r')) {
		FUZZ_ASSERT(got[0] == '\'');
		got++;
	}
	FUZZ_ASSERT(strcmp(got, want) == 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct export_row r;
	struct csvout w;
	struct fuzz_rows rows;
	const char *s[6] = {"", "", "", "", "", NULL};
	char *text, *buf = NULL, want[WHEN_DATETIME_LEN];
	size_t len = 0, pos = 0;
	int32_t v[4];
	FILE *f;

	if (size < 16)
		return 0;
	memcpy(v, data, 16);
	text = fuzz_cstr(data + 16, size - 16);
	for (int i = 0; i < 6 && pos <= size - 16; i++) {
		s[i] = text + pos;
		pos += strlen(text + pos) + 1;
	}
	memset(&r, 0, sizeof(r));
	r.request_id = s[0];
	r.child_id = s[1];
	r.activity_id = s[2];
	r.action = s[3];
	r.state = s[4];
	r.reason = s[5];
	r.day = v[0] % 400000; /* years 875..3065 */
	r.position = v[1] < 0 ? 0 : v[1];
	r.batch_id = v[2] < 0 ? 0 : v[2];
	r.decided_at = (int64_t)(v[3] % 400000) * WHEN_DAY_SECS + (v[3] & 0xffff);

	f = open_memstream(&buf, &len);
	if (f == NULL)
		abort();
	raw = v[1] & 1;
	FUZZ_ASSERT(export_begin(&w, f, raw ? EXPORT_RAW : EXPORT_SAFE) == 0);
	FUZZ_ASSERT(export_row(&w, &r) == 0);
	FUZZ_ASSERT(fclose(f) == 0);
	fuzz_csv_parse(buf, len, ';', &rows);
	FUZZ_ASSERT(!rows.error && rows.n == 2);
	FUZZ_ASSERT(rows.rows[0].n == 10 && rows.rows[1].n == 10);
	{
		char **got = rows.rows[1].fields;
		int32_t day;

		same_field(got[0], r.request_id);
		same_field(got[1], r.child_id);
		same_field(got[2], r.activity_id);
		FUZZ_ASSERT(strlen(got[3]) == 10);
		if (r.day >= when_day_from_ymd(1900, 1, 1) && r.day <= when_day_from_ymd(2999, 12, 31))
			FUZZ_ASSERT(when_parse_date(got[3], &day) == 0 && day == r.day);
		same_field(got[4], r.action);
		same_field(got[5], r.state);
		same_field(got[6], r.reason);
		if (r.position > 0)
			FUZZ_ASSERT(atoll(got[7]) == r.position);
		else
			FUZZ_ASSERT(got[7][0] == '\0');
		if (r.batch_id > 0) {
			FUZZ_ASSERT(atoll(got[8]) == r.batch_id);
			when_format_datetime(r.decided_at, want);
			FUZZ_ASSERT(strcmp(got[9], want) == 0);
		} else {
			FUZZ_ASSERT(got[8][0] == '\0' && got[9][0] == '\0');
		}
	}
	fuzz_rows_free(&rows);
	free(buf);
	free(text);
	return 0;
}
