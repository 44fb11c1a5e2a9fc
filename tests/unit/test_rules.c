#include "rules.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "t.h"
#include "when.h"

/* A slot under test: its requests, the activity, the batch. */
static struct rules_req R[64];
static int nr;
static struct rules_activity act;
static struct rules_slot slot;
static struct rules_batch batch;
static struct rules_counts cnt;
static struct rules_work work;

static int32_t
day_of(const char *s)
{
	int32_t d = 0;
	if (when_parse_date(s, &d) != 0)
		abort();
	return d;
}

static int64_t
at(const char *s)
{
	int64_t t = 0;
	if (when_parse_datetime(s, &t) != 0)
		abort();
	return t;
}

/* Friday 2019-12-06, batch on Tuesday 2019-12-03, 2 places, list without limit. */
static void
setup(void)
{
	memset(R, 0, sizeof(R));
	nr = 0;
	memset(&act, 0, sizeof(act));
	act.ref = 1;
	act.capacity = 2;
	act.waitlist = -1;
	act.hours_from = act.hours_to = RULES_NO_TIME;
	memset(&slot, 0, sizeof(slot));
	slot.act = &act;
	slot.day = day_of("2019-12-06");
	slot.open = 1;
	slot.capacity = 2;
	batch.day = day_of("2019-12-03");
	batch.refuse_debtor = 0;
	batch.expire_waitlist = 1;
	memset(&cnt, 0, sizeof(cnt));
}

/* A request of the slot; t = minutes after 2019-12-01 00:00 (submitted_at). */
static struct rules_req *
mk(int seq, int child, int action, int state, int t)
{
	struct rules_req *r = &R[nr++];
	r->seq = seq;
	r->child = child;
	r->activity = 1;
	r->day = slot.day;
	r->action = (uint8_t)action;
	r->state = (uint8_t)state;
	r->submitted_at = at("2019-12-01 00:00") + 60 * t;
	r->arrival = r->departure = RULES_NO_TIME;
	return r;
}
#define RES(seq, child, t) mk(seq, child, RULES_RESERVE, RULES_PENDING, t)
#define CAN(seq, child, t) mk(seq, child, RULES_CANCEL, RULES_PENDING, t)
#define HELD(seq, child, t) mk(seq, child, RULES_RESERVE, RULES_ACCEPTED, t)

static struct rules_req *
WAIT(int seq, int child, int t, int pos)
{
	struct rules_req *r = mk(seq, child, RULES_RESERVE, RULES_WAITLISTED, t);
	r->position = pos;
	return r;
}

/* Resolve R[0..nr) handed over in the order given by idx (NULL: as stored). */
static void
resolve_order(const int *idx)
{
	struct rules_req *p[64];
	for (int i = 0; i < nr; i++)
		p[i] = &R[idx ? idx[i] : i];
	rules_resolve_slot(&work, &slot, &batch, p, (size_t)nr, &cnt);
}

static void
resolve(void)
{
	resolve_order(NULL);
}

#define CHECK_REQ(r, st, why, pos)                                                            \
	do {                                                                                  \
		CHECK_STR(rules_state_name((r)->state), st);                                  \
		CHECK_STR(rules_reason_name((r)->reason), why);                               \
		CHECK_INT((r)->position, pos);                                                \
	} while (0)

static void
test_names(void)
{
	for (int i = 0; i < RULES_NSTATES; i++)
		CHECK_INT(rules_state_parse(rules_state_name(i)), i);
	for (int i = 1; i < RULES_NREASONS; i++)
		CHECK_INT(rules_reason_parse(rules_reason_name(i)), i);
	CHECK_STR(rules_state_name(RULES_WAITLISTED), "waitlisted");
	CHECK_STR(rules_reason_name(RULES_NOTHING_TO_CANCEL), "nothing_to_cancel");
	CHECK_INT(rules_state_parse("bogus"), -1);
	CHECK_INT(rules_reason_parse(""), -1);
	CHECK_INT(rules_state_parse(NULL), -1);
	CHECK_INT(rules_reason_parse(NULL), -1);
}

static void
test_deadline_example(void)
{
	struct rules_req *r;

	setup();
	act.deadline_days = 2;
	act.deadline_time = 10 * 60;
	CHECK_INT(when_weekday(slot.day), 4); /* a Friday */
	CHECK(rules_on_time(&act, NULL, slot.day, at("2019-12-04 09:59:59")));
	CHECK(!rules_on_time(&act, NULL, slot.day, at("2019-12-04 10:00:00")));
	CHECK(!rules_on_time(&act, NULL, slot.day, at("2019-12-05 08:00:00")));
	CHECK(rules_on_time(&act, NULL, slot.day, at("2019-12-03 23:00:00")));
	r = RES(1, 1, 0);
	r->submitted_at = at("2019-12-04 09:59:59");
	CHECK_INT(rules_validate(&slot, &batch, r), RULES_OK);
	r->submitted_at = at("2019-12-04 10:00:00");
	CHECK_INT(rules_validate(&slot, &batch, r), RULES_DEADLINE);
	/* Cancellations have the same deadline. */
	r->action = RULES_CANCEL;
	CHECK_INT(rules_validate(&slot, &batch, r), RULES_DEADLINE);
	/* Default deadline: strictly before the day itself at 00:00. */
	act.deadline_days = 0;
	act.deadline_time = 0;
	CHECK(rules_on_time(&act, NULL, slot.day, at("2019-12-05 23:59:59")));
	CHECK(!rules_on_time(&act, NULL, slot.day, at("2019-12-06 00:00:00")));
}


