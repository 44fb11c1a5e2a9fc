#include "export.h"

#include "when.h"

int
export_begin(struct csvout *w, FILE *fp, enum export_mode mode)
{
	static const char *const cols[] = {"request_id", "child_id",  "activity_id", "date",
	                                   "action",     "state",     "reason",      "position",
	                                   "batch_id",   "decided_at"};
	int rc = 0;

	csvout_init(w, fp, ';', mode == EXPORT_RAW ? 0 : CSVOUT_SAFE);
	for (size_t i = 0; i < sizeof(cols) / sizeof(cols[0]); i++)
		rc |= csvout_field(w, cols[i]);
	rc |= csvout_end_row(w);
	return rc ? -1 : 0;
}

int
export_row(struct csvout *w, const struct export_row *r)
{
	char date[WHEN_DATE_LEN], at[WHEN_DATETIME_LEN];
	int rc = 0;

	when_format_date(r->day, date);
	rc |= csvout_field(w, r->request_id);
	rc |= csvout_field(w, r->child_id);
	rc |= csvout_field(w, r->activity_id);
	rc |= csvout_field(w, date);
	rc |= csvout_field(w, r->action);
	rc |= csvout_field(w, r->state);
	rc |= csvout_field(w, r->reason);
	rc |= r->position > 0 ? csvout_int(w, r->position) : csvout_field(w, NULL);
	if (r->batch_id > 0) {
		when_format_datetime(r->decided_at, at);
		rc |= csvout_int(w, r->batch_id);
		rc |= csvout_field(w, at);
	} else {
		rc |= csvout_field(w, NULL);
		rc |= csvout_field(w, NULL);
	}
	rc |= csvout_end_row(w);
	return rc ? -1 : 0;
}
