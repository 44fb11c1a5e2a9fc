#include "db_import.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "db_int.h"
#include "rules.h"
#include "runsort.h"

enum {
	ST_FAMILY_GET,
	ST_FAMILY_REF,
	ST_FAMILY_INS,
	ST_FAMILY_UPD,
	ST_CHILD_GET,
	ST_CHILD_INS,
	ST_CHILD_UPD,
	ST_ACTIVITY_GET,
	ST_ACTIVITY_REF,
	ST_ACTIVITY_INS,
	ST_ACTIVITY_UPD,
	ST_OPENING_GET,
	ST_OPENING_INS,
	ST_OPENING_UPD,
	ST_REQUEST_ADD,
	ST_KEY_ADD,
	ST_REQUEST_GET,
	ST_REQUEST_SEQ,
	ST_REQUEST_DEL,
	ST_MAX_SEQ,
	ST_CHILD_IDS,
	ST_ACTIVITY_IDS,
	ST_COUNT
};

/* A request as get_request reads it, and the tables it comes from. */
#define REQUEST_COLS                                                                               \
	"SELECT r.seq, c.child_id, a.activity_id, r.child_ref, r.activity_ref, r.day, r.action, "  \
	"r.arrival, r.departure, r.submitted_at, r.request_id FROM "
#define REQUEST_JOINS                                                                              \
	"request r JOIN child c ON c.ref = r.child_ref JOIN activity a ON a.ref = r.activity_ref "

static const char *const sqls[ST_COUNT] = {
    [ST_FAMILY_GET] = "SELECT ref, name, emails, balance_cents FROM family WHERE family_id = ?1",
    [ST_FAMILY_REF] = "SELECT ref FROM family WHERE family_id = ?1",
    [ST_FAMILY_INS] = "INSERT INTO family(family_id, name, emails, balance_cents) "
                      "VALUES(?2, ?3, ?4, ?5)",
    [ST_FAMILY_UPD] = "UPDATE family SET family_id = ?2, name = ?3, emails = ?4, "
                      "balance_cents = ?5 WHERE ref = ?1",
    [ST_CHILD_GET] = "SELECT c.ref, f.family_id, c.family_ref, c.first_name, c.last_name "
                     "FROM child c JOIN family f ON f.ref = c.family_ref WHERE c.child_id = ?1",
    [ST_CHILD_INS] = "INSERT INTO child(child_id, family_ref, first_name, last_name) "
                     "VALUES(?2, ?3, ?4, ?5)",
    [ST_CHILD_UPD] = "UPDATE child SET child_id = ?2, family_ref = ?3, first_name = ?4, "
                     "last_name = ?5 WHERE ref = ?1",
    [ST_ACTIVITY_GET] = "SELECT ref, name, structure, capacity, waitlist, promote_days, "
                        "hours_from, hours_to, deadline_days, deadline_time, deadline_rule, "
                        "deadline_wday FROM activity WHERE activity_id = ?1",
    [ST_ACTIVITY_REF] = "SELECT ref FROM activity WHERE activity_id = ?1",
    [ST_ACTIVITY_INS] = "INSERT INTO activity(activity_id, name, structure, capacity, "
                        "waitlist, promote_days, hours_from, hours_to, deadline_days, "
                        "deadline_time, deadline_rule, deadline_wday) "
                        "VALUES(?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
    [ST_ACTIVITY_UPD] = "UPDATE activity SET activity_id = ?2, name = ?3, structure = ?4, "
                        "capacity = ?5, waitlist = ?6, promote_days = ?7, hours_from = ?8, "
                        "hours_to = ?9, deadline_days = ?10, deadline_time = ?11, "
                        "deadline_rule = ?12, deadline_wday = ?13 WHERE ref = ?1",
    [ST_OPENING_GET] = "SELECT capacity FROM opening WHERE activity_ref = ?1 AND day = ?2",
    [ST_OPENING_INS] = "INSERT INTO opening(activity_ref, day, capacity) VALUES(?1, ?2, ?3)",
    [ST_OPENING_UPD] = "UPDATE opening SET capacity = ?3 WHERE activity_ref = ?1 AND day = ?2",
    [ST_REQUEST_ADD] = "INSERT INTO request(request_id, child_ref, activity_ref, day, action, "
                       "arrival, departure, submitted_at, seq) "
                       "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    [ST_KEY_ADD] = "INSERT INTO request_key(request_id, seq) VALUES(?1, ?2) "
                   "ON CONFLICT(request_id) DO NOTHING",
    [ST_REQUEST_GET] = REQUEST_COLS "request_key k JOIN " REQUEST_JOINS
                                    "WHERE k.request_id = ?1 AND r.seq = k.seq",
    [ST_REQUEST_SEQ] = REQUEST_COLS REQUEST_JOINS "WHERE r.seq = ?1",
    [ST_REQUEST_DEL] = "DELETE FROM request WHERE seq = ?1",
    [ST_MAX_SEQ] = "SELECT coalesce(max(seq), 0) FROM request",
    [ST_CHILD_IDS] = "SELECT child_id, ref FROM child",
    [ST_ACTIVITY_IDS] = "SELECT activity_id, ref FROM activity",
};

