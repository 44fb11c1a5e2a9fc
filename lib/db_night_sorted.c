/*
 * db_night_sorted.c - the night's sorted records (runsort.h) seen by SQL
 * as tables on the night's connection: night_changes(seq, state, reason,
 * position, undoes, ev), the changes by seq, night_mail, the same
 * columns, of those changes the ones to what the mail owes (promotions,
 * cancellations, expiries), and night_held(op,
 * activity_ref, day, state, child_ref, submitted_at, seq, position), the
 * slots' places that come and go, in held's key order, and
 * night_events(seq, n, kind, reason, position, other, prev, deadline,
 * hours_from, hours_to, detail), the events by (seq, n), the event
 * table's key, as a store keeps them. Eponymous virtual
 * tables: the write phase applies them with set-based statements
 * (db_night_write.c; the places that go are deleted one by one, read from
 * the sort itself) without first copying a million rows into a temporary
 * table. Each scan reads its sort again from the first record.
 */
#include <stdlib.h>
#include <string.h>

#include "db_night_int.h"

/* One table: its records, its columns, the column it comes sorted by. */
struct sorted_table {
	const char *name;
	const char *decl;
	struct runsort *(*records)(struct db_night *h);
	long long (*count)(const struct db_night *h);
	void (*column)(const void *rec, sqlite3_context *ctx, int col);
	int order_col; /* an ORDER BY this column (ascending) costs nothing */
};

struct sorted_vtab {
	sqlite3_vtab base;
	struct db_night *h;
	const struct sorted_table *t;
};

struct sorted_cursor {
	sqlite3_vtab_cursor base;
	union {
		struct night_change change;
		struct night_held held;
		struct night_event event;
	} cur;
	sqlite3_int64 row;
	int eof;
};

/* A column that is NULL when v is 0 (no position, no undone request). */
static void
result_opt(sqlite3_context *ctx, int32_t v)
{
	if (v != 0)
		sqlite3_result_int(ctx, v);
	else
		sqlite3_result_null(ctx);
}

enum { CH_SEQ, CH_STATE, CH_REASON, CH_POSITION, CH_UNDOES, CH_EV };

static void
change_column(const void *rec, sqlite3_context *ctx, int col)
{
	const struct night_change *ch = rec;

	switch (col) {
	case CH_SEQ:
		sqlite3_result_int(ctx, ch->seq);
		break;
	case CH_STATE:
		sqlite3_result_text(ctx, rules_state_name(ch->state), -1, SQLITE_STATIC);
		break;
	case CH_REASON:
		if (ch->reason == RULES_OK)
			sqlite3_result_null(ctx);
		else
			sqlite3_result_text(ctx, rules_reason_name(ch->reason), -1, SQLITE_STATIC);
		break;
	case CH_POSITION:
		result_opt(ctx, ch->position);
		break;
	case CH_UNDOES:
		result_opt(ctx, ch->undoes);
		break;
	default:
		sqlite3_result_int(ctx, ch->ev);
		break;
	}
}

enum { HE_OP, HE_ACTIVITY, HE_DAY, HE_STATE, HE_CHILD, HE_SUBMITTED, HE_SEQ, HE_POSITION };

static void
held_column(const void *rec, sqlite3_context *ctx, int col)
{
	const struct night_held *p = rec;

	switch (col) {
	case HE_OP:
		sqlite3_result_int(ctx, p->op);
		break;
	case HE_ACTIVITY:
		sqlite3_result_int(ctx, p->activity);
		break;
	case HE_DAY:
		sqlite3_result_int(ctx, p->day);
		break;
	case HE_STATE:
		sqlite3_result_text(ctx, rules_state_name(p->state), -1, SQLITE_STATIC);
		break;
	case HE_CHILD:
		sqlite3_result_int(ctx, p->child);
		break;
	case HE_SUBMITTED:
		sqlite3_result_int64(ctx, p->submitted_at);
		break;
	case HE_SEQ:
		sqlite3_result_int(ctx, p->seq);
		break;
	default:
		result_opt(ctx, p->position);
		break;
	}
}

enum {
	EV_SEQ,
	EV_N,
	EV_KIND,
	EV_REASON,
	EV_POSITION,
	EV_OTHER,
	EV_PREV,
	EV_DEADLINE,
	EV_HOURS_FROM,
	EV_HOURS_TO,
	EV_DETAIL
};