/*
 * A school canteen of the year 2019-2020: open Monday, Tuesday, Thursday and
 * Friday from Monday 2019-09-02, closed on Wednesdays and during the
 * Toussaint holidays (2019-10-19 .. 2019-11-03).
 */
static int32_t canteen[400];
static struct rules_openings canteen_days;

static void
setup_canteen(void)
{
	int32_t d, first = day_of("2019-09-02"), last = day_of("2020-07-03");
	size_t n = 0;

	for (d = first; d <= last; d++) {
		int wd = when_weekday(d);
		if (wd == 2 || wd >= 5)
			continue;
		if (d >= day_of("2019-10-19") && d <= day_of("2019-11-03"))
			continue;
		canteen[n++] = d;
	}
	canteen_days.days = canteen;
	canteen_days.n = n;
	setup();
	act.deadline_rule = RULES_DL_OPEN;
	act.deadline_days = 1;
	act.deadline_time = 11 * 60;
}

#define CHECK_DEADLINE(o, day, expect)                                                      \
	CHECK_INT(rules_deadline(&act, (o), day_of(day)), at(expect))

static void
test_deadline_open(void)
{
	struct rules_req *r;

	setup_canteen();
	/* The previous open day: Friday for Monday, Monday for Tuesday,
	 * Tuesday for Thursday (no school on Wednesday). */
	CHECK_DEADLINE(&canteen_days, "2019-12-09", "2019-12-06 11:00");
	CHECK_DEADLINE(&canteen_days, "2019-12-10", "2019-12-09 11:00");
	CHECK_DEADLINE(&canteen_days, "2019-12-12", "2019-12-10 11:00");
	CHECK_DEADLINE(&canteen_days, "2019-12-13", "2019-12-12 11:00");
	/* A Wednesday (closed: refused as closed anyway) still has a deadline. */
	CHECK_DEADLINE(&canteen_days, "2019-12-11", "2019-12-10 11:00");
	/* The Monday after a holiday week without openings: the Friday before
	 * the holidays. */
	CHECK_DEADLINE(&canteen_days, "2019-11-04", "2019-10-18 11:00");
	/* The first opening of the year: no open day before, calendar days. */
	CHECK_DEADLINE(&canteen_days, "2019-09-02", "2019-09-01 11:00");
	/* Two open days before the second opening: one open day (09-02), then
	 * one calendar day before it. */
	act.deadline_days = 2;
	CHECK_DEADLINE(&canteen_days, "2019-09-03", "2019-09-01 11:00");
	CHECK_DEADLINE(&canteen_days, "2019-12-09", "2019-12-05 11:00");
	CHECK_DEADLINE(&canteen_days, "2019-12-12", "2019-12-09 11:00");
	/* Zero days: the day itself. */
	act.deadline_days = 0;
	CHECK_DEADLINE(&canteen_days, "2019-12-12", "2019-12-12 11:00");
	/* No openings known (NULL or empty): calendar days. */
	act.deadline_days = 1;
	CHECK_DEADLINE(NULL, "2019-12-09", "2019-12-08 11:00");

	/* The night's refusal uses it: a Monday request made on Saturday is late. */
	slot.day = day_of("2019-12-09");
	slot.open_days = &canteen_days;
	r = RES(1, 1, 0);
	r->day = slot.day;
	r->submitted_at = at("2019-12-07 09:00");
	CHECK_INT(rules_validate(&slot, &batch, r), RULES_DEADLINE);
	r->submitted_at = at("2019-12-06 10:59:59");
	CHECK_INT(rules_validate(&slot, &batch, r), RULES_OK);
	r->submitted_at = at("2019-12-06 11:00");
	CHECK_INT(rules_validate(&slot, &batch, r), RULES_DEADLINE);
	/* The calendar rule would have taken Sunday and accepted Saturday. */
	act.deadline_rule = RULES_DL_CALENDAR;
	r->submitted_at = at("2019-12-07 09:00");
	CHECK_INT(rules_validate(&slot, &batch, r), RULES_OK);
}

static void
test_deadline_week(void)
{
	setup();
	act.deadline_rule = RULES_DL_WEEK;
	act.deadline_wday = 3; /* jeudi */
	act.deadline_time = 9 * 60;
	act.deadline_days = 5; /* ignored */
	/* Every day of the week of Monday 2019-12-09 closes on Thursday 12-05. */
	CHECK_DEADLINE(NULL, "2019-12-09", "2019-12-05 09:00");
	CHECK_DEADLINE(NULL, "2019-12-11", "2019-12-05 09:00");
	CHECK_DEADLINE(NULL, "2019-12-15", "2019-12-05 09:00");
	CHECK_DEADLINE(NULL, "2019-12-16", "2019-12-12 09:00");
	/* Across a month and a year. */
	CHECK_DEADLINE(NULL, "2019-12-02", "2019-11-28 09:00");
	CHECK_DEADLINE(NULL, "2020-01-05", "2019-12-26 09:00");
	/* week:dimanche: the Sunday before a Monday, a week before a Sunday. */
	act.deadline_wday = 6;
	CHECK_DEADLINE(NULL, "2019-12-09", "2019-12-08 09:00");
	CHECK_DEADLINE(NULL, "2019-12-15", "2019-12-08 09:00");
	/* week:lundi on a Monday: the Monday a week before. */
	act.deadline_wday = 0;
	CHECK_DEADLINE(NULL, "2019-12-09", "2019-12-02 09:00");
	/* Openings change nothing. */
	setup_canteen();
	act.deadline_rule = RULES_DL_WEEK;
	act.deadline_wday = 3;
	act.deadline_time = 9 * 60;
	CHECK_DEADLINE(&canteen_days, "2019-11-04", "2019-10-31 09:00");
}