/* Strings read back by the get functions, kept until the next get. */
#define KEEP_MAX 4

/*
 * Requests are stored ADD_MANY to a statement (ST_REQUEST_ADD's VALUES
 * ADD_MANY times): SQLite's work for each statement run (its start, its
 * transaction and cursor checks, its end) then comes once for that many
 * rows, which stores a million requests in x0.72 the time. The rows wait
 * in d->add until then; everything that reads or changes request or
 * request_key, and the end of the import, stores them first (flush).
 */
#define ADD_MANY 32

struct add_row {
	struct db_request q;
	int64_t seq;
	char *id; /* q.request_id's own copy: the caller's may go */
	size_t idcap;
};

struct db_import {
	struct db *db;
	sqlite3_stmt *st[ST_COUNT];
	sqlite3_stmt *add_many; /* ST_REQUEST_ADD for ADD_MANY rows */
	struct add_row add[ADD_MANY];
	size_t nadd;
	char *keep[KEEP_MAX];
	int fk_off;       /* foreign keys turned off by db_import_begin */
	int triggers_off; /* the connection's, by db_import_begin until db_import_end */
};

/* ST_REQUEST_ADD's insert with ADD_MANY rows of VALUES, ?1 to ?(9 ADD_MANY). */
static int
prepare_add_many(struct db_import *d, struct err *e)
{
	struct buf sql = {0};
	int rc;

	buf_adds(&sql, "INSERT INTO request(request_id, child_ref, activity_ref, day, action,"
	               " arrival, departure, submitted_at, seq) VALUES");
	for (int i = 0; i < ADD_MANY; i++)
		buf_adds(&sql, i ? ",(?,?,?,?,?,?,?,?,?)" : "(?,?,?,?,?,?,?,?,?)");
	rc = db_prepare(d->db, sql.p, &d->add_many, e);
	buf_release(&sql);
	return rc;
}

int
db_import_new(struct db_import **out, struct db *db, struct err *e)
{
	struct db_import *d = xcalloc(1, sizeof(*d));

	d->db = db;
	for (int i = 0; i < ST_COUNT; i++) {
		if (db_prepare(db, sqls[i], &d->st[i], e) < 0) {
			db_import_free(d);
			*out = NULL;
			return -1;
		}
	}
	if (prepare_add_many(d, e) < 0) {
		db_import_free(d);
		*out = NULL;
		return -1;
	}
	*out = d;
	return 0;
}

static void
keep_clear(struct db_import *d)
{
	for (int i = 0; i < KEEP_MAX; i++) {
		free(d->keep[i]);
		d->keep[i] = NULL;
	}
}

void
db_import_free(struct db_import *d)
{
	struct err ignored;

	if (d == NULL)
		return;
	for (int i = 0; i < ST_COUNT; i++)
		sqlite3_finalize(d->st[i]);
	sqlite3_finalize(d->add_many);
	for (int i = 0; i < ADD_MANY; i++)
		free(d->add[i].id);
	/* A no-op inside a transaction: the caller has ended it. */
	if (d->fk_off)
		db_foreign_keys(d->db, 1, &ignored);
	if (d->triggers_off)
		db_triggers(d->db, 1);
	keep_clear(d);
	free(d);
}

/* Copy column col of st into keep slot k. */
static const char *
keep_text(struct db_import *d, int k, sqlite3_stmt *st, int col)
{
	const unsigned char *s = sqlite3_column_text(st, col);

	d->keep[k] = xstrdup(s ? (const char *)s : "");
	return d->keep[k];
}

static sqlite3_stmt *
stmt(struct db_import *d, int i)
{
	sqlite3_reset(d->st[i]);
	sqlite3_clear_bindings(d->st[i]);
	return d->st[i];
}

static void
bind_text(sqlite3_stmt *st, int i, const char *s)
{
	sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC);
}

