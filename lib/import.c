#include "import.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "csvout.h"
#include "db_import.h"
#include "french.h"
#include "rules.h"
#include "when.h"

#define ID_MAX 200    /* bytes in an id */
#define SHOW_MAX 60   /* bytes of a value quoted in a message */
#define DAYS_MAX 3660 /* promote_days, deadline_days */
#define CAP_MAX 1000000

/* ---------------------------------------------------------------- kinds */

struct column {
	const char *name;
	int required;
};

enum { F_ID, F_NAME, F_EMAILS, F_BALANCE };
static const struct column family_cols[] = {
    {"family_id", 1}, {"name", 1}, {"emails", 0}, {"balance", 0}, {NULL, 0}};

enum { C_ID, C_FAMILY, C_FIRST, C_LAST };
static const struct column child_cols[] = {
    {"child_id", 1}, {"family_id", 1}, {"first_name", 1}, {"last_name", 1}, {NULL, 0}};

enum {
	A_ID,
	A_NAME,
	A_STRUCTURE,
	A_CAPACITY,
	A_WAITLIST,
	A_PROMOTE,
	A_HOURS,
	A_DDAYS,
	A_DTIME,
	A_DRULE
};
static const struct column activity_cols[] = {
    {"activity_id", 1},   {"name", 1},          {"structure", 0}, {"capacity", 0},
    {"waitlist", 0},      {"promote_days", 0},  {"hours", 0},     {"deadline_days", 0},
    {"deadline_time", 0}, {"deadline_rule", 0}, {NULL, 0}};

enum { O_ACTIVITY, O_DATE, O_CAPACITY };
static const struct column opening_cols[] = {
    {"activity_id", 1}, {"date", 1}, {"capacity", 0}, {NULL, 0}};

enum { R_ID, R_CHILD, R_ACTIVITY, R_DATE, R_ACTION, R_ARRIVAL, R_DEPARTURE, R_SUBMITTED };
static const struct column request_cols[] = {
    {"request_id", 1}, {"child_id", 1},  {"activity_id", 1},  {"date", 1}, {"action", 1},
    {"arrival", 0},    {"departure", 0}, {"submitted_at", 1}, {NULL, 0}};

#define MAX_COLS 10

static const struct {
	const char *name;
	const struct column *cols;
} kinds[] = {
    [IMPORT_FAMILIES] = {"families", family_cols},
    [IMPORT_CHILDREN] = {"children", child_cols},
    [IMPORT_ACTIVITIES] = {"activities", activity_cols},
    [IMPORT_OPENINGS] = {"openings", opening_cols},
    [IMPORT_REQUESTS] = {"requests", request_cols},
};
#define NKINDS ((int)(sizeof(kinds) / sizeof(kinds[0])))

int
import_kind_parse(const char *s, enum import_kind *kind)
{
	for (int i = 0; i < NKINDS; i++) {
		if (strcmp(s, kinds[i].name) == 0) {
			*kind = (enum import_kind)i;
			return 0;
		}
	}
	return -1;
}

const char *
import_kind_name(enum import_kind kind)
{
	return kinds[kind].name;
}

const char *
import_kind_list(void)
{
	return "families, children, activities, openings, requests";
}

/* -------------------------------------------------------------- parsers */

static int
lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

/* ASCII case-insensitive equality. */
static int
same(const char *a, const char *b)
{
	for (; *a && *b; a++, b++)
		if (lower((unsigned char)*a) != lower((unsigned char)*b))
			return 0;
	return *a == *b;
}

static int
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

int
import_parse_amount(const char *s, int64_t *cents)
{
	int64_t euros = 0, frac = 0;
	int neg = 0, nd = 0, nf = 0;
	const char *end;
	size_t n = strlen(s);

	/* An optional trailing euro sign, with or without a space before it. */
	if (n >= 3 && memcmp(s + n - 3, "\xE2\x82\xAC", 3) == 0) {
		n -= 3;
		while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
			n--;
	}
	end = s + n;
	if (s < end && (*s == '+' || *s == '-'))
		neg = *s++ == '-';
	for (; s < end && is_digit(*s); s++, nd++) {
		if (nd == 12)
			return -1;
		euros = euros * 10 + (*s - '0');
	}
	if (nd == 0)
		return -1;
	if (s < end && (*s == '.' || *s == ',')) {
		s++;
		for (; s < end && is_digit(*s); s++, nf++) {
			if (nf == 2)
				return -1;
			frac = frac * 10 + (*s - '0');
		}
		if (nf == 0)
			return -1;
		if (nf == 1)
			frac *= 10;
	}
	if (s != end)
		return -1;
	*cents = (neg ? -1 : 1) * (euros * 100 + frac);
	return 0;
}

int
import_parse_bool(const char *s, int *v)
{
	static const char *const yes[] = {"yes", "oui", "true", "1"};
	static const char *const no[] = {"no", "non", "false", "0"};

	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (same(s, yes[i])) {
			*v = 1;
			return 0;
		}
		if (same(s, no[i])) {
			*v = 0;
			return 0;
		}
	}
	return -1;
}

int
import_parse_count(const char *s, int max, int *v)
{
	long long n = 0;

	if (*s == '\0')
		return -1;
	for (; *s; s++) {
		if (!is_digit(*s))
			return -1;
		n = n * 10 + (*s - '0');
		if (n > max)
			return -1;
	}
	*v = (int)n;
	return 0;
}