/* Property: with every day open, the open rule is the calendar rule. */
static void
test_deadline_open_all_days_is_calendar(void)
{
	static int32_t days[2000];
	struct rules_openings o = {days, 0};
	struct rules_activity cal;
	unsigned seed = 4242;

	setup();
	for (int round = 0; round < 5000; round++) {
		seed = seed * 1103515245u + 12345u;
		int32_t d = day_of("2019-09-01") + (int32_t)((seed >> 8) % 600);
		seed = seed * 1103515245u + 12345u;
		int32_t start = d - 60 + (int32_t)((seed >> 8) % 90); /* before or after d */
		seed = seed * 1103515245u + 12345u;
		int32_t end = d + (int32_t)((seed >> 8) % 30);
		if (end - start + 1 > 2000 || end < start)
			continue;
		o.n = 0;
		for (int32_t x = start; x <= end; x++)
			days[o.n++] = x;
		act.deadline_rule = RULES_DL_OPEN;
		act.deadline_days = (int)((seed >> 4) % 40);
		act.deadline_time = (int)((seed >> 12) % 1440);
		cal = act;
		cal.deadline_rule = RULES_DL_CALENDAR;
		if (rules_deadline(&act, &o, d) != rules_deadline(&cal, NULL, d)) {
			CHECK_INT(rules_deadline(&act, &o, d), rules_deadline(&cal, NULL, d));
			break;
		}
	}
}

static void
test_deadline_rule_parse(void)
{
	static const struct {
		const char *s;
		int ok, rule, wday;
	} cases[] = {
	    {"calendar", 1, RULES_DL_CALENDAR, 0}, {"open", 1, RULES_DL_OPEN, 0},
	    {"ouvré", 1, RULES_DL_OPEN, 0},        {"OUVRÉ", 1, RULES_DL_OPEN, 0},
	    {"ouvre", 1, RULES_DL_OPEN, 0},        {"week:jeudi", 1, RULES_DL_WEEK, 3},
	    {"semaine:jeu", 1, RULES_DL_WEEK, 3},  {"week:Thursday", 1, RULES_DL_WEEK, 3},
	    {"week:thu", 1, RULES_DL_WEEK, 3},     {"semaine:dimanche", 1, RULES_DL_WEEK, 6},
	    {"week:mon", 1, RULES_DL_WEEK, 0},     {"week:mar", 1, RULES_DL_WEEK, 1},
	    {"week:", 0, 0, 0},                    {"semaine:", 0, 0, 0},
	    {"week:jeud", 0, 0, 0},                {"week:funday", 0, 0, 0},
	    {"weekly", 0, 0, 0},                   {"ouvrable", 0, 0, 0},
	    {"", 0, 0, 0},
	};
	int rule, wday;
	const char *why = NULL;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int rc = rules_deadline_rule_parse(cases[i].s, &rule, &wday, &why);
		CHECK_INT(rc, cases[i].ok ? 0 : -1);
		if (rc != (cases[i].ok ? 0 : -1))
			printf("    case '%s'\n", cases[i].s);
		if (rc == 0) {
			CHECK_INT(rule, cases[i].rule);
			CHECK_INT(wday, cases[i].wday);
		}
	}
	CHECK(rules_deadline_rule_parse("week:", &rule, &wday, &why) < 0 &&
	      strstr(why, "has no day") != NULL);
	for (int i = 0; i < 3; i++)
		CHECK_INT(rules_deadline_rule_read(rules_deadline_rule_name(i)), i);
	CHECK_INT(rules_deadline_rule_read(NULL), RULES_DL_CALENDAR);
}

static void
test_validation_order(void)
{
	struct rules_req *r;

	setup();
	act.deadline_days = 1;
	act.hours_from = 8 * 60;
	act.hours_to = 18 * 60;
	batch.refuse_debtor = 1;
	r = RES(1, 1, 0);
	r->submitted_at = at("2019-12-06 12:00"); /* late */
	r->flags = RULES_F_DEBTOR;                /* no arrival either */
	slot.open = 0;
	CHECK_INT(rules_validate(&slot, &batch, r), RULES_CLOSED);
	slot.open = 1;
	CHECK_INT(rules_validate(&slot, &batch, r), RULES_DEADLINE);
	r->submitted_at = at("2019-12-01 12:00");
	CHECK_INT(rules_validate(&slot, &batch, r), RULES_TIMES);
	r->arrival = 9 * 60;
	CHECK_INT(rules_validate(&slot, &batch, r), RULES_DEBTOR);
	batch.refuse_debtor = 0;
	CHECK_INT(rules_validate(&slot, &batch, r), RULES_OK);
	batch.refuse_debtor = 1;
	r->flags = 0;
	CHECK_INT(rules_validate(&slot, &batch, r), RULES_OK);
	/* A cancellation knows neither times nor debtor. */
	r->flags = RULES_F_DEBTOR;
	r->arrival = RULES_NO_TIME;
	r->action = RULES_CANCEL;
	CHECK_INT(rules_validate(&slot, &batch, r), RULES_OK);
	slot.open = 0;
	CHECK_INT(rules_validate(&slot, &batch, r), RULES_CLOSED);
}