/* Step a statement that returns at most one row: 1 row, 0 none, -1 error. */
static int
step_one(struct db_import *d, sqlite3_stmt *st, const char *what, struct err *e)
{
	int rc = sqlite3_step(st);

	if (rc == SQLITE_ROW)
		return 1;
	if (rc == SQLITE_DONE)
		return 0;
	db_fail(d->db, e, what);
	sqlite3_reset(st);
	return -1;
}

static int
opt_int(sqlite3_stmt *st, int col, int *v)
{
	if (sqlite3_column_type(st, col) == SQLITE_NULL) {
		*v = 0;
		return 0;
	}
	*v = sqlite3_column_int(st, col);
	return 1;
}

int
db_import_get_family(struct db_import *d, const char *family_id, int64_t *ref,
                     struct db_family *out, struct err *e)
{
	sqlite3_stmt *st = stmt(d, ST_FAMILY_GET);
	int rc;

	keep_clear(d);
	bind_text(st, 1, family_id);
	rc = step_one(d, st, "read family", e);
	if (rc <= 0)
		return rc;
	*ref = sqlite3_column_int64(st, 0);
	out->family_id = family_id;
	out->name = keep_text(d, 0, st, 1);
	out->emails = keep_text(d, 1, st, 2);
	out->balance_cents = sqlite3_column_int64(st, 3);
	sqlite3_reset(st);
	return 1;
}

int
db_import_get_child(struct db_import *d, const char *child_id, int64_t *ref, struct db_child *out,
                    struct err *e)
{
	sqlite3_stmt *st = stmt(d, ST_CHILD_GET);
	int rc;

	keep_clear(d);
	bind_text(st, 1, child_id);
	rc = step_one(d, st, "read child", e);
	if (rc <= 0)
		return rc;
	*ref = sqlite3_column_int64(st, 0);
	out->child_id = child_id;
	out->family_id = keep_text(d, 0, st, 1);
	out->family_ref = sqlite3_column_int64(st, 2);
	out->first_name = keep_text(d, 1, st, 3);
	out->last_name = keep_text(d, 2, st, 4);
	sqlite3_reset(st);
	return 1;
}

int
db_import_get_activity(struct db_import *d, const char *activity_id, int64_t *ref,
                       struct db_activity *out, struct err *e)
{
	sqlite3_stmt *st = stmt(d, ST_ACTIVITY_GET);
	int rc, to;

	keep_clear(d);
	bind_text(st, 1, activity_id);
	rc = step_one(d, st, "read activity", e);
	if (rc <= 0)
		return rc;
	memset(out, 0, sizeof(*out));
	*ref = sqlite3_column_int64(st, 0);
	out->activity_id = activity_id;
	out->name = keep_text(d, 0, st, 1);
	out->structure = keep_text(d, 1, st, 2);
	out->has_capacity = opt_int(st, 3, &out->capacity);
	out->waitlist = sqlite3_column_int(st, 4);
	out->promote_days = sqlite3_column_int(st, 5);
	out->has_hours = opt_int(st, 6, &out->hours_from);
	if (opt_int(st, 7, &to))
		out->hours_to = to;
	out->deadline_days = sqlite3_column_int(st, 8);
	out->deadline_time = sqlite3_column_int(st, 9);
	out->deadline_rule = rules_deadline_rule_read((const char *)sqlite3_column_text(st, 10));
	out->deadline_wday = sqlite3_column_int(st, 11);
	sqlite3_reset(st);
	return 1;
}

int
db_import_get_opening(struct db_import *d, int64_t activity_ref, int32_t day,
                      struct db_opening *out, struct err *e)
{
	sqlite3_stmt *st = stmt(d, ST_OPENING_GET);
	int rc;

	sqlite3_bind_int64(st, 1, activity_ref);
	sqlite3_bind_int64(st, 2, day);
	rc = step_one(d, st, "read opening", e);
	if (rc <= 0)
		return rc;
	out->activity_ref = activity_ref;
	out->day = day;
	out->has_capacity = opt_int(st, 0, &out->capacity);
	sqlite3_reset(st);
	return 1;
}