/* Only the facts of its kind and reason (rules.h struct rules_event); NULL the rest. */
static void
event_column(const void *rec, sqlite3_context *ctx, int col)
{
	const struct night_event *ev = rec;
	const char *text = NULL;

	switch (col) {
	case EV_SEQ:
		sqlite3_result_int(ctx, ev->seq);
		return;
	case EV_N:
		sqlite3_result_int(ctx, ev->n);
		return;
	case EV_KIND:
		text = rules_event_name(ev->kind);
		break;
	case EV_REASON:
		if (ev->kind == RULES_EV_REFUSED)
			text = rules_reason_name(ev->reason);
		break;
	case EV_POSITION:
		result_opt(ctx, ev->position > 0 ? ev->position : 0);
		return;
	case EV_OTHER:
		result_opt(ctx, ev->other);
		return;
	case EV_PREV:
		if (ev->kind == RULES_EV_CANCELLED)
			text = rules_state_name(ev->prev);
		break;
	case EV_DEADLINE:
		if (ev->reason == RULES_DEADLINE) {
			sqlite3_result_int64(ctx, ev->deadline);
			return;
		}
		break;
	case EV_HOURS_FROM:
	case EV_HOURS_TO:
		if (ev->reason == RULES_TIMES) {
			sqlite3_result_int(ctx,
			                   col == EV_HOURS_FROM ? ev->hours_from : ev->hours_to);
			return;
		}
		break;
	default:
		if (ev->kind == RULES_EV_REFUSED && ev->reason == RULES_TIMES)
			text = rules_times_fail_name(ev->detail);
		else if (ev->kind == RULES_EV_REFUSED && ev->reason == RULES_FULL)
			text = rules_full_why_name(ev->detail);
		break;
	}
	if (text != NULL)
		sqlite3_result_text(ctx, text, -1, SQLITE_STATIC);
	else
		sqlite3_result_null(ctx);
}

static struct runsort *
changes_of(struct db_night *h)
{
	return &h->changes;
}

static long long
nchanges_of(const struct db_night *h)
{
	return h->nchanges;
}

static struct runsort *
mail_of(struct db_night *h)
{
	return &h->mail;
}

static long long
nmail_of(const struct db_night *h)
{
	return h->nmail;
}

static struct runsort *
held_of(struct db_night *h)
{
	return &h->held;
}

static long long
nheld_of(const struct db_night *h)
{
	return h->nheld;
}

static struct runsort *
events_of(struct db_night *h)
{
	return &h->events;
}

static long long
nevents_of(const struct db_night *h)
{
	return h->nevents;
}

static const struct sorted_table tables[] = {
    {"night_changes",
     "CREATE TABLE x(seq INTEGER, state TEXT, reason TEXT, position INTEGER, undoes INTEGER,"
     " ev INTEGER)",
     changes_of, nchanges_of, change_column, CH_SEQ},
    {"night_mail",
     "CREATE TABLE x(seq INTEGER, state TEXT, reason TEXT, position INTEGER, undoes INTEGER,"
     " ev INTEGER)",
     mail_of, nmail_of, change_column, CH_SEQ},
    {"night_held",
     "CREATE TABLE x(op INTEGER, activity_ref INTEGER, day INTEGER, state TEXT,"
     " child_ref INTEGER, submitted_at INTEGER, seq INTEGER, position INTEGER)",
     held_of, nheld_of, held_column, -1},
    {"night_events",
     "CREATE TABLE x(seq INTEGER, n INTEGER, kind TEXT, reason TEXT, position INTEGER,"
     " other INTEGER, prev TEXT, deadline INTEGER, hours_from INTEGER, hours_to INTEGER,"
     " detail TEXT)",
     events_of, nevents_of, event_column, -1},
};
#define NTABLES (sizeof(tables) / sizeof(tables[0]))

static int
sorted_connect(sqlite3 *db, void *aux, int argc, const char *const *argv, sqlite3_vtab **out,
               char **err)
{
	struct db_night *h = aux;
	const struct sorted_table *t = NULL;
	struct sorted_vtab *vt;
	int rc;

	(void)err;
	/* argv[0] is the module's name, which is the table's. */
	for (size_t i = 0; i < NTABLES && argc > 0; i++)
		if (strcmp(argv[0], tables[i].name) == 0)
			t = &tables[i];
	if (t == NULL)
		return SQLITE_ERROR;
	rc = sqlite3_declare_vtab(db, t->decl);
	if (rc != SQLITE_OK)
		return rc;
	vt = sqlite3_malloc(sizeof(*vt));
	if (vt == NULL)
		return SQLITE_NOMEM;
	memset(vt, 0, sizeof(*vt));
	vt->h = h;
	vt->t = t;
	*out = &vt->base;
	return SQLITE_OK;
}