static void
test_times(void)
{
	static const struct {
		int arr, dep, ok;
	} cases[] = {
		{RULES_NO_TIME, RULES_NO_TIME, 0}, /* arrival required */
		{480, RULES_NO_TIME, 1},           /* 08:00, the bound itself */
		{1080, RULES_NO_TIME, 1},          /* 18:00 */
		{479, RULES_NO_TIME, 0},           /* 07:59 */
		{1081, RULES_NO_TIME, 0},          /* 18:01 */
		{480, 1080, 1},                    /* whole day */
		{600, 601, 1},
		{600, 600, 0},  /* departure not after arrival */
		{600, 540, 0},  /* before */
		{600, 1081, 0}, /* departure outside */
		{RULES_NO_TIME, 900, 0},
	};
	struct rules_req *r;

	setup();
	r = RES(1, 1, 0);
	/* Without hours, any times (or none) pass. */
	r->arrival = 1300;
	r->departure = 10;
	CHECK_INT(rules_validate(&slot, &batch, r), RULES_OK);
	act.hours_from = 8 * 60;
	act.hours_to = 18 * 60;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		r->arrival = (int16_t)cases[i].arr;
		r->departure = (int16_t)cases[i].dep;
		if (cases[i].ok)
			CHECK_INT(rules_validate(&slot, &batch, r), RULES_OK);
		else
			CHECK_INT(rules_validate(&slot, &batch, r), RULES_TIMES);
		if (rules_validate(&slot, &batch, r) != (cases[i].ok ? RULES_OK : RULES_TIMES))
			printf("  case %zu\n", i);
	}
	/* Resolved: refused with reason times, counted. */
	r->arrival = RULES_NO_TIME;
	r->departure = RULES_NO_TIME;
	resolve();
	CHECK_REQ(r, "refused", "times", 0);
	CHECK_INT(cnt.n_reason[RULES_TIMES], 1);
	CHECK_INT(cnt.n_refused, 1);
}

static void
test_capacity_then_list_in_order(void)
{
	/* Handed over scrambled: the order is submitted_at, then seq. */
	static const int idx[] = {4, 2, 0, 3, 1};
	setup();
	RES(5, 15, 30); /* R0: t=30 */
	RES(2, 12, 10); /* R1: t=10, seq 2 */
	RES(9, 19, 10); /* R2: t=10, seq 9 */
	RES(1, 11, 20); /* R3 */
	RES(7, 17, 5);  /* R4: first */
	resolve_order(idx);
	CHECK_REQ(&R[4], "accepted", "", 0);
	CHECK_REQ(&R[1], "accepted", "", 0);
	CHECK_REQ(&R[2], "waitlisted", "", 1);
	CHECK_REQ(&R[3], "waitlisted", "", 2);
	CHECK_REQ(&R[0], "waitlisted", "", 3);
	for (int i = 0; i < nr; i++)
		CHECK_INT(R[i].flags, RULES_F_CHANGED);
	CHECK_INT(cnt.n_requests, 5);
	CHECK_INT(cnt.n_accepted, 2);
	CHECK_INT(cnt.n_waitlisted, 3);
	CHECK_INT(cnt.n_refused, 0);
}

static void
test_waitlist_kinds(void)
{
	/* No list: full. */
	setup();
	act.waitlist = 0;
	HELD(1, 1, 0);
	HELD(2, 2, 1);
	RES(3, 3, 2);
	resolve();
	CHECK_REQ(&R[2], "refused", "full", 0);
	CHECK_INT(cnt.n_reason[RULES_FULL], 1);

	/* A list of at most 2, one already waiting. */
	setup();
	act.waitlist = 2;
	HELD(1, 1, 0);
	HELD(2, 2, 1);
	WAIT(3, 3, 2, 1);
	RES(4, 4, 3);
	RES(5, 5, 4);
	resolve();
	CHECK_REQ(&R[2], "waitlisted", "", 1);
	CHECK_INT(R[2].flags, 0);
	CHECK_REQ(&R[3], "waitlisted", "", 2);
	CHECK_REQ(&R[4], "refused", "full", 0);

	/* Unlimited list. */
	setup();
	slot.capacity = 0;
	for (int i = 0; i < 40; i++)
		RES(i + 1, i + 1, i);
	resolve();
	for (int i = 0; i < 40; i++)
		CHECK_REQ(&R[i], "waitlisted", "", i + 1);

	/* Unlimited capacity: all accepted. */
	setup();
	slot.capacity = -1;
	for (int i = 0; i < 40; i++)
		RES(i + 1, i + 1, i);
	resolve();
	for (int i = 0; i < 40; i++)
		CHECK_REQ(&R[i], "accepted", "", 0);
	CHECK_INT(cnt.n_accepted, 40);
}

static void
test_capacity_helper(void)
{
	setup();
	act.capacity = 30;
	CHECK_INT(rules_capacity(&act, 1, 12), 12);
	CHECK_INT(rules_capacity(&act, 0, 12), 30);
	act.capacity = -1;
	CHECK_INT(rules_capacity(&act, 0, 0), -1);
	CHECK_INT(rules_capacity(&act, 1, 0), 0);
}