/* The request st found, with its strings in keep slots 0 to 2. */
static int
get_request(struct db_import *d, sqlite3_stmt *st, struct db_request *out, struct err *e)
{
	const char *action;
	int rc;

	keep_clear(d);
	rc = step_one(d, st, "read request", e);
	if (rc <= 0)
		return rc;
	memset(out, 0, sizeof(*out));
	out->seq = sqlite3_column_int64(st, 0);
	out->child_id = keep_text(d, 0, st, 1);
	out->activity_id = keep_text(d, 1, st, 2);
	out->child_ref = sqlite3_column_int64(st, 3);
	out->activity_ref = sqlite3_column_int64(st, 4);
	out->day = (int32_t)sqlite3_column_int64(st, 5);
	action = (const char *)sqlite3_column_text(st, 6);
	out->action = action && strcmp(action, "cancel") == 0 ? "cancel" : "reserve";
	out->has_arrival = opt_int(st, 7, &out->arrival);
	out->has_departure = opt_int(st, 8, &out->departure);
	out->submitted_at = sqlite3_column_int64(st, 9);
	out->request_id = keep_text(d, 2, st, 10);
	sqlite3_reset(st);
	return 1;
}

int
db_import_get_request(struct db_import *d, const char *request_id, struct db_request *out,
                      struct err *e)
{
	sqlite3_stmt *st;

	if (db_import_flush(d, e) < 0)
		return -1;
	st = stmt(d, ST_REQUEST_GET);

	bind_text(st, 1, request_id);
	return get_request(d, st, out, e);
}

int
db_import_take_request(struct db_import *d, int64_t seq, struct db_request *out, struct err *e)
{
	sqlite3_stmt *st;
	int rc;

	if (db_import_flush(d, e) < 0)
		return -1;
	st = stmt(d, ST_REQUEST_SEQ);
	sqlite3_bind_int64(st, 1, seq);
	rc = get_request(d, st, out, e);
	if (rc <= 0)
		return rc;
	st = stmt(d, ST_REQUEST_DEL);
	sqlite3_bind_int64(st, 1, seq);
	return db_step_done(d->db, st, "remove request", e) < 0 ? -1 : 1;
}

static int
get_ref(struct db_import *d, int which, const char *id, int64_t *ref, struct err *e)
{
	sqlite3_stmt *st = stmt(d, which);
	int rc;

	bind_text(st, 1, id);
	rc = step_one(d, st, "read reference", e);
	if (rc <= 0)
		return rc;
	*ref = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return 1;
}

int
db_import_family_ref(struct db_import *d, const char *family_id, int64_t *ref, struct err *e)
{
	return get_ref(d, ST_FAMILY_REF, family_id, ref, e);
}

int
db_import_activity_ref(struct db_import *d, const char *activity_id, int64_t *ref, struct err *e)
{
	return get_ref(d, ST_ACTIVITY_REF, activity_id, ref, e);
}

int
db_import_put_family(struct db_import *d, int64_t ref, const struct db_family *f, struct err *e)
{
	sqlite3_stmt *st = stmt(d, ref ? ST_FAMILY_UPD : ST_FAMILY_INS);

	if (ref)
		sqlite3_bind_int64(st, 1, ref);
	bind_text(st, 2, f->family_id);
	bind_text(st, 3, f->name);
	bind_text(st, 4, f->emails);
	sqlite3_bind_int64(st, 5, f->balance_cents);
	return db_step_done(d->db, st, "store family", e);
}

int
db_import_put_child(struct db_import *d, int64_t ref, const struct db_child *c, struct err *e)
{
	sqlite3_stmt *st = stmt(d, ref ? ST_CHILD_UPD : ST_CHILD_INS);

	if (ref)
		sqlite3_bind_int64(st, 1, ref);
	bind_text(st, 2, c->child_id);
	sqlite3_bind_int64(st, 3, c->family_ref);
	bind_text(st, 4, c->first_name);
	bind_text(st, 5, c->last_name);
	return db_step_done(d->db, st, "store child", e);
}

int
db_import_put_activity(struct db_import *d, int64_t ref, const struct db_activity *a, struct err *e)
{
	sqlite3_stmt *st = stmt(d, ref ? ST_ACTIVITY_UPD : ST_ACTIVITY_INS);

	if (ref)
		sqlite3_bind_int64(st, 1, ref);
	bind_text(st, 2, a->activity_id);
	bind_text(st, 3, a->name);
	bind_text(st, 4, a->structure);
	db_bind_opt_int(st, 5, a->has_capacity, a->capacity);
	sqlite3_bind_int(st, 6, a->waitlist);
	sqlite3_bind_int(st, 7, a->promote_days);
	db_bind_opt_int(st, 8, a->has_hours, a->hours_from);
	db_bind_opt_int(st, 9, a->has_hours, a->hours_to);
	sqlite3_bind_int(st, 10, a->deadline_days);
	sqlite3_bind_int(st, 11, a->deadline_time);
	sqlite3_bind_text(st, 12, rules_deadline_rule_name(a->deadline_rule), -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 13, a->deadline_rule == RULES_DL_WEEK ? a->deadline_wday : 0);
	return db_step_done(d->db, st, "store activity", e);
}