int
import_parse_waitlist(const char *s, int *v)
{
	int b;

	if (is_digit(s[0]))
		return import_parse_count(s, CAP_MAX, v);
	if (import_parse_bool(s, &b) < 0)
		return -1;
	*v = b ? -1 : 0;
	return 0;
}

int
import_parse_hours(const char *s, int *from, int *to)
{
	char a[6], b[6];
	const char *dash = strchr(s, '-');
	size_t la, lb;

	if (dash == NULL)
		return -1;
	la = (size_t)(dash - s);
	lb = strlen(dash + 1);
	/* Spaces around the dash are allowed: "08:30 - 18:00". */
	while (la > 0 && s[la - 1] == ' ')
		la--;
	dash++;
	while (*dash == ' ') {
		dash++;
		lb--;
	}
	if (la != 5 || lb != 5)
		return -1;
	memcpy(a, s, 5);
	a[5] = '\0';
	memcpy(b, dash, 5);
	b[5] = '\0';
	if (when_parse_time(a, 0, from) < 0 || when_parse_time(b, 1, to) < 0 || *from >= *to)
		return -1;
	return 0;
}

int
import_parse_action(const char *s, const char **action)
{
	if (same(s, "reserve") || same(s, "reservation") || same(s, "réservation") ||
	    same(s, "rÉservation")) {
		*action = "reserve";
		return 0;
	}
	if (same(s, "cancel") || same(s, "annulation")) {
		*action = "cancel";
		return 0;
	}
	return -1;
}

/* ------------------------------------------------------------ hash map */

/* String -> integer, open addressing; keys are copied. */
struct smap_entry {
	char *key;
	int64_t val;
	uint32_t hash;
};

struct smap {
	struct smap_entry *v;
	size_t cap, n;
};

static uint32_t
smap_hash(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

static struct smap_entry *
smap_find(const struct smap *m, const char *key)
{
	uint32_t h;
	size_t i;

	if (m->cap == 0)
		return NULL;
	h = smap_hash(key);
	for (i = h & (m->cap - 1); m->v[i].key != NULL; i = (i + 1) & (m->cap - 1))
		if (m->v[i].hash == h && strcmp(m->v[i].key, key) == 0)
			return &m->v[i];
	return NULL;
}

static void smap_put(struct smap *m, const char *key, int64_t val);

static void
smap_grow(struct smap *m)
{
	struct smap old = *m;

	m->cap = old.cap ? old.cap * 2 : 64;
	m->v = xcalloc(m->cap, sizeof(*m->v));
	m->n = 0;
	for (size_t i = 0; i < old.cap; i++) {
		if (old.v[i].key != NULL) {
			size_t j = old.v[i].hash & (m->cap - 1);
			while (m->v[j].key != NULL)
				j = (j + 1) & (m->cap - 1);
			m->v[j] = old.v[i];
			m->n++;
		}
	}
	free(old.v);
}

/* Set key to val (insert or replace). */
static void
smap_put(struct smap *m, const char *key, int64_t val)
{
	struct smap_entry *f = smap_find(m, key);
	uint32_t h;
	size_t i;

	if (f != NULL) {
		f->val = val;
		return;
	}
	if ((m->n + 1) * 4 > m->cap * 3)
		smap_grow(m);
	h = smap_hash(key);
	for (i = h & (m->cap - 1); m->v[i].key != NULL; i = (i + 1) & (m->cap - 1))
		;
	m->v[i].key = xstrdup(key);
	m->v[i].val = val;
	m->v[i].hash = h;
	m->n++;
}

static void
smap_free(struct smap *m)
{
	for (size_t i = 0; i < m->cap; i++)
		free(m->v[i].key);
	free(m->v);
	memset(m, 0, sizeof(*m));
}

/* ------------------------------------------------------------ messages */

/*
 * A value as it can be shown in a message: at most SHOW_MAX bytes (cut on a
 * character boundary, then "..."), control characters as '?', bytes of
 * invalid UTF-8 as \xNN.
 */
static const char *
show(const char *s, char *buf, size_t size)
{
	size_t n = strlen(s), bad, o = 0, i;
	int ok = csvin_utf8_check(s, n, &bad) == 0;
	int cut = 0;

	if (n > SHOW_MAX) {
		n = SHOW_MAX;
		while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
			n--;
		cut = 1;
	}
	for (i = 0; i < n && o + 8 < size; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x20 || c == 0x7f) {
			buf[o++] = '?';
		} else if (!ok && c >= 0x80) {
			o += (size_t)snprintf(buf + o, size - o, "\\x%02X", c);
		} else {
			buf[o++] = (char)c;
		}
	}
	if ((cut || i < n) && o + 4 < size) {
		memcpy(buf + o, "...", 3);
		o += 3;
	}
	buf[o] = '\0';
	return buf;
}

#define SHOW_BUF (SHOW_MAX * 4 + 16)

/* "a ≠ b" lists for rows that repeat an id with other values. */
struct diff {
	char buf[512];
	size_t n;
	int count;
};

