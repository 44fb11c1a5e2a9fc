/*
 * db_night_changes.c - the night's recorded changes, sorted by seq
 * (runsort.h), seen by SQL as the table night_changes(seq, state, reason,
 * position, undoes, ev): an eponymous virtual table on the night's
 * connection, so that the write phase applies them with two set-based
 * statements (db_night_write.c) without first copying a million rows into
 * a temporary table. Each scan reads the sort again from its first record,
 * in seq order.
 */
#include <stdlib.h>
#include <string.h>

#include "db_night_int.h"

#define CHANGES_TABLE "night_changes"

enum { COL_SEQ, COL_STATE, COL_REASON, COL_POSITION, COL_UNDOES, COL_EV };

struct changes_vtab {
	sqlite3_vtab base;
	struct db_night *h;
};

struct changes_cursor {
	sqlite3_vtab_cursor base;
	struct night_change cur;
	sqlite3_int64 row;
	int eof;
};

static int
changes_connect(sqlite3 *db, void *aux, int argc, const char *const *argv, sqlite3_vtab **out,
                char **err)
{
	struct changes_vtab *t;
	int rc;

	(void)argc;
	(void)argv;
	(void)err;
	rc = sqlite3_declare_vtab(db, "CREATE TABLE x(seq INTEGER, state TEXT, reason TEXT,"
	                              " position INTEGER, undoes INTEGER, ev INTEGER)");
	if (rc != SQLITE_OK)
		return rc;
	t = sqlite3_malloc(sizeof(*t));
	if (t == NULL)
		return SQLITE_NOMEM;
	memset(t, 0, sizeof(*t));
	t->h = aux;
	*out = &t->base;
	return SQLITE_OK;
}

static int
changes_disconnect(sqlite3_vtab *vt)
{
	sqlite3_free(vt);
	return SQLITE_OK;
}

/* One full scan, in seq order (an ORDER BY seq costs nothing). */
static int
changes_best_index(sqlite3_vtab *vt, sqlite3_index_info *info)
{
	struct changes_vtab *t = (struct changes_vtab *)vt;
	double n = (double)(t->h->nchanges > 0 ? t->h->nchanges : 1);

	if (info->nOrderBy == 1 && info->aOrderBy[0].iColumn == COL_SEQ && !info->aOrderBy[0].desc)
		info->orderByConsumed = 1;
	info->estimatedCost = n;
	info->estimatedRows = (sqlite3_int64)n;
	return SQLITE_OK;
}

static int
changes_open(sqlite3_vtab *vt, sqlite3_vtab_cursor **out)
{
	struct changes_cursor *c = sqlite3_malloc(sizeof(*c));

	(void)vt;
	if (c == NULL)
		return SQLITE_NOMEM;
	memset(c, 0, sizeof(*c));
	c->eof = 1;
	*out = &c->base;
	return SQLITE_OK;
}

static int
changes_close(sqlite3_vtab_cursor *cur)
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
changes_next(sqlite3_vtab_cursor *cur)
{
	struct changes_cursor *c = (struct changes_cursor *)cur;
	struct db_night *h = ((struct changes_vtab *)cur->pVtab)->h;
	struct err e;
	int rc;

	err_clear(&e);
	rc = runsort_next(&h->changes, &c->cur, &e);
	if (rc < 0)
		return fail(cur, &e);
	c->eof = rc == 0;
	c->row++;
	return SQLITE_OK;
}

static int
changes_filter(sqlite3_vtab_cursor *cur, int idx, const char *idxstr, int argc,
               sqlite3_value **argv)
{
	struct changes_cursor *c = (struct changes_cursor *)cur;
	struct db_night *h = ((struct changes_vtab *)cur->pVtab)->h;
	struct err e;

	(void)idx;
	(void)idxstr;
	(void)argc;
	(void)argv;
	err_clear(&e);
	if (!h->changes.finished)
		return fail(cur, &(struct err){ERR_INTERNAL, "the changes are not sorted yet"});
	if (runsort_rewind(&h->changes, &e) < 0)
		return fail(cur, &e);
	c->row = 0;
	return changes_next(cur);
}

static int
changes_eof(sqlite3_vtab_cursor *cur)
{
	return ((struct changes_cursor *)cur)->eof;
}

static int
changes_column(sqlite3_vtab_cursor *cur, sqlite3_context *ctx, int col)
{
	const struct night_change *ch = &((struct changes_cursor *)cur)->cur;

	switch (col) {
	case COL_SEQ:
		sqlite3_result_int(ctx, ch->seq);
		break;
	case COL_STATE:
		sqlite3_result_text(ctx, rules_state_name(ch->state), -1, SQLITE_STATIC);
		break;
	case COL_REASON:
		if (ch->reason == RULES_OK)
			sqlite3_result_null(ctx);
		else
			sqlite3_result_text(ctx, rules_reason_name(ch->reason), -1, SQLITE_STATIC);
		break;
	case COL_POSITION:
		if (ch->position > 0)
			sqlite3_result_int(ctx, ch->position);
		else
			sqlite3_result_null(ctx);
		break;
	case COL_UNDOES:
		if (ch->undoes != 0)
			sqlite3_result_int(ctx, ch->undoes);
		else
			sqlite3_result_null(ctx);
		break;
	default:
		sqlite3_result_int(ctx, ch->ev);
		break;
	}
	return SQLITE_OK;
}

static int
changes_rowid(sqlite3_vtab_cursor *cur, sqlite3_int64 *rowid)
{
	*rowid = ((struct changes_cursor *)cur)->row;
	return SQLITE_OK;
}

static const sqlite3_module changes_module = {
    .iVersion = 0,
    .xCreate = NULL, /* eponymous only: no CREATE VIRTUAL TABLE, nothing in the schema */
    .xConnect = changes_connect,
    .xBestIndex = changes_best_index,
    .xDisconnect = changes_disconnect,
    .xOpen = changes_open,
    .xClose = changes_close,
    .xFilter = changes_filter,
    .xNext = changes_next,
    .xEof = changes_eof,
    .xColumn = changes_column,
    .xRowid = changes_rowid,
};

int
db_night_changes_register(struct db_night *h, struct err *e)
{
	if (sqlite3_create_module(h->db->sql, CHANGES_TABLE, &changes_module, h) != SQLITE_OK)
		return db_fail(h->db, e, "register " CHANGES_TABLE);
	return 0;
}

void
db_night_changes_unregister(struct db_night *h)
{
	sqlite3_create_module(h->db->sql, CHANGES_TABLE, NULL, NULL);
}