int
db_import_put_opening(struct db_import *d, int exists, const struct db_opening *o, struct err *e)
{
	sqlite3_stmt *st = stmt(d, exists ? ST_OPENING_UPD : ST_OPENING_INS);

	sqlite3_bind_int64(st, 1, o->activity_ref);
	sqlite3_bind_int64(st, 2, o->day);
	db_bind_opt_int(st, 3, o->has_capacity, o->capacity);
	return db_step_done(d->db, st, "store opening", e);
}

int
db_import_begin(struct db_import *d, int own_refs, struct err *e)
{
	/* Only outside a transaction does this pragma take effect. */
	if (own_refs) {
		if (db_foreign_keys(d->db, 0, e) < 0)
			return -1;
		d->fk_off = 1;
	}
	if (db_begin(d->db, e) < 0)
		return -1;
	/* SQLite turns this off at every COMMIT and ROLLBACK. The requests it
	 * adds are pending: none has a place in held. */
	if (db_exec(d->db, "PRAGMA defer_foreign_keys = ON", e) < 0) {
		db_rollback(d->db);
		return -1;
	}
	if (own_refs) {
		db_triggers(d->db, 0);
		d->triggers_off = 1;
	}
	return 0;
}

void
db_import_end(struct db_import *d)
{
	if (d->triggers_off)
		db_triggers(d->db, 1);
	d->triggers_off = 0;
}

int
db_import_add_key(struct db_import *d, const char *request_id, int64_t seq, struct err *e)
{
	sqlite3_stmt *st = d->st[ST_KEY_ADD];

	if (db_import_flush(d, e) < 0)
		return -1;
	bind_text(st, 1, request_id);
	sqlite3_bind_int64(st, 2, seq);
	if (db_step_done(d->db, st, "store request id", e) < 0)
		return -1;
	return sqlite3_changes(d->db->sql) > 0;
}

/* import_keys(request_id, seq): the ids of db_import_add_keys, in their sort's order. */
static struct runsort *
keys_records(void *owner)
{
	return ((struct db_keys *)owner)->ids;
}

static void
keys_column(const void *owner, const void *rec, sqlite3_context *ctx, int col)
{
	const struct db_keys *k = owner;

	if (col == 0) { /* in the record, which stays until the next */
		sqlite3_result_text(ctx, rec, (int)strnlen(rec, k->id_max), SQLITE_STATIC);
	} else {
		int64_t seq;

		memcpy(&seq, (const char *)rec + k->seq_off, sizeof(seq));
		sqlite3_result_int64(ctx, seq);
	}
}

static const struct db_scan_table keys_table = {
    .name = "import_keys",
    .decl = "CREATE TABLE x(request_id TEXT, seq INTEGER)",
    .records = keys_records,
    .column = keys_column,
    .order_col = -1,
};

/* import_key_taken(seq): seq's id is taken; false, so that nothing is updated. */
static void
key_taken(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	struct db_keys *k = sqlite3_user_data(ctx);
	int64_t seq = sqlite3_value_int64(argv[0]);

	(void)argc;
	if (runsort_add(k->taken, &seq, &k->err) < 0) {
		sqlite3_result_error_code(ctx, SQLITE_IOERR);
		return;
	}
	sqlite3_result_int(ctx, 0);
}

/*
 * The upsert's DO UPDATE runs only for an id already there, and its WHERE
 * (false) hands the seq over without changing the row: one statement, no
 * error to recover from per taken id.
 */
static const char sql_add_keys[] =
    "INSERT INTO request_key(request_id, seq) SELECT request_id, seq FROM import_keys WHERE 1"
    " ON CONFLICT(request_id) DO UPDATE SET seq = seq WHERE import_key_taken(excluded.seq)";