static int
sorted_disconnect(sqlite3_vtab *vt)
{
	sqlite3_free(vt);
	return SQLITE_OK;
}

/* One full scan, in the records' order. */
static int
sorted_best_index(sqlite3_vtab *base, sqlite3_index_info *info)
{
	struct sorted_vtab *vt = (struct sorted_vtab *)base;
	long long count = vt->t->count(vt->h);
	double n = (double)(count > 0 ? count : 1);

	if (info->nOrderBy == 1 && info->aOrderBy[0].iColumn == vt->t->order_col &&
	    !info->aOrderBy[0].desc)
		info->orderByConsumed = 1;
	info->estimatedCost = n;
	info->estimatedRows = (sqlite3_int64)n;
	return SQLITE_OK;
}

static int
sorted_open(sqlite3_vtab *vt, sqlite3_vtab_cursor **out)
{
	struct sorted_cursor *c = sqlite3_malloc(sizeof(*c));

	(void)vt;
	if (c == NULL)
		return SQLITE_NOMEM;
	memset(c, 0, sizeof(*c));
	c->eof = 1;
	*out = &c->base;
	return SQLITE_OK;
}

static int
sorted_close(sqlite3_vtab_cursor *cur)
{
	sqlite3_free(cur);
	return SQLITE_OK;
}

static int
fail(sqlite3_vtab_cursor *cur, const struct err *e)
{
	sqlite3_free(cur->pVtab->zErrMsg);
	cur->pVtab->zErrMsg = sqlite3_mprintf("%s", e->msg);
	return SQLITE_IOERR;
}

static int
sorted_next(sqlite3_vtab_cursor *cur)
{
	struct sorted_cursor *c = (struct sorted_cursor *)cur;
	struct sorted_vtab *vt = (struct sorted_vtab *)cur->pVtab;
	struct err e;
	int rc;

	err_clear(&e);
	rc = runsort_next(vt->t->records(vt->h), &c->cur, &e);
	if (rc < 0)
		return fail(cur, &e);
	c->eof = rc == 0;
	c->row++;
	return SQLITE_OK;
}

static int
sorted_filter(sqlite3_vtab_cursor *cur, int idx, const char *idxstr, int argc, sqlite3_value **argv)
{
	struct sorted_cursor *c = (struct sorted_cursor *)cur;
	struct sorted_vtab *vt = (struct sorted_vtab *)cur->pVtab;
	struct runsort *rs = vt->t->records(vt->h);
	struct err e;

	(void)idx;
	(void)idxstr;
	(void)argc;
	(void)argv;
	err_clear(&e);
	if (!rs->finished)
		return fail(cur,
		            &(struct err){ERR_INTERNAL, "the night's records are not sorted yet"});
	if (runsort_rewind(rs, &e) < 0)
		return fail(cur, &e);
	c->row = 0;
	return sorted_next(cur);
}

static int
sorted_eof(sqlite3_vtab_cursor *cur)
{
	return ((struct sorted_cursor *)cur)->eof;
}

static int
sorted_column(sqlite3_vtab_cursor *cur, sqlite3_context *ctx, int col)
{
	struct sorted_vtab *vt = (struct sorted_vtab *)cur->pVtab;

	vt->t->column(&((struct sorted_cursor *)cur)->cur, ctx, col);
	return SQLITE_OK;
}

static int
sorted_rowid(sqlite3_vtab_cursor *cur, sqlite3_int64 *rowid)
{
	*rowid = ((struct sorted_cursor *)cur)->row;
	return SQLITE_OK;
}

static const sqlite3_module sorted_module = {
    .iVersion = 0,
    .xCreate = NULL, /* eponymous only: no CREATE VIRTUAL TABLE, nothing in the schema */
    .xConnect = sorted_connect,
    .xBestIndex = sorted_best_index,
    .xDisconnect = sorted_disconnect,
    .xOpen = sorted_open,
    .xClose = sorted_close,
    .xFilter = sorted_filter,
    .xNext = sorted_next,
    .xEof = sorted_eof,
    .xColumn = sorted_column,
    .xRowid = sorted_rowid,
};

int
db_night_sorted_register(struct db_night *h, struct err *e)
{
	for (size_t i = 0; i < NTABLES; i++)
		if (sqlite3_create_module(h->db->sql, tables[i].name, &sorted_module, h) !=
		    SQLITE_OK)
			return db_fail(h->db, e, "register the night's tables");
	return 0;
}

void
db_night_sorted_unregister(struct db_night *h)
{
	for (size_t i = 0; i < NTABLES; i++)
		sqlite3_create_module(h->db->sql, tables[i].name, NULL, NULL);
}