static void
diff_str(struct diff *d, const char *name, const char *was, const char *now)
{
	char a[SHOW_BUF], b[SHOW_BUF];
	int w;

	if (strcmp(was, now) == 0)
		return;
	w = snprintf(d->buf + d->n, sizeof(d->buf) - d->n, "%s%s %s \xE2\x89\xA0 %s",
	             d->count ? ", " : "", name, *was ? show(was, a, sizeof(a)) : "(empty)",
	             *now ? show(now, b, sizeof(b)) : "(empty)");
	d->count++;
	if (w > 0 && d->n + (size_t)w < sizeof(d->buf))
		d->n += (size_t)w;
	else
		d->n = sizeof(d->buf) - 1;
}

static void
diff_int(struct diff *d, const char *name, long long was, long long now)
{
	char a[32], b[32];

	snprintf(a, sizeof(a), "%lld", was);
	snprintf(b, sizeof(b), "%lld", now);
	diff_str(d, name, a, b);
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
fmt_time(char buf[WHEN_TIME_LEN], int has, int minutes)
{
	if (has)
		when_format_time(minutes, buf);
	else
		buf[0] = '\0';
}

static void
fmt_amount(char *buf, size_t n, int64_t cents)
{
	unsigned long long a =
	    cents < 0 ? (unsigned long long)-(cents + 1) + 1 : (unsigned long long)cents;

	snprintf(buf, n, "%s%llu.%02llu", cents < 0 ? "-" : "", a / 100, a % 100);
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

/* ----------------------------------------------------------------- run */

struct run {
	enum import_kind kind;
	const struct column *cols;
	int ncols;
	struct csvin *in;
	const struct import_opts *o;
	struct import_counts *c;
	struct db *db;
	struct db_import *d;
	int idx[MAX_COLS]; /* file column of each known column, or -1 */
	int error_col;     /* file column named "error", or -1 */
	size_t nhdr;       /* columns in the header */
	char **hdr;        /* the header's names, for the rejects file */
	struct csvout rw;
	struct smap seen; /* reference keys stored from this file -> line */
	struct smap children, activities;
	int64_t base_seq; /* requests: max(seq) before this import */
	long *lines;      /* requests: line of each inserted request, by seq */
	size_t caplines;
	char what[1024]; /* the current problem: "column NAME: ..." */
};

static int bad(struct run *r, int col, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* 1 for the columns stored as text: ids, names, emails, structure. */
static int
text_column(const char *name)
{
	size_t n = strlen(name);

	return (n > 3 && strcmp(name + n - 3, "_id") == 0) || strstr(name, "name") != NULL ||
	       strcmp(name, "emails") == 0 || strcmp(name, "structure") == 0;
}

/* Describe a problem with column col of the current row. Returns 1. */
static int
bad(struct run *r, int col, const char *fmt, ...)
{
	va_list ap;
	int n = snprintf(r->what, sizeof(r->what), "column %s: ", r->cols[col].name);

	va_start(ap, fmt);
	vsnprintf(r->what + n, sizeof(r->what) - (size_t)n, fmt, ap);
	va_end(ap);
	return 1;
}

static void
report(struct run *r, long line, const char *what)
{
	char msg[1400];

	snprintf(msg, sizeof(msg), "%s:%ld: %s", csvin_name(r->in), line, what);
	if (r->o->bad)
		r->o->bad(msg, r->o->ctx);
}

static const char *
val(const struct run *r, int col)
{
	return r->idx[col] < 0 ? "" : csvin_field(r->in, (size_t)r->idx[col], NULL);
}

/* 1 when the file's header has no such column (an optional one). */
static int
absent(const struct run *r, int col)
{
	return r->idx[col] < 0;
}

static int
need_id(struct run *r, int col, const char **out)
{
	const char *s = val(r, col);

	if (*s == '\0')
		return bad(r, col, "missing value");
	if (strlen(s) > ID_MAX)
		return bad(r, col, "longer than %d bytes", ID_MAX);
	for (const char *p = s; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return bad(r, col, "contains a control character");
	*out = s;
	return 0;
}

static int
need_text(struct run *r, int col, const char **out)
{
	const char *s = val(r, col);

	if (*s == '\0')
		return bad(r, col, "missing value");
	*out = s;
	return 0;
}

static int
get_date(struct run *r, int col, int32_t *day)
{
	const char *s = val(r, col);
	char b[SHOW_BUF];

	if (*s == '\0')
		return bad(r, col, "missing value");
	if (when_parse_date(s, day) < 0)
		return bad(r, col, "'%s' is not a date (YYYY-MM-DD or DD/MM/YYYY)",
		           show(s, b, sizeof(b)));
	return 0;
}

static int
get_opt_time(struct run *r, int col, int allow_24, int *has, int *minutes)
{
	const char *s = val(r, col);
	char b[SHOW_BUF];

	*has = 0;
	*minutes = 0;
	if (*s == '\0')
		return 0;
	if (when_parse_time(s, allow_24, minutes) < 0)
		return bad(r, col, "'%s' is not a time (HH:MM)", show(s, b, sizeof(b)));
	*has = 1;
	return 0;
}

static int
get_opt_count(struct run *r, int col, int max, int dflt, int *has, int *v)
{
	const char *s = val(r, col);
	char b[SHOW_BUF];

	*v = dflt;
	if (has)
		*has = 0;
	if (*s == '\0')
		return 0;
	if (import_parse_count(s, max, v) < 0)
		return bad(r, col, "'%s' is not a whole number from 0 to %d", show(s, b, sizeof(b)),
		           max);
	if (has)
		*has = 1;
	return 0;
}

/*
 * A row whose key is already stored with other values (diff): a bad row if
 * this file gave that key before, else an update. Returns 0 unchanged,
 * 2 update, 1 bad.
 */
static int
decide(struct run *r, const char *key, int col, const char *label, const struct diff *df)
{
	const struct smap_entry *s;

	if (df->count == 0)
		return 0;
	s = smap_find(&r->seen, key);
	if (s != NULL)
		return bad(r, col, "%s already on line %lld with other values: %s", label,
		           (long long)s->val, df->buf);
	return 2;
}

static void
seen(struct run *r, const char *key, long line)
{
	if (smap_find(&r->seen, key) == NULL)
		smap_put(&r->seen, key, line);
}

static int
row_family(struct run *r, long line, struct err *e)
{
	struct db_family f = {0}, old;
	struct diff df = {.n = 0};
	char label[ID_MAX + 16], a[32], b[32];
	const char *s;
	int64_t ref = 0;
	int rc;

	if (need_id(r, F_ID, &f.family_id) || need_text(r, F_NAME, &f.name))
		return 1;
	f.emails = val(r, F_EMAILS);
	s = val(r, F_BALANCE);
	if (*s && import_parse_amount(s, &f.balance_cents) < 0) {
		char sb[SHOW_BUF];
		return bad(r, F_BALANCE, "'%s' is not an amount in euros (like 12.50 or -3,20)",
		           show(s, sb, sizeof(sb)));
	}
	rc = db_import_get_family(r->d, f.family_id, &ref, &old, e);
	if (rc < 0)
		return -1;
	if (rc == 0) {
		if (db_import_put_family(r->d, 0, &f, e) < 0)
			return -1;
		r->c->inserted++;
	} else {
		/* A column the file does not have keeps the stored value. */
		if (absent(r, F_EMAILS))
			f.emails = old.emails;
		if (absent(r, F_BALANCE))
			f.balance_cents = old.balance_cents;
		diff_str(&df, "name", old.name, f.name);
		diff_str(&df, "emails", old.emails, f.emails);
		fmt_amount(a, sizeof(a), old.balance_cents);
		fmt_amount(b, sizeof(b), f.balance_cents);
		diff_str(&df, "balance", a, b);
		snprintf(label, sizeof(label), "family %s", f.family_id);
		rc = decide(r, f.family_id, F_ID, label, &df);
		if (rc == 1)
			return 1;
		if (rc == 2) {
			if (db_import_put_family(r->d, ref, &f, e) < 0)
				return -1;
			r->c->updated++;
		} else {
			r->c->unchanged++;
		}
	}
	seen(r, f.family_id, line);
	return 0;
}

static int
row_child(struct run *r, long line, struct err *e)
{
	struct db_child c = {0}, old;
	struct diff df = {.n = 0};
	char label[ID_MAX + 16], b[SHOW_BUF];
	int64_t ref = 0;
	int rc;

	if (need_id(r, C_ID, &c.child_id) || need_id(r, C_FAMILY, &c.family_id) ||
	    need_text(r, C_FIRST, &c.first_name) || need_text(r, C_LAST, &c.last_name))
		return 1;
	rc = db_import_family_ref(r->d, c.family_id, &c.family_ref, e);
	if (rc < 0)
		return -1;
	if (rc == 0)
		return bad(r, C_FAMILY, "no family '%s' (import the families first)",
		           show(c.family_id, b, sizeof(b)));
	rc = db_import_get_child(r->d, c.child_id, &ref, &old, e);
	if (rc < 0)
		return -1;
	if (rc == 0) {
		if (db_import_put_child(r->d, 0, &c, e) < 0)
			return -1;
		r->c->inserted++;
	} else {
		diff_str(&df, "family_id", old.family_id, c.family_id);
		diff_str(&df, "first_name", old.first_name, c.first_name);
		diff_str(&df, "last_name", old.last_name, c.last_name);
		snprintf(label, sizeof(label), "child %s", c.child_id);
		rc = decide(r, c.child_id, C_ID, label, &df);
		if (rc == 1)
			return 1;
		if (rc == 2) {
			if (db_import_put_child(r->d, ref, &c, e) < 0)
				return -1;
			r->c->updated++;
		} else {
			r->c->unchanged++;
		}
	}
	seen(r, c.child_id, line);
	return 0;
}

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
diff_activity(struct diff *df, const struct db_activity *x, const struct db_activity *y)
{
	char a[32], b[32];

	diff_str(df, "name", x->name, y->name);
	diff_str(df, "structure", x->structure, y->structure);
	fmt_opt_int(a, sizeof(a), x->has_capacity, x->capacity);
	fmt_opt_int(b, sizeof(b), y->has_capacity, y->capacity);
	diff_str(df, "capacity", a, b);
	fmt_waitlist(a, sizeof(a), x->waitlist);
	fmt_waitlist(b, sizeof(b), y->waitlist);
	diff_str(df, "waitlist", a, b);
	diff_int(df, "promote_days", x->promote_days, y->promote_days);
	fmt_hours(a, sizeof(a), x);
	fmt_hours(b, sizeof(b), y);
	diff_str(df, "hours", a, b);
	diff_int(df, "deadline_days", x->deadline_days, y->deadline_days);
	when_format_time(x->deadline_time, a);
	when_format_time(y->deadline_time, b);
	diff_str(df, "deadline_time", a, b);
	fmt_deadline_rule(a, sizeof(a), x);
	fmt_deadline_rule(b, sizeof(b), y);
	diff_str(df, "deadline_rule", a, b);
}

static int
row_activity(struct run *r, long line, struct err *e)
{
	struct db_activity a = {0}, old;
	struct diff df = {.n = 0};
	char label[ID_MAX + 16], b[SHOW_BUF];
	const char *s, *why;
	int64_t ref = 0;
	int rc, has;

	if (need_id(r, A_ID, &a.activity_id) || need_text(r, A_NAME, &a.name))
		return 1;
	a.structure = val(r, A_STRUCTURE);
	if (get_opt_count(r, A_CAPACITY, CAP_MAX, 0, &a.has_capacity, &a.capacity))
		return 1;
	s = val(r, A_WAITLIST);
	if (*s && import_parse_waitlist(s, &a.waitlist) < 0)
		return bad(r, A_WAITLIST, "'%s' is not no, yes or a number of places",
		           show(s, b, sizeof(b)));
	if (get_opt_count(r, A_PROMOTE, DAYS_MAX, 0, NULL, &a.promote_days))
		return 1;
	s = val(r, A_HOURS);
	if (*s) {
		if (import_parse_hours(s, &a.hours_from, &a.hours_to) < 0)
			return bad(r, A_HOURS,
			           "'%s' is not HH:MM-HH:MM with the start before the end",
			           show(s, b, sizeof(b)));
		a.has_hours = 1;
	}
	if (get_opt_count(r, A_DDAYS, DAYS_MAX, 0, NULL, &a.deadline_days) ||
	    get_opt_time(r, A_DTIME, 0, &has, &a.deadline_time))
		return 1;
	s = val(r, A_DRULE);
	if (*s && rules_deadline_rule_parse(s, &a.deadline_rule, &a.deadline_wday, &why) < 0)
		return bad(r, A_DRULE, "'%s' %s", show(s, b, sizeof(b)), why);
	rc = db_import_get_activity(r->d, a.activity_id, &ref, &old, e);
	if (rc < 0)
		return -1;
	if (rc == 0) {
		if (db_import_put_activity(r->d, 0, &a, e) < 0)
			return -1;
		r->c->inserted++;
	} else {
		/* A column the file does not have keeps the stored value. */
		if (absent(r, A_STRUCTURE))
			a.structure = old.structure;
		if (absent(r, A_CAPACITY)) {
			a.has_capacity = old.has_capacity;
			a.capacity = old.capacity;
		}
		if (absent(r, A_WAITLIST))
			a.waitlist = old.waitlist;
		if (absent(r, A_PROMOTE))
			a.promote_days = old.promote_days;
		if (absent(r, A_HOURS)) {
			a.has_hours = old.has_hours;
			a.hours_from = old.hours_from;
			a.hours_to = old.hours_to;
		}
		if (absent(r, A_DDAYS))
			a.deadline_days = old.deadline_days;
		if (absent(r, A_DTIME))
			a.deadline_time = old.deadline_time;
		if (absent(r, A_DRULE)) {
			a.deadline_rule = old.deadline_rule;
			a.deadline_wday = old.deadline_wday;
		}
		diff_activity(&df, &old, &a);
		snprintf(label, sizeof(label), "activity %s", a.activity_id);
		rc = decide(r, a.activity_id, A_ID, label, &df);
		if (rc == 1)
			return 1;
		if (rc == 2) {
			if (db_import_put_activity(r->d, ref, &a, e) < 0)
				return -1;
			r->c->updated++;
		} else {
			r->c->unchanged++;
		}
	}
	seen(r, a.activity_id, line);
	return 0;
}

static int
row_opening(struct run *r, long line, struct err *e)
{
	struct db_opening o = {0}, old;
	struct diff df = {.n = 0};
	const char *act;
	char key[64], label[ID_MAX + 32], a[32], b[SHOW_BUF], date[WHEN_DATE_LEN];
	int rc;

	if (need_id(r, O_ACTIVITY, &act) || get_date(r, O_DATE, &o.day) ||
	    get_opt_count(r, O_CAPACITY, CAP_MAX, 0, &o.has_capacity, &o.capacity))
		return 1;
	rc = db_import_activity_ref(r->d, act, &o.activity_ref, e);
	if (rc < 0)
		return -1;
	if (rc == 0)
		return bad(r, O_ACTIVITY, "no activity '%s' (import the activities first)",
		           show(act, b, sizeof(b)));
	snprintf(key, sizeof(key), "%lld/%ld", (long long)o.activity_ref, (long)o.day);
	rc = db_import_get_opening(r->d, o.activity_ref, o.day, &old, e);
	if (rc < 0)
		return -1;
	if (rc == 0) {
		if (db_import_put_opening(r->d, 0, &o, e) < 0)
			return -1;
		r->c->inserted++;
	} else {
		/* Without a capacity column, a known opening keeps its capacity. */
		if (absent(r, O_CAPACITY)) {
			o.has_capacity = old.has_capacity;
			o.capacity = old.capacity;
		}
		fmt_opt_int(a, sizeof(a), old.has_capacity, old.capacity);
		fmt_opt_int(b, sizeof(b), o.has_capacity, o.capacity);
		diff_str(&df, "capacity", a, b);
		when_format_date(o.day, date);
		snprintf(label, sizeof(label), "opening %s %s", act, date);
		rc = decide(r, key, O_DATE, label, &df);
		if (rc == 1)
			return 1;
		if (rc == 2) {
			if (db_import_put_opening(r->d, 1, &o, e) < 0)
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
diff_request(struct diff *df, const struct db_request *x, const struct db_request *y)
{
	char a[WHEN_DATETIME_LEN], b[WHEN_DATETIME_LEN];

	diff_str(df, "child_id", x->child_id, y->child_id);
	diff_str(df, "activity_id", x->activity_id, y->activity_id);
	when_format_date(x->day, a);
	when_format_date(y->day, b);
	diff_str(df, "date", a, b);
	diff_str(df, "action", x->action, y->action);
	fmt_time(a, x->has_arrival, x->arrival);
	fmt_time(b, y->has_arrival, y->arrival);
	diff_str(df, "arrival", a, b);
	fmt_time(a, x->has_departure, x->departure);
	fmt_time(b, y->has_departure, y->departure);
	diff_str(df, "departure", a, b);
	when_format_datetime(x->submitted_at, a);
	when_format_datetime(y->submitted_at, b);
	diff_str(df, "submitted_at", a, b);
}

static void
remember_line(struct run *r, int64_t seq, long line)
{
	int64_t i = seq - r->base_seq - 1;
	size_t old = r->caplines;

	/* Requests get consecutive seqs here (we are the only writer). */
	if (i < 0 || i > (int64_t)(r->c->read + 16))
		return;
	xgrow(&r->lines, &r->caplines, (size_t)i + 1, sizeof(*r->lines));
	if (r->caplines > old)
		memset(r->lines + old, 0, (r->caplines - old) * sizeof(*r->lines));
	r->lines[i] = line;
}

static long
line_of_seq(const struct run *r, int64_t seq)
{
	int64_t i = seq - r->base_seq - 1;

	if (seq <= r->base_seq)
		return 0;
	if (i < (int64_t)r->caplines && r->lines[i] > 0)
		return r->lines[i];
	return -1; /* from this import, line unknown */
}

static int
row_request(struct run *r, long line, struct err *e)
{
	struct db_request q = {0}, old;
	struct diff df = {.n = 0};
	const struct smap_entry *m;
	char b[SHOW_BUF], c[SHOW_BUF];
	const char *s;
	int64_t seq;
	long earlier;
	int rc;

	if (need_id(r, R_ID, &q.request_id) || need_id(r, R_CHILD, &q.child_id) ||
	    need_id(r, R_ACTIVITY, &q.activity_id))
		return 1;
	m = smap_find(&r->children, q.child_id);
	if (m == NULL)
		return bad(r, R_CHILD, "no child '%s' (import the children first)",
		           show(q.child_id, b, sizeof(b)));
	q.child_ref = m->val;
	m = smap_find(&r->activities, q.activity_id);
	if (m == NULL)
		return bad(r, R_ACTIVITY, "no activity '%s' (import the activities first)",
		           show(q.activity_id, b, sizeof(b)));
	q.activity_ref = m->val;
	if (get_date(r, R_DATE, &q.day))
		return 1;
	s = val(r, R_ACTION);
	if (*s == '\0')
		return bad(r, R_ACTION, "missing value");
	if (import_parse_action(s, &q.action) < 0)
		return bad(r, R_ACTION, "'%s' is not reserve or cancel", show(s, b, sizeof(b)));
	if (get_opt_time(r, R_ARRIVAL, 0, &q.has_arrival, &q.arrival) ||
	    get_opt_time(r, R_DEPARTURE, 1, &q.has_departure, &q.departure))
		return 1;
	s = val(r, R_SUBMITTED);
	if (*s == '\0')
		return bad(r, R_SUBMITTED, "missing value");
	if (when_parse_datetime(s, &q.submitted_at) < 0)
		return bad(r, R_SUBMITTED, "'%s' is not a date and time (YYYY-MM-DD HH:MM[:SS])",
		           show(s, b, sizeof(b)));

	rc = db_import_add_request(r->d, &q, &seq, e);
	if (rc < 0)
		return -1;
	if (rc == 1) {
		r->c->inserted++;
		remember_line(r, seq, line);
		return 0;
	}
	rc = db_import_get_request(r->d, q.request_id, &old, e);
	if (rc < 0)
		return -1;
	if (rc == 0)
		return err_set(e, ERR_INTERNAL, "%s:%ld: request %s conflicts but cannot be read",
		               csvin_name(r->in), line, q.request_id);
	diff_request(&df, &old, &q);
	if (df.count == 0) {
		r->c->unchanged++;
		return 0;
	}
	show(q.request_id, c, sizeof(c));
	earlier = line_of_seq(r, old.seq);
	if (earlier > 0)
		return bad(r, R_ID, "request %s already on line %ld with other values: %s", c,
		           earlier, df.buf);
	if (earlier < 0)
		return bad(r, R_ID, "request %s already in this file with other values: %s", c,
		           df.buf);
	return bad(r, R_ID, "request %s already imported with other values: %s", c, df.buf);
}

/* The header's name of file column i (every one is known once the header passed). */
static const char *
file_col_name(const struct run *r, size_t i)
{
	for (int k = 0; k < r->ncols; k++)
		if (r->idx[k] == (int)i)
			return r->cols[k].name;
	return "error";
}

/*
 * Check the fields of the current row: their number and encoding. A short
 * row names the first column it lacks, a long one the first field past the
 * header, so every problem reads "column NAME: ...".
 */
static int
check_row(struct run *r)
{
	size_t n = csvin_nfields(r->in), len, off;

	for (size_t i = r->nhdr; i < n; i++) {
		csvin_field(r->in, i, &len);
		if (len > 0 || n > CSVIN_MAX_FIELDS) {
			snprintf(r->what, sizeof(r->what),
			         "column %zu: a value past the header's %zu columns (the row has "
			         "%zu fields)",
			         i + 1, r->nhdr, n);
			return 1;
		}
	}
	if (n < r->nhdr) {
		snprintf(r->what, sizeof(r->what),
		         "column %s: missing (the row has %zu field%s, the header %zu)",
		         file_col_name(r, n), n, n == 1 ? "" : "s", r->nhdr);
		return 1;
	}
	for (int k = 0; k < r->ncols; k++) {
		const char *s;
		if (r->idx[k] < 0)
			continue;
		s = csvin_field(r->in, (size_t)r->idx[k], &len);
		if (strlen(s) != len)
			return bad(r, k, "contains a NUL byte");
		/* text (names, ids, emails) is one line: no CR, LF, ESC (mail,
		 * terminals); typed columns reject them through their own parser */
		if (text_column(r->cols[k].name))
			for (size_t i = 0; i < len; i++)
				if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
					return bad(r, k, "contains a control character (0x%02X)",
					           (unsigned char)s[i]);
		if (csvin_utf8_check(s, len, &off) < 0)
			return bad(r, k,
			           "not valid UTF-8 (byte 0x%02X at offset %zu): save the file as "
			           "UTF-8",
			           (unsigned char)s[off], off);
	}
	return 0;
}

/* Map the header onto the kind's columns. Returns the number of problems. */
static int
header(struct run *r)
{
	size_t n = csvin_nfields(r->in), kept = n < CSVIN_MAX_FIELDS ? n : CSVIN_MAX_FIELDS;
	long line = csvin_line(r->in);
	char b[SHOW_BUF], known[256], what[1024];
	size_t kn = 0;
	int problems = 0;

	known[0] = '\0';
	for (int k = 0; k < r->ncols; k++)
		kn += (size_t)snprintf(known + kn, sizeof(known) - kn, "%s%s", k ? ", " : "",
		                       r->cols[k].name);
	r->nhdr = n;
	for (size_t i = 0; i < kept; i++) {
		const char *name = csvin_field(r->in, i, NULL);
		int k;

		if (*name == '\0') {
			snprintf(what, sizeof(what), "column %zu: no name in the header", i + 1);
			report(r, line, what);
			problems++;
			continue;
		}
		if (same(name, "error")) {
			if (r->error_col >= 0) {
				snprintf(what, sizeof(what),
				         "column error: given twice (columns %d and %zu)",
				         r->error_col + 1, i + 1);
				report(r, line, what);
				problems++;
			}
			r->error_col = (int)i;
			continue;
		}
		for (k = 0; k < r->ncols && !same(name, r->cols[k].name); k++)
			;
		if (k == r->ncols) {
			snprintf(what, sizeof(what), "column %s: unknown column for %s (known: %s)",
			         show(name, b, sizeof(b)), kinds[r->kind].name, known);
			report(r, line, what);
			problems++;
		} else if (r->idx[k] >= 0) {
			snprintf(what, sizeof(what), "column %s: given twice (columns %d and %zu)",
			         r->cols[k].name, r->idx[k] + 1, i + 1);
			report(r, line, what);
			problems++;
		} else {
			r->idx[k] = (int)i;
		}
	}
	for (int k = 0; k < r->ncols; k++) {
		if (r->cols[k].required && r->idx[k] < 0) {
			snprintf(what, sizeof(what), "column %s: missing (required for %s)",
			         r->cols[k].name, kinds[r->kind].name);
			report(r, line, what);
			problems++;
		}
	}
	return problems;
}

static int
rejects_io(struct run *r, struct err *e)
{
	return err_set(e, ERR_IO, "%s: cannot write: %s", r->o->rejects_name, "write error");
}

static int
rejects_begin(struct run *r, struct err *e)
{
	csvout_init(&r->rw, r->o->rejects, csvin_delim(r->in), 0);
	r->hdr = xcalloc(r->nhdr, sizeof(*r->hdr));
	for (size_t i = 0; i < r->nhdr; i++) {
		r->hdr[i] = xstrdup(csvin_field(r->in, i, NULL));
		if (csvout_field(&r->rw, r->hdr[i]) < 0)
			return rejects_io(r, e);
	}
	if (r->error_col < 0 && csvout_field(&r->rw, "error") < 0)
		return rejects_io(r, e);
	return csvout_end_row(&r->rw) < 0 ? rejects_io(r, e) : 0;
}

static int
rejects_row(struct run *r, long line, struct err *e)
{
	char msg[1100];

	snprintf(msg, sizeof(msg), "line %ld: %s", line, r->what);
	for (size_t i = 0; i < r->nhdr; i++) {
		const char *f = (int)i == r->error_col ? msg : csvin_field(r->in, i, NULL);
		if (csvout_field(&r->rw, f) < 0)
			return rejects_io(r, e);
	}
	if (r->error_col < 0 && csvout_field(&r->rw, msg) < 0)
		return rejects_io(r, e);
	return csvout_end_row(&r->rw) < 0 ? rejects_io(r, e) : 0;
}

static void
load_id(const char *id, int64_t ref, void *ctx)
{
	smap_put(ctx, id, ref);
}

static int
do_row(struct run *r, long line, struct err *e)
{
	switch (r->kind) {
	case IMPORT_FAMILIES:
		return row_family(r, line, e);
	case IMPORT_CHILDREN:
		return row_child(r, line, e);
	case IMPORT_ACTIVITIES:
		return row_activity(r, line, e);
	case IMPORT_OPENINGS:
		return row_opening(r, line, e);
	case IMPORT_REQUESTS:
		return row_request(r, line, e);
	}
	return err_set(e, ERR_INTERNAL, "unknown import kind");
}

static const char *
plural(long n, const char *one, const char *many)
{
	return n == 1 ? one : many;
}

static int
rows(struct run *r, struct err *e)
{
	int rc;

	while ((rc = csvin_next(r->in, e)) == 1) {
		long line = csvin_line(r->in);
		int st;

		r->c->read++;
		st = check_row(r);
		if (st == 0)
			st = do_row(r, line, e);
		if (st < 0)
			return -1;
		if (st == 1) {
			r->c->rejected++;
			report(r, line, r->what);
			if (r->o->rejects && rejects_row(r, line, e) < 0)
				return -1;
		}
	}
	return rc;
}

int
import_run(struct db *db, enum import_kind kind, struct csvin *in, const struct import_opts *o,
           struct import_counts *c, struct err *e)
{
	struct run r;
	int rc = -1, began = 0;

	memset(c, 0, sizeof(*c));
	memset(&r, 0, sizeof(r));
	r.kind = kind;
	r.cols = kinds[kind].cols;
	for (r.ncols = 0; r.cols[r.ncols].name != NULL; r.ncols++)
		r.idx[r.ncols] = -1;
	r.error_col = -1;
	r.in = in;
	r.o = o;
	r.c = c;
	r.db = db;

	rc = csvin_next(in, e);
	if (rc < 0)
		goto out;
	if (rc == 0) {
		rc = err_set(e, ERR_DATA, "%s: empty file: no header row", csvin_name(in));
		goto out;
	}
	if (header(&r) > 0) {
		rc = err_set(e, ERR_DATA, "%s: bad header row, nothing imported", csvin_name(in));
		goto out;
	}
	rc = -1;
	if (o->rejects && rejects_begin(&r, e) < 0)
		goto out;
	if (db_import_new(&r.d, db, e) < 0 || db_begin(db, e) < 0)
		goto out;
	began = 1;
	if (kind == IMPORT_REQUESTS &&
	    (db_import_each_id(r.d, DB_IMPORT_CHILDREN, load_id, &r.children, e) < 0 ||
	     db_import_each_id(r.d, DB_IMPORT_ACTIVITIES, load_id, &r.activities, e) < 0 ||
	     db_import_max_seq(r.d, &r.base_seq, e) < 0))
		goto out;
	if (rows(&r, e) < 0)
		goto out;
	if (o->rejects && fflush(o->rejects) != 0) {
		rejects_io(&r, e);
		goto out;
	}
	if (c->rejected > 0 && o->rejects == NULL) {
		err_set(e, ERR_DATA, "%s: %ld bad %s out of %ld, nothing imported", csvin_name(in),
		        c->rejected, plural(c->rejected, "row", "rows"), c->read);
		goto out;
	}
	if (o->dry_run) {
		db_rollback(db);
		began = 0;
	} else {
		began = 0;
		if (db_commit(db, e) < 0) {
			db_rollback(db);
			goto out;
		}
	}
	if (c->rejected > 0) {
		err_set(e, ERR_DATA, "%s: %ld bad %s written to %s, %ld %s %s", csvin_name(in),
		        c->rejected, plural(c->rejected, "row", "rows"), o->rejects_name,
		        c->read - c->rejected, plural(c->read - c->rejected, "row", "rows"),
		        o->dry_run ? "would be imported" : "imported");
		goto out;
	}
	rc = 0;
out:
	if (began)
		db_rollback(db);
	db_import_free(r.d);
	smap_free(&r.seen);
	smap_free(&r.children);
	smap_free(&r.activities);
	free(r.lines);
	if (r.hdr != NULL)
		for (size_t i = 0; i < r.nhdr; i++)
			free(r.hdr[i]);
	free(r.hdr);
	return rc;
}
