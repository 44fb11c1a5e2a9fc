/*
 * import_rows.c - the five kinds of file, one table entry each: their
 * columns and the handling of one row (check every value, then insert,
 * update or leave the stored row; requests are only ever inserted).
 */
#include "import_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "french.h"
#include "money.h"
#include "parse.h"
#include "rules.h"
#include "text.h"
#include "when.h"

static const struct column family_cols[] = {
    {"family_id", 1}, {"name", 1}, {"emails", 0}, {"balance", 0}, {NULL, 0}};

static const struct column child_cols[] = {
    {"child_id", 1}, {"family_id", 1}, {"first_name", 1}, {"last_name", 1}, {NULL, 0}};

static const struct column activity_cols[] = {
    {"activity_id", 1},   {"name", 1},          {"structure", 0}, {"capacity", 0},
    {"waitlist", 0},      {"promote_days", 0},  {"hours", 0},     {"deadline_days", 0},
    {"deadline_time", 0}, {"deadline_rule", 0}, {NULL, 0}};

static const struct column opening_cols[] = {
    {"activity_id", 1}, {"date", 1}, {"capacity", 0}, {NULL, 0}};

static const struct column request_cols[] = {
    {"request_id", 1}, {"child_id", 1},  {"activity_id", 1},  {"date", 1}, {"action", 1},
    {"arrival", 0},    {"departure", 0}, {"submitted_at", 1}, {NULL, 0}};

/*
 * A row whose key is already stored with other values (diff): a bad row if
 * this file gave that key before, else an update. Returns 0 unchanged,
 * 2 update, 1 bad.
 */
static int
decide(struct run *r, const char *key, int col, const char *label, const struct import_diff *df)
{
	const struct smap_entry *s;

	if (df->count == 0)
		return 0;
	s = smap_find(&r->seen, key);
	if (s != NULL)
		return import_bad(r, col, "%s already on line %lld with other values: %s", label,
		                  (long long)s->val, df->buf);
	return 2;
}

static void
seen(struct run *r, const char *key, long line)
{
	if (smap_find(&r->seen, key) == NULL)
		smap_put(&r->seen, key, line);
}

/*
 * The reference kinds (families, children, activities, openings) share one
 * course, store(): read the row into a record, look its key up; a new key
 * is inserted; a known one keeps the stored value of every column the file
 * lacks, and is updated when something differs (unless this file gave the
 * key before: then the row is bad), else counted unchanged. What differs
 * per kind is in its struct ref_kind.
 */
union record {
	struct db_family f;
	struct db_child c;
	struct db_activity a;
	struct db_opening o;
};

struct ref_kind {
	/* Read and check the row into rec: 0, 1 bad row, -1 error. */
	int (*parse)(struct run *r, union record *rec, struct err *e);
	/* The stored record with rec's key into old: 1 found (*ref set), 0 not, -1 error. */
	int (*get)(struct run *r, const union record *rec, int64_t *ref, union record *old,
	           struct err *e);
	/* Keep old's values for the columns the file lacks; list what differs. */
	void (*merge)(struct run *r, union record *rec, const union record *old,
	              struct import_diff *df);
	/* Insert (ref 0) or update. 0 or -1. */
	int (*put)(struct run *r, int64_t ref, const union record *rec, struct err *e);
	/* The record's id: its key within this file, and "NOUN ID" in messages... */
	const char *(*id)(const union record *rec);
	const char *noun;
	/* ...unless the kind names its records itself (openings). */
	void (*name)(struct run *r, const union record *rec, char *key, size_t nkey, char *label,
	             size_t nlabel);
	int key_col; /* the column a repeated key is reported on */
};

static int
store(struct run *r, const struct ref_kind *k, long line, struct err *e)
{
	union record rec, old;
	struct import_diff df = {.n = 0};
	char key[ID_MAX + 64], label[ID_MAX + 64];
	int64_t ref = 0;
	int rc;

	memset(&rec, 0, sizeof(rec));
	rc = k->parse(r, &rec, e);
	if (rc != 0)
		return rc;
	rc = k->get(r, &rec, &ref, &old, e);
	if (rc < 0)
		return -1;
	if (k->name != NULL) {
		k->name(r, &rec, key, sizeof(key), label, sizeof(label));
	} else {
		snprintf(key, sizeof(key), "%s", k->id(&rec));
		snprintf(label, sizeof(label), "%s %s", k->noun, k->id(&rec));
	}
	if (rc == 0) {
		if (k->put(r, 0, &rec, e) < 0)
			return -1;
		r->c->inserted++;
	} else {
		k->merge(r, &rec, &old, &df);
		rc = decide(r, key, k->key_col, label, &df);
		if (rc == 1)
			return 1;
		if (rc == 2) {
			if (k->put(r, ref, &rec, e) < 0)
				return -1;
			r->c->updated++;
		} else {
			r->c->unchanged++;
		}
	}
	seen(r, key, line);
	return 0;
}

