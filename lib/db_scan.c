/*
 * db_scan.c - sorted records (runsort.h) seen by SQL as eponymous virtual
 * tables of one connection, read by full scans (db_int.h struct
 * db_scan_table): a set-based statement takes its rows from the sort as
 * it merges them, without first copying them into a table.
 */
#include <stdlib.h>
#include <string.h>

#include "db_int.h"
#include "runsort.h"

struct scan_cursor {
	sqlite3_vtab_cursor base;
	sqlite3_int64 row;
	int eof;
	char *rec; /* the current record: what the columns read */
};

/* What sqlite3_create_module hands each connect: the table, its owner, its sort. */
struct scan_aux {
	const struct db_scan_table *t;
	void *owner;
	struct runsort *rs; /* t->records(owner) */
	struct err *fail;   /* where a read's failure goes too, or NULL */
};

struct scan_vtab {
	sqlite3_vtab base;
	const struct scan_aux *a; /* the module's, which outlives its tables */
};

static int
scan_connect(sqlite3 *db, void *aux, int argc, const char *const *argv, sqlite3_vtab **out,
             char **err)
{
	const struct scan_aux *a = aux;
	struct scan_vtab *vt;
	int rc;

	(void)argc;
	(void)argv;
	(void)err;
	rc = sqlite3_declare_vtab(db, a->t->decl);
	if (rc != SQLITE_OK)
		return rc;
	vt = sqlite3_malloc(sizeof(*vt));
	if (vt == NULL)
		return SQLITE_NOMEM;
	memset(vt, 0, sizeof(*vt));
	vt->a = a;
	*out = &vt->base;
	return SQLITE_OK;
}

static int
scan_disconnect(sqlite3_vtab *vt)
{
	sqlite3_free(vt);
	return SQLITE_OK;
}

/* One full scan, in the records' order. */
static int
scan_best_index(sqlite3_vtab *base, sqlite3_index_info *info)
{
	struct scan_vtab *vt = (struct scan_vtab *)base;
	uint64_t count = vt->a->rs->count;
	double n = (double)(count > 0 ? count : 1);

	if (info->nOrderBy == 1 && info->aOrderBy[0].iColumn == vt->a->t->order_col &&
	    !info->aOrderBy[0].desc)
		info->orderByConsumed = 1;
	info->estimatedCost = n;
	info->estimatedRows = (sqlite3_int64)n;
	return SQLITE_OK;
}

static int
scan_open(sqlite3_vtab *base, sqlite3_vtab_cursor **out)
{
	struct scan_vtab *vt = (struct scan_vtab *)base;
	struct scan_cursor *c = sqlite3_malloc(sizeof(*c));

	if (c == NULL)
		return SQLITE_NOMEM;
	memset(c, 0, sizeof(*c));
	c->rec = sqlite3_malloc64(vt->a->rs->size);
	if (c->rec == NULL) {
		sqlite3_free(c);
		return SQLITE_NOMEM;
	}
	c->eof = 1;
	*out = &c->base;
	return SQLITE_OK;
}

static int
scan_close(sqlite3_vtab_cursor *cur)
{
	sqlite3_free(((struct scan_cursor *)cur)->rec);
	sqlite3_free(cur);
	return SQLITE_OK;
}

static int
fail(sqlite3_vtab_cursor *cur, const struct err *e)
{
	struct scan_vtab *vt = (struct scan_vtab *)cur->pVtab;

	if (vt->a->fail != NULL)
		*vt->a->fail = *e;
	sqlite3_free(vt->base.zErrMsg);
	vt->base.zErrMsg = sqlite3_mprintf("%s", e->msg);
	return SQLITE_IOERR;
}

static int
scan_next(sqlite3_vtab_cursor *cur)
{
	struct scan_cursor *c = (struct scan_cursor *)cur;
	struct scan_vtab *vt = (struct scan_vtab *)cur->pVtab;
	struct err e;
	int rc;

	err_clear(&e);
	rc = runsort_next(vt->a->rs, c->rec, &e);
	if (rc < 0)
		return fail(cur, &e);
	c->eof = rc == 0;
	c->row++;
	return SQLITE_OK;
}

/* Each scan reads the sort again from its first record. */
static int
scan_filter(sqlite3_vtab_cursor *cur, int idx, const char *idxstr, int argc, sqlite3_value **argv)
{
	struct scan_cursor *c = (struct scan_cursor *)cur;
	struct scan_vtab *vt = (struct scan_vtab *)cur->pVtab;
	struct runsort *rs = vt->a->rs;
	struct err e;

	(void)idx;
	(void)idxstr;
	(void)argc;
	(void)argv;
	err_clear(&e);
	if (!rs->finished)
		return fail(cur, &(struct err){ERR_INTERNAL, "the records are not sorted yet"});
	if (runsort_rewind(rs, &e) < 0)
		return fail(cur, &e);
	c->row = 0;
	return scan_next(cur);
}

static int
scan_eof(sqlite3_vtab_cursor *cur)
{
	return ((struct scan_cursor *)cur)->eof;
}

static int
scan_column(sqlite3_vtab_cursor *cur, sqlite3_context *ctx, int col)
{
	struct scan_vtab *vt = (struct scan_vtab *)cur->pVtab;

	vt->a->t->column(vt->a->owner, ((struct scan_cursor *)cur)->rec, ctx, col);
	return SQLITE_OK;
}

static int
scan_rowid(sqlite3_vtab_cursor *cur, sqlite3_int64 *rowid)
{
	*rowid = ((struct scan_cursor *)cur)->row;
	return SQLITE_OK;
}

static const sqlite3_module scan_module = {
    .iVersion = 0,
    .xCreate = NULL, /* eponymous only: no CREATE VIRTUAL TABLE, nothing in the schema */
    .xConnect = scan_connect,
    .xBestIndex = scan_best_index,
    .xDisconnect = scan_disconnect,
    .xOpen = scan_open,
    .xClose = scan_close,
    .xFilter = scan_filter,
    .xNext = scan_next,
    .xEof = scan_eof,
    .xColumn = scan_column,
    .xRowid = scan_rowid,
};

int
db_scan_register(struct db *db, const struct db_scan_table *t, void *owner, struct err *fail,
                 struct err *e)
{
	struct scan_aux *a = xmalloc(sizeof(*a));

	a->t = t;
	a->owner = owner;
	a->rs = t->records(owner);
	a->fail = fail;
	/* SQLite frees a with the module: when it is replaced, or with the connection. */
	if (sqlite3_create_module_v2(db->sql, t->name, &scan_module, a, free) != SQLITE_OK)
		return db_fail(db, e, "register a table of sorted records");
	return 0;
}

void
db_scan_unregister(struct db *db, const struct db_scan_table *t)
{
	sqlite3_create_module(db->sql, t->name, NULL, NULL);
}
