#include "csvout.h"

#include "export.h"
#include "when.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>

#include "t.h"

static void
test_fields(void)
{
	struct t_out o;
	FILE *f = t_out_open(&o);
	struct csvout w;

	csvout_init(&w, f, ';', CSVOUT_SAFE);
	csvout_field(&w, "a");
	csvout_field(&w, "b;c");
	csvout_field(&w, "say \"hi\"");
	csvout_field(&w, NULL);
	csvout_int(&w, 42);
	csvout_end_row(&w);
	csvout_field(&w, "=HYPERLINK(\"x\")");
	csvout_field(&w, "-5");
	csvout_field(&w, "@SUM");
	csvout_field(&w, "x-1");
	csvout_end_row(&w);
	CHECK_STR(t_out_text(&o), "a;\"b;c\";\"say \"\"hi\"\"\";;42\n"
	                          "\"'=HYPERLINK(\"\"x\"\")\";\"'-5\";\"'@SUM\";x-1\n");
	t_out_free(&o);
}

/* Contract section 5: each of '=', '+', '-', '@', a tab and a carriage
 * return, leading, gets the apostrophe (inside, none does); without
 * CSVOUT_SAFE (--raw, the back office) every value goes as it is. */
static void
test_formula_leads(void)
{
	static const char *const lead[] = {"=1+1", "+33 6", "-2", "@A1", "\tx", "\rx"};
	static const char *const inside[] = {"a=b", "a+b", "a-b", "a@b", "a\tb"};
	struct t_out o;
	FILE *f;
	struct csvout w;

	for (int raw = 0; raw < 2; raw++) {
		f = t_out_open(&o);
		csvout_init(&w, f, ';', raw ? 0 : CSVOUT_SAFE);
		for (size_t i = 0; i < sizeof(lead) / sizeof(lead[0]); i++)
			csvout_field(&w, lead[i]);
		csvout_end_row(&w);
		for (size_t i = 0; i < sizeof(inside) / sizeof(inside[0]); i++)
			csvout_field(&w, inside[i]);
		csvout_end_row(&w);
		if (raw)
			CHECK_STR(t_out_text(&o), "=1+1;+33 6;-2;@A1;\tx;\"\rx\"\n"
			                          "a=b;a+b;a-b;a@b;a\tb\n");
		else
			CHECK_STR(t_out_text(&o), "\"'=1+1\";\"'+33 6\";\"'-2\";\"'@A1\";\"'\tx\";"
			                          "\"'\rx\"\na=b;a+b;a-b;a@b;a\tb\n");
		t_out_free(&o);
	}
}

static void
test_export_rows(void)
{
	struct t_out o;
	FILE *f = t_out_open(&o);
	struct csvout w;
	struct export_row r = {"R1", "C1", "CANTINE", 0, "reserve", "waitlisted", NULL, 2, 3, 0};

	r.day = when_day_from_ymd(2019, 12, 6);
	r.decided_at = (int64_t)when_day_from_ymd(2019, 12, 5) * 86400 + 2 * 3600 + 5;
	export_begin(&w, f, EXPORT_SAFE);
	export_row(&w, &r);
	r.state = "pending";
	r.position = 0;
	r.batch_id = 0;
	export_row(&w, &r);
	CHECK_STR(t_out_text(&o),
	          "request_id;child_id;activity_id;date;action;state;reason;position;"
	          "batch_id;decided_at\n"
	          "R1;C1;CANTINE;2019-12-06;reserve;waitlisted;;2;3;2019-12-05 02:00:05\n"
	          "R1;C1;CANTINE;2019-12-06;reserve;pending;;;;\n");
	t_out_free(&o);
}

/*
 * The days and instants export_row remembers (export.c) are the ones
 * when.c makes, row after row: days that share the memo's slot (512
 * apart), day 0 (a slot never made is empty, not 1970-01-01's), instants
 * that come back after another.
 */
static void
test_export_memo(void)
{
	static const int32_t days[] = {0, 512, 0, 19000, 19512, 19000, 1024, -1, 511};
	static const int64_t ats[] = {5, 86405, 5, 0, 0, 1700000000, 86405, 5, 0};
	struct t_out o;
	FILE *f = t_out_open(&o);
	struct csvout w;
	struct export_row r = {"R", "C", "A", 0, "reserve", "accepted", NULL, 0, 1, 0};
	char want[4096], date[WHEN_DATE_LEN], at[WHEN_DATETIME_LEN];
	size_t n = 0;

	csvout_init(&w, f, ';', 0);
	for (size_t i = 0; i < sizeof(days) / sizeof(days[0]); i++) {
		r.day = days[i];
		r.decided_at = ats[i];
		export_row(&w, &r);
		when_format_date(days[i], date);
		when_format_datetime(ats[i], at);
		n += (size_t)snprintf(want + n, sizeof(want) - n, "R;C;A;%s;reserve;accepted;;;1;%s\n",
		                      date, at);
	}
	CHECK_STR(t_out_text(&o), want);
	t_out_free(&o);
}

/* csvout_int writes what "%lld" does, at both ends of the range too. */
static void
test_ints(void)
{
	static const long long v[] = {0, 7, -1, 10, 99, -100, 1234567890123LL, LLONG_MAX, LLONG_MIN};
	struct t_out o;
	FILE *f = t_out_open(&o);
	struct csvout w;
	char want[512];
	size_t n = 0;

	csvout_init(&w, f, ';', 0);
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		csvout_int(&w, v[i]);
		n += (size_t)snprintf(want + n, sizeof(want) - n, "%s%lld", i ? ";" : "", v[i]);
	}
	csvout_end_row(&w);
	snprintf(want + n, sizeof(want) - n, "\n");
	CHECK_STR(t_out_text(&o), want);
	t_out_free(&o);
}

int
main(void)
{
	T_RUN(test_fields);
	T_RUN(test_ints);
	T_RUN(test_formula_leads);
	T_RUN(test_export_rows);
	T_RUN(test_export_memo);
	return t_status();
}