static void
fmt_opt_int(char *buf, size_t n, int has, long long v)
{
	if (has)
		snprintf(buf, n, "%lld", v);
	else
		buf[0] = '\0';
}

static void
fmt_waitlist(char *buf, size_t n, int w)
{
	if (w == 0)
		snprintf(buf, n, "no");
	else if (w < 0)
		snprintf(buf, n, "yes");
	else
		snprintf(buf, n, "%d", w);
}

/* ---- families */

static int
family_parse(struct run *r, union record *rec, struct err *e)
{
	struct db_family *f = &rec->f;
	const char *s;
	char sb[SHOW_BUF];

	(void)e;
	if (import_need_id(r, F_ID, &f->family_id) || import_need_text(r, F_NAME, &f->name))
		return 1;
	f->emails = import_val(r, F_EMAILS);
	s = import_val(r, F_BALANCE);
	if (*s && money_parse(s, &f->balance_cents) < 0)
		return import_bad(r, F_BALANCE,
		                  "'%s' is not an amount in euros (like 12.50 or -3,20)",
		                  import_show(s, sb, sizeof(sb)));
	return 0;
}

static int
family_get(struct run *r, const union record *rec, int64_t *ref, union record *old, struct err *e)
{
	return db_import_get_family(r->d, rec->f.family_id, ref, &old->f, e);
}

static void
family_merge(struct run *r, union record *rec, const union record *old, struct import_diff *df)
{
	struct db_family *f = &rec->f;
	char a[MONEY_LEN], b[MONEY_LEN];

	/* A column the file does not have keeps the stored value. */
	if (import_absent(r, F_EMAILS))
		f->emails = old->f.emails;
	if (import_absent(r, F_BALANCE))
		f->balance_cents = old->f.balance_cents;
	import_diff_str(df, "name", old->f.name, f->name);
	import_diff_str(df, "emails", old->f.emails, f->emails);
	money_format(a, sizeof(a), old->f.balance_cents);
	money_format(b, sizeof(b), f->balance_cents);
	import_diff_str(df, "balance", a, b);
}

static int
family_put(struct run *r, int64_t ref, const union record *rec, struct err *e)
{
	return db_import_put_family(r->d, ref, &rec->f, e);
}

static const char *
family_id(const union record *rec)
{
	return rec->f.family_id;
}

/* ---- children */

static int
child_parse(struct run *r, union record *rec, struct err *e)
{
	struct db_child *c = &rec->c;
	char b[SHOW_BUF];
	int rc;

	if (import_need_id(r, C_ID, &c->child_id) || import_need_id(r, C_FAMILY, &c->family_id) ||
	    import_need_text(r, C_FIRST, &c->first_name) ||
	    import_need_text(r, C_LAST, &c->last_name))
		return 1;
	rc = db_import_family_ref(r->d, c->family_id, &c->family_ref, e);
	if (rc < 0)
		return -1;
	if (rc == 0)
		return import_bad(r, C_FAMILY, "no family '%s' (import the families first)",
		                  import_show(c->family_id, b, sizeof(b)));
	return 0;
}

static int
child_get(struct run *r, const union record *rec, int64_t *ref, union record *old, struct err *e)
{
	return db_import_get_child(r->d, rec->c.child_id, ref, &old->c, e);
}

static void
child_merge(struct run *r, union record *rec, const union record *old, struct import_diff *df)
{
	(void)r;
	import_diff_str(df, "family_id", old->c.family_id, rec->c.family_id);
	import_diff_str(df, "first_name", old->c.first_name, rec->c.first_name);
	import_diff_str(df, "last_name", old->c.last_name, rec->c.last_name);
}

static int
child_put(struct run *r, int64_t ref, const union record *rec, struct err *e)
{
	return db_import_put_child(r->d, ref, &rec->c, e);
}

static const char *
child_id(const union record *rec)
{
	return rec->c.child_id;
}

/* ---- activities */

static void
fmt_hours(char *buf, size_t n, const struct db_activity *a)
{
	char f[WHEN_TIME_LEN], t[WHEN_TIME_LEN];

	if (!a->has_hours) {
		buf[0] = '\0';
		return;
	}
	when_format_time(a->hours_from, f);
	when_format_time(a->hours_to, t);
	snprintf(buf, n, "%s-%s", f, t);
}