int
db_import_add_keys(struct db_import *d, struct db_keys *k, struct err *e)
{
	sqlite3 *db = d->db->sql;
	sqlite3_stmt *st = NULL;
	int rc;

	err_clear(&k->err);
	if (db_import_flush(d, e) < 0 || db_scan_register(d->db, &keys_table, k, &k->err, e) < 0)
		return -1;
	if (sqlite3_create_function(db, "import_key_taken", 1, SQLITE_UTF8 | SQLITE_DIRECTONLY, k,
	                            key_taken, NULL, NULL) != SQLITE_OK) {
		rc = db_fail(d->db, e, "store request ids");
		goto out;
	}
	rc = db_prepare(d->db, sql_add_keys, &st, e);
	if (rc == 0 && sqlite3_step(st) != SQLITE_DONE) {
		if (k->err.kind != ERR_NONE)
			*e = k->err;
		else
			db_fail(d->db, e, "store request ids");
		rc = -1;
	}
out:
	sqlite3_finalize(st);
	sqlite3_create_function(db, "import_key_taken", 1, SQLITE_UTF8, NULL, NULL, NULL, NULL);
	db_scan_unregister(d->db, &keys_table);
	return rc;
}

/* Bind request r as seq at parameters from + 1 to from + 9 of st. */
static void
bind_request(sqlite3_stmt *st, int from, const struct db_request *r, int64_t seq)
{
	bind_text(st, from + 1, r->request_id);
	sqlite3_bind_int64(st, from + 2, r->child_ref);
	sqlite3_bind_int64(st, from + 3, r->activity_ref);
	sqlite3_bind_int64(st, from + 4, r->day);
	sqlite3_bind_text(st, from + 5, r->action, -1, SQLITE_STATIC);
	db_bind_opt_int(st, from + 6, r->has_arrival, r->arrival);
	db_bind_opt_int(st, from + 7, r->has_departure, r->departure);
	sqlite3_bind_int64(st, from + 8, r->submitted_at);
	sqlite3_bind_int64(st, from + 9, seq);
}

/* Store the requests waiting in d->add: ADD_MANY in one statement, fewer one by one. */
static int
flush(struct db_import *d, struct err *e)
{
	size_t n = d->nadd;

	d->nadd = 0;
	if (n == ADD_MANY) {
		/* Every parameter is bound each time: no need to clear the bindings. */
		for (size_t i = 0; i < n; i++)
			bind_request(d->add_many, (int)i * 9, &d->add[i].q, d->add[i].seq);
		return db_step_done(d->db, d->add_many, "store requests", e);
	}
	for (size_t i = 0; i < n; i++) {
		bind_request(d->st[ST_REQUEST_ADD], 0, &d->add[i].q, d->add[i].seq);
		if (db_step_done(d->db, d->st[ST_REQUEST_ADD], "store request", e) < 0)
			return -1;
	}
	return 0;
}

int
db_import_flush(struct db_import *d, struct err *e)
{
	return d->nadd > 0 ? flush(d, e) : 0;
}

int
db_import_add_request(struct db_import *d, const struct db_request *r, int64_t seq, struct err *e)
{
	struct add_row *a = &d->add[d->nadd++];
	size_t len = strlen(r->request_id) + 1;

	a->q = *r;
	a->seq = seq;
	xgrow(&a->id, &a->idcap, len, 1);
	memcpy(a->id, r->request_id, len);
	a->q.request_id = a->id;
	return d->nadd == ADD_MANY ? flush(d, e) : 0;
}

int
db_import_max_seq(struct db_import *d, int64_t *seq, struct err *e)
{
	sqlite3_stmt *st;
	int rc;

	if (db_import_flush(d, e) < 0)
		return -1;
	st = stmt(d, ST_MAX_SEQ);
	rc = step_one(d, st, "read requests", e);
	if (rc == 0)
		err_set(e, ERR_INTERNAL, "%s: max(seq) returned no row", db_path(d->db));
	if (rc <= 0)
		return -1;
	*seq = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return 0;
}

int
db_import_each_id(struct db_import *d, enum db_import_table t,
                  void (*fn)(const char *id, int64_t ref, void *ctx), void *ctx, struct err *e)
{
	sqlite3_stmt *st = stmt(d, t == DB_IMPORT_CHILDREN ? ST_CHILD_IDS : ST_ACTIVITY_IDS);
	int rc;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const unsigned char *id = sqlite3_column_text(st, 0);
		fn(id ? (const char *)id : "", sqlite3_column_int64(st, 1), ctx);
	}
	if (rc != SQLITE_DONE) {
		db_fail(d->db, e, "read ids");
		sqlite3_reset(st);
		return -1;
	}
	sqlite3_reset(st);
	return 0;
}

int
db_import_cache(struct db_import *d, int kib, struct err *e)
{
	return db_cache_size(d->db, -(long long)kib, NULL, e);
}