static void
test_duplicates(void)
{
	setup();
	slot.capacity = 1;
	HELD(1, 1, 0);
	WAIT(2, 2, 1, 1);
	RES(3, 1, 2); /* holds a place */
	RES(4, 2, 3); /* already waitlisted */
	RES(5, 3, 4); /* new: waitlisted */
	RES(6, 3, 5); /* waitlisted earlier tonight */
	resolve();
	CHECK_REQ(&R[2], "refused", "duplicate", 0);
	CHECK_REQ(&R[3], "refused", "duplicate", 0);
	CHECK_REQ(&R[4], "waitlisted", "", 2);
	CHECK_REQ(&R[5], "refused", "duplicate", 0);
	CHECK_INT(cnt.n_reason[RULES_DUPLICATE], 3);

	/* A place taken earlier in the same batch. */
	setup();
	RES(1, 7, 0);
	RES(2, 7, 1);
	resolve();
	CHECK_REQ(&R[0], "accepted", "", 0);
	CHECK_REQ(&R[1], "refused", "duplicate", 0);
}

static void
test_cancel_promotes(void)
{
	setup();
	HELD(1, 1, 0);
	HELD(2, 2, 1);
	WAIT(3, 3, 2, 1);
	WAIT(4, 4, 3, 2);
	WAIT(5, 5, 4, 3);
	CAN(6, 1, 10);
	resolve();
	CHECK_REQ(&R[5], "accepted", "", 0);
	CHECK_INT(R[5].undoes, 1);
	CHECK_REQ(&R[0], "cancelled", "", 0);
	CHECK_INT(R[0].flags, RULES_F_CHANGED | RULES_F_CANCELLED);
	CHECK_REQ(&R[1], "accepted", "", 0);
	CHECK_INT(R[1].flags, 0);
	CHECK_REQ(&R[2], "accepted", "", 0);
	CHECK_INT(R[2].flags, RULES_F_CHANGED | RULES_F_PROMOTED);
	CHECK_REQ(&R[3], "waitlisted", "", 1);
	CHECK_INT(R[3].flags, RULES_F_MOVED);
	CHECK_REQ(&R[4], "waitlisted", "", 2);
	CHECK_INT(R[4].flags, RULES_F_MOVED);
	CHECK_INT(cnt.n_accepted, 1);
	CHECK_INT(cnt.n_promoted, 1);
	CHECK_INT(cnt.n_cancelled, 1);
}

static void
test_cancel_waitlisted_and_nothing(void)
{
	setup();
	HELD(1, 1, 0);
	HELD(2, 2, 1);
	WAIT(3, 3, 2, 1);
	WAIT(4, 4, 3, 2);
	CAN(5, 3, 10);
	CAN(6, 9, 11);
	CAN(7, 3, 12); /* its reservation is already cancelled */
	resolve();
	CHECK_REQ(&R[4], "accepted", "", 0);
	CHECK_INT(R[4].undoes, 3);
	CHECK_REQ(&R[2], "cancelled", "", 0);
	CHECK_INT(R[2].flags, RULES_F_CHANGED | RULES_F_CANCELLED);
	CHECK_REQ(&R[3], "waitlisted", "", 1);
	CHECK_INT(R[3].flags, RULES_F_MOVED);
	CHECK_REQ(&R[5], "refused", "nothing_to_cancel", 0);
	CHECK_REQ(&R[6], "refused", "nothing_to_cancel", 0);
	CHECK_INT(R[6].undoes, 0);
	CHECK_INT(cnt.n_promoted, 0);
	CHECK_INT(cnt.n_reason[RULES_NOTHING_TO_CANCEL], 2);
}

static void
test_same_batch_sequences(void)
{
	/* Reserve, cancel, reserve again: accepted, undone, accepted. */
	setup();
	RES(1, 1, 0);
	CAN(2, 1, 1);
	RES(3, 1, 2);
	resolve();
	CHECK_REQ(&R[0], "cancelled", "", 0);
	CHECK_INT(R[0].flags, RULES_F_CHANGED | RULES_F_CANCELLED);
	CHECK_REQ(&R[1], "accepted", "", 0);
	CHECK_INT(R[1].undoes, 1);
	CHECK_REQ(&R[2], "accepted", "", 0);
	CHECK_INT(cnt.n_accepted, 3);
	CHECK_INT(cnt.n_cancelled, 1);

	/* Waitlisted tonight, then promoted tonight by a cancellation. */
	setup();
	slot.capacity = 1;
	RES(1, 1, 0);
	RES(2, 2, 1);
	CAN(3, 1, 2);
	resolve();
	CHECK_REQ(&R[0], "cancelled", "", 0);
	CHECK_REQ(&R[1], "accepted", "", 0);
	CHECK_INT(R[1].flags, RULES_F_CHANGED | RULES_F_PROMOTED);
	CHECK_INT(cnt.n_waitlisted, 1);
	CHECK_INT(cnt.n_promoted, 1);
}