static void
fmt_deadline_rule(char *buf, size_t n, const struct db_activity *a)
{
	if (a->deadline_rule == RULES_DL_WEEK)
		snprintf(buf, n, "week:%s", french_weekday(a->deadline_wday));
	else
		snprintf(buf, n, "%s", rules_deadline_rule_name(a->deadline_rule));
}

static void
diff_activity(struct import_diff *df, const struct db_activity *x, const struct db_activity *y)
{
	char a[32], b[32];

	import_diff_str(df, "name", x->name, y->name);
	import_diff_str(df, "structure", x->structure, y->structure);
	fmt_opt_int(a, sizeof(a), x->has_capacity, x->capacity);
	fmt_opt_int(b, sizeof(b), y->has_capacity, y->capacity);
	import_diff_str(df, "capacity", a, b);
	fmt_waitlist(a, sizeof(a), x->waitlist);
	fmt_waitlist(b, sizeof(b), y->waitlist);
	import_diff_str(df, "waitlist", a, b);
	import_diff_int(df, "promote_days", x->promote_days, y->promote_days);
	fmt_hours(a, sizeof(a), x);
	fmt_hours(b, sizeof(b), y);
	import_diff_str(df, "hours", a, b);
	import_diff_int(df, "deadline_days", x->deadline_days, y->deadline_days);
	when_format_time(x->deadline_time, a);
	when_format_time(y->deadline_time, b);
	import_diff_str(df, "deadline_time", a, b);
	fmt_deadline_rule(a, sizeof(a), x);
	fmt_deadline_rule(b, sizeof(b), y);
	import_diff_str(df, "deadline_rule", a, b);
}

static int
activity_parse(struct run *r, union record *rec, struct err *e)
{
	struct db_activity *a = &rec->a;
	char b[SHOW_BUF];
	const char *s, *why;
	int has;

	(void)e;
	if (import_need_id(r, A_ID, &a->activity_id) || import_need_text(r, A_NAME, &a->name))
		return 1;
	a->structure = import_val(r, A_STRUCTURE);
	if (import_get_opt_count(r, A_CAPACITY, CAP_MAX, 0, &a->has_capacity, &a->capacity))
		return 1;
	s = import_val(r, A_WAITLIST);
	if (*s && import_parse_waitlist(s, &a->waitlist) < 0)
		return import_bad(r, A_WAITLIST, "'%s' is not no, yes or a number of places",
		                  import_show(s, b, sizeof(b)));
	if (import_get_opt_count(r, A_PROMOTE, DAYS_MAX, 0, NULL, &a->promote_days))
		return 1;
	s = import_val(r, A_HOURS);
	if (*s) {
		if (import_parse_hours(s, &a->hours_from, &a->hours_to) < 0)
			return import_bad(r, A_HOURS,
			                  "'%s' is not HH:MM-HH:MM with the start before the end",
			                  import_show(s, b, sizeof(b)));
		a->has_hours = 1;
	}
	if (import_get_opt_count(r, A_DDAYS, DAYS_MAX, 0, NULL, &a->deadline_days) ||
	    import_get_opt_time(r, A_DTIME, 0, &has, &a->deadline_time))
		return 1;
	s = import_val(r, A_DRULE);
	if (*s && rules_deadline_rule_parse(s, &a->deadline_rule, &a->deadline_wday, &why) < 0)
		return import_bad(r, A_DRULE, "'%s' %s", import_show(s, b, sizeof(b)), why);
	return 0;
}

static int
activity_get(struct run *r, const union record *rec, int64_t *ref, union record *old, struct err *e)
{
	return db_import_get_activity(r->d, rec->a.activity_id, ref, &old->a, e);
}

static void
activity_merge(struct run *r, union record *rec, const union record *old, struct import_diff *df)
{
	struct db_activity *a = &rec->a;
	const struct db_activity *o = &old->a;

	/* A column the file does not have keeps the stored value. */
	if (import_absent(r, A_STRUCTURE))
		a->structure = o->structure;
	if (import_absent(r, A_CAPACITY)) {
		a->has_capacity = o->has_capacity;
		a->capacity = o->capacity;
	}
	if (import_absent(r, A_WAITLIST))
		a->waitlist = o->waitlist;
	if (import_absent(r, A_PROMOTE))
		a->promote_days = o->promote_days;
	if (import_absent(r, A_HOURS)) {
		a->has_hours = o->has_hours;
		a->hours_from = o->hours_from;
		a->hours_to = o->hours_to;
	}
	if (import_absent(r, A_DDAYS))
		a->deadline_days = o->deadline_days;
	if (import_absent(r, A_DTIME))
		a->deadline_time = o->deadline_time;
	if (import_absent(r, A_DRULE)) {
		a->deadline_rule = o->deadline_rule;
		a->deadline_wday = o->deadline_wday;
	}
	diff_activity(df, o, a);
}

