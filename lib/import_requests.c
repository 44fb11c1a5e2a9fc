/*
 * import_requests.c - the rows of a requests file: inserted once, never
 * updated; a request id given again must carry the same values, and the
 * message names the line that gave it first.
 */
#include "import_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "when.h"

static void
fmt_time(char buf[WHEN_TIME_LEN], int has, int minutes)
{
	if (has)
		when_format_time(minutes, buf);
	else
		buf[0] = '\0';
}

static void
diff_request(struct import_diff *df, const struct db_request *x, const struct db_request *y)
{
	char a[WHEN_DATETIME_LEN], b[WHEN_DATETIME_LEN];

	import_diff_str(df, "child_id", x->child_id, y->child_id);
	import_diff_str(df, "activity_id", x->activity_id, y->activity_id);
	when_format_date(x->day, a);
	when_format_date(y->day, b);
	import_diff_str(df, "date", a, b);
	import_diff_str(df, "action", x->action, y->action);
	fmt_time(a, x->has_arrival, x->arrival);
	fmt_time(b, y->has_arrival, y->arrival);
	import_diff_str(df, "arrival", a, b);
	fmt_time(a, x->has_departure, x->departure);
	fmt_time(b, y->has_departure, y->departure);
	import_diff_str(df, "departure", a, b);
	when_format_datetime(x->submitted_at, a);
	when_format_datetime(y->submitted_at, b);
	import_diff_str(df, "submitted_at", a, b);
}

/*
 * The line of each request this import inserted, for the message naming
 * the earlier line of a repeated id. Seqs go up with the lines (the import
 * is the only writer in its transaction), one by one, mostly: only the
 * points where one seq to the next is not one line (a row not inserted, a
 * blank line, a quoted line break) are kept, so memory does not grow with
 * the file.
 */
static void
remember_line(struct run *r, int64_t seq, long line)
{
	const struct import_mark *last = r->nmarks > 0 ? &r->marks[r->nmarks - 1] : NULL;

	r->last_seq = seq;
	if (last != NULL && line - last->line == seq - last->seq)
		return;
	xgrow(&r->marks, &r->capmarks, r->nmarks + 1, sizeof(*r->marks));
	r->marks[r->nmarks].seq = seq;
	r->marks[r->nmarks].line = line;
	r->nmarks++;
}

long
import_line_of_seq(const struct run *r, int64_t seq)
{
	size_t lo = 0, hi = r->nmarks;

	if (seq <= r->base_seq)
		return 0;
	if (r->nmarks == 0 || seq < r->marks[0].seq || seq > r->last_seq)
		return -1;    /* from this import, line unknown */
	while (hi - lo > 1) { /* the last mark at or before seq */
		size_t mid = lo + (hi - lo) / 2;
		if (r->marks[mid].seq <= seq)
			lo = mid;
		else
			hi = mid;
	}
	return r->marks[lo].line + (long)(seq - r->marks[lo].seq);
}

int
import_requests_parse(struct run *r, struct db_request *q)
{
	const struct smap_entry *m;
	char b[SHOW_BUF];
	const char *s;

	memset(q, 0, sizeof(*q));
	if (import_need_id(r, R_ID, &q->request_id) || import_need_id(r, R_CHILD, &q->child_id) ||
	    import_need_id(r, R_ACTIVITY, &q->activity_id))
		return 1;
	m = smap_find(&r->children, q->child_id);
	if (m == NULL)
		return import_bad(r, R_CHILD, "no child '%s' (import the children first)",
		                  import_show(q->child_id, b, sizeof(b)));
	q->child_ref = m->val;
	m = smap_find(&r->activities, q->activity_id);
	if (m == NULL)
		return import_bad(r, R_ACTIVITY, "no activity '%s' (import the activities first)",
		                  import_show(q->activity_id, b, sizeof(b)));
	q->activity_ref = m->val;
	if (import_get_date(r, R_DATE, &q->day))
		return 1;
	s = import_val(r, R_ACTION);
	if (*s == '\0')
		return import_bad(r, R_ACTION, "missing value");
	if (import_parse_action(s, &q->action) < 0)
		return import_bad(r, R_ACTION, "'%s' is not reserve or cancel",
		                  import_show(s, b, sizeof(b)));
	if (import_get_opt_time(r, R_ARRIVAL, 0, &q->has_arrival, &q->arrival) ||
	    import_get_opt_time(r, R_DEPARTURE, 1, &q->has_departure, &q->departure))
		return 1;
	s = import_val(r, R_SUBMITTED);
	if (*s == '\0')
		return import_bad(r, R_SUBMITTED, "missing value");
	if (when_parse_datetime(s, &q->submitted_at) < 0)
		return import_bad(r, R_SUBMITTED,
		                  "'%s' is not a date and time (YYYY-MM-DD HH:MM[:SS])",
		                  import_show(s, b, sizeof(b)));
	return 0;
}

int
import_requests_insert(struct run *r, long line, const struct db_request *q, int64_t seq,
                       struct err *e)
{
	if (db_import_add_request(r->d, q, seq, e) < 0)
		return -1;
	r->c->inserted++;
	remember_line(r, seq, line);
	return 0;
}

int
import_requests_taken(struct run *r, long line, const struct db_request *q, struct err *e)
{
	struct db_request old;
	struct import_diff df = {.n = 0};
	char c[SHOW_BUF];
	long earlier;
	int rc;

	rc = db_import_get_request(r->d, q->request_id, &old, e);
	if (rc < 0)
		return -1;
	if (rc == 0)
		return err_set(e, ERR_INTERNAL, "%s:%ld: request %s conflicts but cannot be read",
		               csvin_name(r->in), line, q->request_id);
	diff_request(&df, &old, q);
	if (df.count == 0) {
		r->c->unchanged++;
		return 0;
	}
	import_show(q->request_id, c, sizeof(c));
	earlier = import_line_of_seq(r, old.seq);
	if (earlier > 0)
		return import_bad(r, R_ID, "request %s already on line %ld with other values: %s",
		                  c, earlier, df.buf);
	if (earlier < 0)
		return import_bad(r, R_ID, "request %s already in this file with other values: %s",
		                  c, df.buf);
	return import_bad(r, R_ID, "request %s already imported with other values: %s", c, df.buf);
}

int
import_requests_store(struct run *r, long line, const struct db_request *q, struct err *e)
{
	int rc = db_import_add_key(r->d, q->request_id, r->next_seq, e);

	if (rc < 0)
		return -1;
	if (rc == 0)
		return import_requests_taken(r, line, q, e);
	return import_requests_insert(r, line, q, r->next_seq++, e);
}

int
import_requests_row(struct run *r, long line, struct err *e)
{
	struct db_request q;
	int rc = import_requests_parse(r, &q);

	return rc != 0 ? rc : import_requests_store(r, line, &q, e);
}