static void
test_capacity_raised(void)
{
	/* No request tonight: the raised capacity promotes the list in order. */
	setup();
	slot.capacity = 4;
	HELD(1, 1, 0);
	HELD(2, 2, 1);
	WAIT(9, 5, 2, 1);
	WAIT(4, 3, 2, 2); /* same submitted_at as seq 9: seq 4 is first */
	WAIT(5, 4, 5, 3);
	resolve();
	CHECK_REQ(&R[3], "accepted", "", 0);
	CHECK_REQ(&R[2], "accepted", "", 0);
	CHECK_INT(R[3].flags, RULES_F_CHANGED | RULES_F_PROMOTED);
	CHECK_REQ(&R[4], "waitlisted", "", 1);
	CHECK_INT(R[4].flags, RULES_F_MOVED);
	CHECK_INT(cnt.n_promoted, 2);
	CHECK_INT(cnt.n_requests, 0);

	/* The list goes first: a new request waits behind it. */
	setup();
	slot.capacity = 3;
	HELD(1, 1, 0);
	HELD(2, 2, 1);
	WAIT(3, 3, 2, 1);
	WAIT(4, 4, 3, 2);
	RES(5, 5, 10);
	resolve();
	CHECK_REQ(&R[2], "accepted", "", 0);
	CHECK_REQ(&R[3], "waitlisted", "", 1);
	CHECK_REQ(&R[4], "waitlisted", "", 2);

	/* Unlimited now: everybody in. */
	setup();
	slot.capacity = -1;
	HELD(1, 1, 0);
	WAIT(3, 3, 2, 1);
	WAIT(4, 4, 3, 2);
	resolve();
	CHECK_REQ(&R[1], "accepted", "", 0);
	CHECK_REQ(&R[2], "accepted", "", 0);
}

static void
test_promote_days(void)
{
	/* promote_days = 1: slot one day ahead: promoted. */
	setup();
	act.promote_days = 1;
	batch.day = slot.day - 1;
	HELD(1, 1, 0);
	HELD(2, 2, 1);
	WAIT(3, 3, 2, 1);
	CAN(4, 1, 3);
	resolve();
	CHECK_REQ(&R[2], "accepted", "", 0);

	/* Slot too near (same day): the place stays free, the list waits, and a
	 * new request does not jump the queue. */
	setup();
	act.promote_days = 1;
	batch.day = slot.day;
	HELD(1, 1, 0);
	HELD(2, 2, 1);
	WAIT(3, 3, 2, 1);
	CAN(4, 1, 3);
	RES(5, 5, 4);
	resolve();
	CHECK_REQ(&R[3], "accepted", "", 0);
	CHECK_REQ(&R[0], "cancelled", "", 0);
	CHECK_REQ(&R[2], "waitlisted", "", 1);
	CHECK_INT(R[2].flags, 0);
	CHECK_REQ(&R[4], "waitlisted", "", 2);
	CHECK_INT(cnt.n_promoted, 0);

	/* Too near for a raised capacity as well. */
	setup();
	act.promote_days = 3;
	batch.day = slot.day - 2;
	slot.capacity = 5;
	WAIT(3, 3, 2, 1);
	resolve();
	CHECK_REQ(&R[0], "waitlisted", "", 1);

	/* promote_days = 0: the slot's own day still promotes. */
	setup();
	batch.day = slot.day;
	slot.capacity = 3;
	HELD(1, 1, 0);
	HELD(2, 2, 1);
	WAIT(3, 3, 2, 1);
	resolve();
	CHECK_REQ(&R[2], "accepted", "", 0);
	CHECK(rules_may_promote(&slot, &batch));
	batch.day = slot.day + 1;
	CHECK(!rules_may_promote(&slot, &batch));
}

static void
test_expiry(void)
{
	/* A day gone by: its list expires. */
	setup();
	batch.day = slot.day + 1;
	HELD(1, 1, 0);
	HELD(2, 2, 1);
	WAIT(3, 3, 2, 1);
	WAIT(4, 4, 3, 2);
	resolve();
	CHECK_REQ(&R[2], "expired", "", 0);
	CHECK_INT(R[2].flags, RULES_F_CHANGED | RULES_F_EXPIRED);
	CHECK_REQ(&R[3], "expired", "", 0);
	CHECK_REQ(&R[0], "accepted", "", 0);
	CHECK_INT(R[0].flags, 0);
	CHECK_INT(cnt.n_expired, 2);

	/* Without expire_waitlist it stays. */
	setup();
	batch.day = slot.day + 1;
	batch.expire_waitlist = 0;
	HELD(1, 1, 0);
	HELD(2, 2, 1);
	WAIT(3, 3, 2, 1);
	resolve();
	CHECK_REQ(&R[2], "waitlisted", "", 1);
	CHECK_INT(R[2].flags, 0);
	CHECK_INT(cnt.n_expired, 0);

	/* Today is not gone by. */
	setup();
	batch.day = slot.day;
	HELD(1, 1, 0);
	HELD(2, 2, 1);
	WAIT(3, 3, 2, 1);
	resolve();
	CHECK_REQ(&R[2], "waitlisted", "", 1);
}

static void
test_closed_slot(void)
{
	setup();
	slot.open = 0;
	slot.capacity = 10;
	HELD(1, 1, 0);
	WAIT(2, 2, 1, 1);
	RES(3, 3, 2);
	CAN(4, 1, 3);
	resolve();
	CHECK_REQ(&R[1], "waitlisted", "", 1);
	CHECK_REQ(&R[2], "refused", "closed", 0);
	CHECK_REQ(&R[3], "refused", "closed", 0);
	CHECK_REQ(&R[0], "accepted", "", 0);
	CHECK_INT(cnt.n_reason[RULES_CLOSED], 2);
}