static int
activity_put(struct run *r, int64_t ref, const union record *rec, struct err *e)
{
	return db_import_put_activity(r->d, ref, &rec->a, e);
}

static const char *
activity_id(const union record *rec)
{
	return rec->a.activity_id;
}

/* ---- openings (key: activity and day; no ref of their own) */

static int
opening_parse(struct run *r, union record *rec, struct err *e)
{
	struct db_opening *o = &rec->o;
	const char *act;
	char b[SHOW_BUF];
	int rc;

	if (import_need_id(r, O_ACTIVITY, &act) || import_get_date(r, O_DATE, &o->day) ||
	    import_get_opt_count(r, O_CAPACITY, CAP_MAX, 0, &o->has_capacity, &o->capacity))
		return 1;
	rc = db_import_activity_ref(r->d, act, &o->activity_ref, e);
	if (rc < 0)
		return -1;
	if (rc == 0)
		return import_bad(r, O_ACTIVITY, "no activity '%s' (import the activities first)",
		                  import_show(act, b, sizeof(b)));
	return 0;
}

static int
opening_get(struct run *r, const union record *rec, int64_t *ref, union record *old, struct err *e)
{
	*ref = 1; /* db_import_put_opening's "exists" */
	return db_import_get_opening(r->d, rec->o.activity_ref, rec->o.day, &old->o, e);
}

static void
opening_merge(struct run *r, union record *rec, const union record *old, struct import_diff *df)
{
	struct db_opening *o = &rec->o;
	char a[32], b[32];

	/* Without a capacity column, a known opening keeps its capacity. */
	if (import_absent(r, O_CAPACITY)) {
		o->has_capacity = old->o.has_capacity;
		o->capacity = old->o.capacity;
	}
	fmt_opt_int(a, sizeof(a), old->o.has_capacity, old->o.capacity);
	fmt_opt_int(b, sizeof(b), o->has_capacity, o->capacity);
	import_diff_str(df, "capacity", a, b);
}

static int
opening_put(struct run *r, int64_t exists, const union record *rec, struct err *e)
{
	return db_import_put_opening(r->d, exists != 0, &rec->o, e);
}

static void
opening_name(struct run *r, const union record *rec, char *key, size_t nkey, char *label,
             size_t nlabel)
{
	char date[WHEN_DATE_LEN];

	snprintf(key, nkey, "%lld/%ld", (long long)rec->o.activity_ref, (long)rec->o.day);
	when_format_date(rec->o.day, date);
	snprintf(label, nlabel, "opening %s %s", import_val(r, O_ACTIVITY), date);
}

static const struct ref_kind families = {family_parse, family_get, family_merge, family_put,
                                         family_id,    "family",   NULL,         F_ID};
static const struct ref_kind children = {child_parse, child_get, child_merge, child_put,
                                         child_id,    "child",   NULL,        C_ID};
static const struct ref_kind activities = {activity_parse, activity_get, activity_merge,
                                           activity_put,   activity_id,  "activity",
                                           NULL,           A_ID};
static const struct ref_kind openings = {opening_parse, opening_get, opening_merge, opening_put,
                                         NULL,          NULL,        opening_name,  O_DATE};

static int
row_family(struct run *r, long line, struct err *e)
{
	return store(r, &families, line, e);
}

static int
row_child(struct run *r, long line, struct err *e)
{
	return store(r, &children, line, e);
}

static int
row_activity(struct run *r, long line, struct err *e)
{
	return store(r, &activities, line, e);
}

static int
row_opening(struct run *r, long line, struct err *e)
{
	return store(r, &openings, line, e);
}

const struct import_kind_def import_kinds[] = {
    [IMPORT_FAMILIES] = {"families", family_cols, row_family},
    [IMPORT_CHILDREN] = {"children", child_cols, row_child},
    [IMPORT_ACTIVITIES] = {"activities", activity_cols, row_activity},
    [IMPORT_OPENINGS] = {"openings", opening_cols, row_opening},
    [IMPORT_REQUESTS] = {"requests", request_cols, import_requests_row},
};
