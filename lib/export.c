#include "export.h"

#include "when.h"

void
export_init(struct csvout *w, FILE *fp, enum export_mode mode)
{
	csvout_init(w, fp, ';', mode == EXPORT_RAW ? 0 : CSVOUT_SAFE);
}

int
export_begin(struct csvout *w, FILE *fp, enum export_mode mode)
{
	static const char *const cols[] = {"request_id", "child_id",  "activity_id", "date",
	                                   "action",     "state",     "reason",      "position",
	                                   "batch_id",   "decided_at"};
	int rc = 0;

	export_init(w, fp, mode);
	for (size_t i = 0; i < sizeof(cols) / sizeof(cols[0]); i++)
		rc |= csvout_field(w, cols[i]);
	rc |= csvout_end_row(w);
	return rc ? -1 : 0;
}

/*
 * The texts of the days and instants a thread's exports wrote last: a
 * million rows name a year's few hundred days and a few batches' instants,
 * and making each row's again (when.c) cost 5% of a million-row export's
 * CPU. A direct-mapped table by day (a year fits without a collision), the
 * last instant. Only the texts when.c would make again.
 */
#define DAY_MEMO 512

struct day_memo {
	int32_t day;
	char text[WHEN_DATE_LEN]; /* "" until made */
};

struct memo {
	struct day_memo days[DAY_MEMO];
	int64_t at;
	char at_text[WHEN_DATETIME_LEN]; /* "" until made */
};

static _Thread_local struct memo memo;

static const char *
day_text(int32_t day)
{
	struct day_memo *m = &memo.days[(uint32_t)day % DAY_MEMO];

	if (m->text[0] == '\0' || m->day != day) {
		when_format_date(day, m->text);
		m->day = day;
	}
	return m->text;
}

static const char *
at_text(int64_t at)
{
	if (memo.at_text[0] == '\0' || memo.at != at) {
		when_format_datetime(at, memo.at_text);
		memo.at = at;
	}
	return memo.at_text;
}

int
export_row(struct csvout *w, const struct export_row *r)
{
	int rc = 0;

	rc |= csvout_field(w, r->request_id);
	rc |= csvout_field(w, r->child_id);
	rc |= csvout_field(w, r->activity_id);
	rc |= csvout_field(w, day_text(r->day));
	rc |= csvout_field(w, r->action);
	rc |= csvout_field(w, r->state);
	rc |= csvout_field(w, r->reason);
	rc |= r->position > 0 ? csvout_int(w, r->position) : csvout_field(w, NULL);
	if (r->batch_id > 0) {
		rc |= csvout_int(w, r->batch_id);
		rc |= csvout_field(w, at_text(r->decided_at));
	} else {
		rc |= csvout_field(w, NULL);
		rc |= csvout_field(w, NULL);
	}
	rc |= csvout_end_row(w);
	return rc ? -1 : 0;
}