static void
test_late_submission_order(void)
{
	/* A request imported late, submitted before the stored list, joins
	 * behind it: a position a family was told never gets worse (contract
	 * section 4). Within the batch, submitted_at then import order. */
	setup();
	HELD(1, 1, 0);
	HELD(2, 2, 1);
	WAIT(3, 3, 50, 1);
	RES(10, 4, 40);
	RES(11, 5, 30);
	RES(9, 6, 30);
	resolve();
	CHECK_REQ(&R[2], "waitlisted", "", 1);
	CHECK_INT(R[2].flags, 0);
	CHECK_REQ(&R[5], "waitlisted", "", 2);
	CHECK_REQ(&R[4], "waitlisted", "", 3);
	CHECK_REQ(&R[3], "waitlisted", "", 4);
	/* The stored order is the stored positions, not submitted_at: the
	 * issue's C2 (23:29, position 1) keeps the head before C3 (23:28,
	 * position 2, it reached a later batch); a free place goes to C2. */
	setup();
	HELD(1, 1, 0);
	HELD(2, 2, 1);
	WAIT(5, 3, 60 * 23 + 29, 1);
	WAIT(6, 4, 60 * 23 + 28, 2);
	CAN(7, 1, 60 * 30);
	resolve();
	CHECK_REQ(&R[2], "accepted", "", 0);
	CHECK(R[2].flags & RULES_F_PROMOTED);
	CHECK_REQ(&R[3], "waitlisted", "", 1);
	CHECK_INT(R[3].flags, RULES_F_MOVED);
}

#define CHECK_EV(i, k, s, o, pos)                                                           \
	do {                                                                                  \
		CHECK_INT(work.events[i].kind, k);                                            \
		CHECK_INT(work.events[i].seq, s);                                             \
		CHECK_INT(work.events[i].other, o);                                           \
		CHECK_INT(work.events[i].position, pos);                                      \
	} while (0)

/* The events of a slot: what the rules decided, transition by transition. */
static void
test_events(void)
{
	/* One place: C1 holds it; C2 waits (position 1); C1 cancels; C2 is
	 * promoted into the place C1's cancellation freed; then C2 cancels. */
	setup();
	slot.capacity = 1;
	work.nevents = 0;
	HELD(1, 1, 0);
	RES(2, 2, 10);
	CAN(3, 1, 20);
	CAN(4, 2, 30);
	resolve();
	CHECK_INT(work.nevents, 6);
	CHECK_EV(0, RULES_EV_WAITLISTED, 2, 0, 1);
	CHECK_EV(1, RULES_EV_ACCEPTED, 3, 1, 0);
	CHECK_EV(2, RULES_EV_CANCELLED, 1, 3, 0);
	CHECK_INT(work.events[2].prev, RULES_ACCEPTED);
	CHECK_EV(3, RULES_EV_PROMOTED, 2, 3, 0);
	CHECK_EV(4, RULES_EV_ACCEPTED, 4, 2, 0);
	CHECK_EV(5, RULES_EV_CANCELLED, 2, 4, 0);
	CHECK_INT(work.events[5].prev, RULES_ACCEPTED); /* promoted: it held a place */

	/* Refusals carry their facts: the holder of a duplicate, the deadline
	 * applied, the hours and the failed bound, a full list. */
	setup();
	slot.capacity = 1;
	act.waitlist = 1;
	act.deadline_days = 1;
	act.deadline_time = 600;
	act.hours_from = 450;
	act.hours_to = 1080;
	work.nevents = 0;
	RES(1, 1, 0)->arrival = 480;
	RES(2, 1, 5)->arrival = 480;
	RES(3, 2, 6)->arrival = 480;
	RES(4, 3, 7)->arrival = 480;
	RES(5, 4, 8);
	RES(6, 5, 60 * 24 * 4 + 600)->arrival = 480; /* 2019-12-05 10:00: at the deadline */
	mk(7, 6, RULES_RESERVE, RULES_PENDING, 9)->arrival = 400;
	R[nr - 1].departure = RULES_NO_TIME;
	CAN(8, 2, 10);
	resolve();
	CHECK_EV(0, RULES_EV_ACCEPTED, 1, 0, 0);
	CHECK_EV(1, RULES_EV_REFUSED, 2, 1, 0);
	CHECK_INT(work.events[1].reason, RULES_DUPLICATE);
	CHECK_EV(2, RULES_EV_WAITLISTED, 3, 0, 1);
	CHECK_EV(3, RULES_EV_REFUSED, 4, 0, 1);
	CHECK_INT(work.events[3].reason, RULES_FULL);
	CHECK_INT(work.events[3].detail, RULES_FULL_LIST_FULL);
	CHECK_EV(4, RULES_EV_REFUSED, 5, 0, 0);
	CHECK_INT(work.events[4].reason, RULES_TIMES);
	CHECK_INT(work.events[4].detail, RULES_TIMES_NO_ARRIVAL);
	CHECK_INT(work.events[4].hours_from, 450);
	CHECK_INT(work.events[4].hours_to, 1080);
	CHECK_EV(5, RULES_EV_REFUSED, 7, 0, 0);
	CHECK_INT(work.events[5].detail, RULES_TIMES_ARRIVAL);
	/* the cancel of a waitlisted request: it leaves the list at position 1 */
	CHECK_EV(6, RULES_EV_ACCEPTED, 8, 3, 0);
	CHECK_EV(7, RULES_EV_CANCELLED, 3, 8, 1);
	CHECK_INT(work.events[7].prev, RULES_WAITLISTED);
	CHECK_EV(8, RULES_EV_REFUSED, 6, 0, 0);
	CHECK_INT(work.events[8].reason, RULES_DEADLINE);
	CHECK_INT(work.events[8].deadline, at("2019-12-05 10:00"));
	CHECK_INT(work.nevents, 9);

	/* A place free when the slot opens (capacity raised): promoted with no
	 * cancellation behind it; a past day's list expires with positions. */
	setup();
	slot.capacity = 3;
	work.nevents = 0;
	HELD(1, 1, 0);
	WAIT(2, 2, 1, 1);
	WAIT(3, 3, 2, 2);
	WAIT(4, 4, 3, 3);
	resolve();
	CHECK_INT(work.nevents, 2);
	CHECK_EV(0, RULES_EV_PROMOTED, 2, 0, 0);
	CHECK_EV(1, RULES_EV_PROMOTED, 3, 0, 0);
	setup();
	slot.day = batch.day - 1;
	work.nevents = 0;
	HELD(1, 1, 0);
	HELD(2, 2, 0);
	WAIT(3, 3, 9, 2);
	WAIT(4, 4, 1, 1);
	resolve();
	CHECK_INT(work.nevents, 2);
	CHECK_EV(0, RULES_EV_EXPIRED, 4, 0, 1);
	CHECK_EV(1, RULES_EV_EXPIRED, 3, 0, 2);
	work.nevents = 0;
}

static void
test_debtor(void)
{
	setup();
	batch.refuse_debtor = 1;
	RES(1, 1, 0)->flags = RULES_F_DEBTOR;
	RES(2, 2, 1);
	CAN(3, 3, 2)->flags = RULES_F_DEBTOR;
	resolve();
	CHECK_REQ(&R[0], "refused", "debtor", 0);
	CHECK_REQ(&R[1], "accepted", "", 0);
	CHECK_REQ(&R[2], "refused", "nothing_to_cancel", 0);
	CHECK_INT(cnt.n_reason[RULES_DEBTOR], 1);
}

static void
test_determinism(void)
{
	struct rules_req first[64];
	int idx[64];
	unsigned seed = 12345;

	for (int round = 0; round < 20; round++) {
		setup();
		slot.capacity = 3;
		act.waitlist = 4;
		for (int i = 0; i < 30; i++) {
			seed = seed * 1103515245u + 12345u;
			int child = (int)(seed >> 16) % 8 + 1;
			int t = (int)(seed >> 8) % 20;
			if ((seed >> 4) % 3 == 0)
				CAN(i + 1, child, t);
			else
				RES(i + 1, child, t);
		}
		struct rules_counts c1;
		resolve();
		memcpy(first, R, sizeof(R));
		c1 = cnt;
		/* Again from scratch, handed over reversed. */
		for (int i = 0; i < nr; i++) {
			R[i].state = RULES_PENDING;
			R[i].reason = RULES_OK;
			R[i].position = 0;
			R[i].undoes = 0;
			R[i].flags = 0;
			idx[i] = nr - 1 - i;
		}
		memset(&cnt, 0, sizeof(cnt));
		resolve_order(idx);
		CHECK(memcmp(first, R, sizeof(R)) == 0);
		CHECK(memcmp(&c1, &cnt, sizeof(cnt)) == 0);
		CHECK_INT(cnt.n_requests, 30);
		CHECK_INT(cnt.n_accepted + cnt.n_waitlisted + cnt.n_refused, 30);
		/* Invariants: at most 3 places held, list at most 4, positions 1..n. */
		int held = 0, wl = 0;
		for (int i = 0; i < nr; i++) {
			if (R[i].state == RULES_ACCEPTED && R[i].action == RULES_RESERVE)
				held++;
			if (R[i].state == RULES_WAITLISTED) {
				wl++;
				CHECK(R[i].position >= 1 && R[i].position <= 4);
			}
		}
		CHECK(held <= 3);
		CHECK(wl <= 4);
		/* A list only waits behind a full slot. */
		if (wl > 0)
			CHECK_INT(held, 3);
	}
}

int
main(void)
{
	rules_work_init(&work);
	T_RUN(test_names);
	T_RUN(test_deadline_example);
	T_RUN(test_deadline_open);
	T_RUN(test_deadline_week);
	T_RUN(test_deadline_open_all_days_is_calendar);
	T_RUN(test_deadline_rule_parse);
	T_RUN(test_validation_order);
	T_RUN(test_times);
	T_RUN(test_capacity_then_list_in_order);
	T_RUN(test_waitlist_kinds);
	T_RUN(test_capacity_helper);
	T_RUN(test_duplicates);
	T_RUN(test_cancel_promotes);
	T_RUN(test_cancel_waitlisted_and_nothing);
	T_RUN(test_same_batch_sequences);
	T_RUN(test_capacity_raised);
	T_RUN(test_promote_days);
	T_RUN(test_expiry);
	T_RUN(test_closed_slot);
	T_RUN(test_late_submission_order);
	T_RUN(test_events);
	T_RUN(test_debtor);
	T_RUN(test_determinism);
	rules_work_release(&work);
	return t_status();
}
