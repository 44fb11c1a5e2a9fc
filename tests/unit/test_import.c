#include "import.h"

#include <stdlib.h>
#include <string.h>

#include "db_int.h"
#include "night.h"
#include "t.h"
#include "t_db.h"
#include "when.h"

static void
test_kinds(void)
{
	enum import_kind k = IMPORT_FAMILIES;

	CHECK_INT(import_kind_parse("requests", &k), 0);
	CHECK_INT(k, IMPORT_REQUESTS);
	CHECK_STR(import_kind_name(k), "requests");
	CHECK_INT(import_kind_parse("openings", &k), 0);
	CHECK_INT(k, IMPORT_OPENINGS);
	CHECK_INT(import_kind_parse("request", &k), -1);
	CHECK_INT(import_kind_parse("", &k), -1);
}

static void
test_waitlist(void)
{
	int v = -5;

	CHECK_INT(import_parse_waitlist("no", &v), 0);
	CHECK_INT(v, 0);
	CHECK_INT(import_parse_waitlist("non", &v), 0);
	CHECK_INT(v, 0);
	CHECK_INT(import_parse_waitlist("0", &v), 0);
	CHECK_INT(v, 0);
	CHECK_INT(import_parse_waitlist("yes", &v), 0);
	CHECK_INT(v, -1);
	CHECK_INT(import_parse_waitlist("OUI", &v), 0);
	CHECK_INT(v, -1);
	CHECK_INT(import_parse_waitlist("1", &v), 0);
	CHECK_INT(v, 1);
	CHECK_INT(import_parse_waitlist("25", &v), 0);
	CHECK_INT(v, 25);
	CHECK_INT(import_parse_waitlist("-2", &v), -1);
	CHECK_INT(import_parse_waitlist("maybe", &v), -1);
}

static void
test_hours(void)
{
	int f = -1, t = -1;

	CHECK_INT(import_parse_hours("07:30-18:30", &f, &t), 0);
	CHECK_INT(f, 450);
	CHECK_INT(t, 1110);
	CHECK_INT(import_parse_hours("16:30 - 24:00", &f, &t), 0);
	CHECK_INT(f, 990);
	CHECK_INT(t, 1440);
	CHECK_INT(import_parse_hours("00:00-00:01", &f, &t), 0);
	CHECK_INT(import_parse_hours("18:00-08:00", &f, &t), -1);
	CHECK_INT(import_parse_hours("08:00-08:00", &f, &t), -1);
	CHECK_INT(import_parse_hours("24:00-24:00", &f, &t), -1);
	CHECK_INT(import_parse_hours("8:00-9:00", &f, &t), -1);
	CHECK_INT(import_parse_hours("08:00", &f, &t), -1);
	CHECK_INT(import_parse_hours("08:00-", &f, &t), -1);
	CHECK_INT(import_parse_hours("08:00-25:00", &f, &t), -1);
	CHECK_INT(import_parse_hours("08h00-09h00", &f, &t), -1);
}

static void
test_action(void)
{
	const char *a = NULL;

	CHECK_INT(import_parse_action("reserve", &a), 0);
	CHECK_STR(a, "reserve");
	CHECK_INT(import_parse_action("Reservation", &a), 0);
	CHECK_STR(a, "reserve");
	CHECK_INT(import_parse_action("RÉSERVATION", &a), 0);
	CHECK_INT(import_parse_action("réservation", &a), 0);
	CHECK_STR(a, "reserve");
	CHECK_INT(import_parse_action("CANCEL", &a), 0);
	CHECK_STR(a, "cancel");
	CHECK_INT(import_parse_action("annulation", &a), 0);
	CHECK_STR(a, "cancel");
	CHECK_INT(import_parse_action("Annulation", &a), 0);
	CHECK_STR(a, "cancel");
	CHECK_INT(import_parse_action("book", &a), -1);
	CHECK_INT(import_parse_action("", &a), -1);
}

/* import_run on an in-memory database, end to end through csvin. */
struct seen {
	char buf[4096];
	size_t n;
};

static void
collect(const char *msg, void *ctx)
{
	struct seen *s = ctx;
	int w = snprintf(s->buf + s->n, sizeof(s->buf) - s->n, "%s\n", msg);

	if (w > 0 && s->n + (size_t)w < sizeof(s->buf))
		s->n += (size_t)w;
}

static int
run(struct db *db, enum import_kind k, const char *text, struct seen *s,
    struct import_counts *c, struct err *e)
{
	FILE *fp = fmemopen((void *)text, strlen(text), "rb");
	struct csvin *in = csvin_new(fp, "x.csv");
	struct import_opts o;
	int rc;

	memset(&o, 0, sizeof(o));
	memset(s, 0, sizeof(*s));
	o.bad = collect;
	o.ctx = s;
	err_clear(e);
	rc = import_run(db, k, in, &o, c, e);
	csvin_free(in);
	fclose(fp);
	return rc;
}

static void
test_run(void)
{
	struct db *db;
	struct err e;
	struct seen s;
	struct import_counts c;

	CHECK_INT(db_open(&db, ":memory:", 1000, DB_OPEN_CREATE, &e), 0);
	CHECK_INT(run(db, IMPORT_FAMILIES, "Name;FAMILY_ID\nA;F1\nB;F2\nA;F1\n", &s, &c, &e), 0);
	CHECK_INT(c.read, 3);
	CHECK_INT(c.inserted, 2);
	CHECK_INT(c.unchanged, 1);
	CHECK_STR(s.buf, "");
	/* A repeated id with other values names the earlier line. */
	CHECK_INT(run(db, IMPORT_FAMILIES, "family_id;name\nF1;A\n\nF1;Z\n", &s, &c, &e), -1);
	CHECK_INT(e.kind, ERR_DATA);
	CHECK_STR(e.msg, "x.csv: 1 bad row out of 2, nothing imported");
	CHECK_STR(s.buf, "x.csv:4: column family_id: family F1 already on line 2 with other "
			 "values: name A \xE2\x89\xA0 Z\n");
	/* Updating from the database's values is fine. */
	CHECK_INT(run(db, IMPORT_FAMILIES, "family_id;name;balance\nF1;Z;-1,5\n", &s, &c, &e), 0);
	CHECK_INT(c.updated, 1);
	/* Header problems. */
	CHECK_INT(run(db, IMPORT_FAMILIES, "family_id;nom;family_id\nF1;x;F1\n", &s, &c, &e), -1);
	CHECK_STR(e.msg, "x.csv: bad header row, nothing imported");
	CHECK_STR(s.buf, "x.csv:1: column nom: unknown column for families (known: family_id, "
			 "name, emails, balance)\n"
			 "x.csv:1: column family_id: given twice (columns 1 and 3)\n"
			 "x.csv:1: column name: missing (required for families)\n");
	CHECK_INT(run(db, IMPORT_CHILDREN, "", &s, &c, &e), -1);
	CHECK_STR(e.msg, "x.csv: empty file: no header row");
	db_close(db);
}

/*
 * A requests import checks its references itself, with SQLite's foreign
 * keys off for its transaction: a request naming no known child is a bad
 * row, the stored ones point at their parents, and the connection has its
 * foreign keys back after, committed or not.
 */
static void
test_requests_refs(void)
{
	struct db *db;
	struct err e;
	struct seen s;
	struct import_counts c;
	const char *hdr = "request_id;child_id;activity_id;date;action;submitted_at\n";
	char text[512];

	CHECK_INT(db_open(&db, ":memory:", 1000, DB_OPEN_CREATE, &e), 0);
	CHECK_INT(run(db, IMPORT_FAMILIES, "family_id;name\nF1;A\n", &s, &c, &e), 0);
	CHECK_INT(run(db, IMPORT_CHILDREN, "child_id;family_id;first_name;last_name\nC1;F1;L;A\n",
	              &s, &c, &e),
	          0);
	CHECK_INT(run(db, IMPORT_ACTIVITIES, "activity_id;name\nCANT;Cantine\n", &s, &c, &e), 0);
	CHECK_INT(t_db_int(db, "PRAGMA foreign_keys"), 1);
	snprintf(text, sizeof(text), "%sR1;C1;CANT;2024-09-02;reserve;2024-08-30 10:00\n"
	                             "R2;C9;CANT;2024-09-02;reserve;2024-08-30 10:01\n",
	         hdr);
	CHECK_INT(run(db, IMPORT_REQUESTS, text, &s, &c, &e), -1);
	CHECK_INT(e.kind, ERR_DATA);
	CHECK(strstr(s.buf, "x.csv:3: column child_id:") != NULL);
	CHECK_INT(t_db_int(db, "SELECT count(*) FROM request"), 0);
	CHECK_INT(t_db_int(db, "PRAGMA foreign_keys"), 1);
	snprintf(text, sizeof(text), "%sR1;C1;CANT;2024-09-02;reserve;2024-08-30 10:00\n", hdr);
	CHECK_INT(run(db, IMPORT_REQUESTS, text, &s, &c, &e), 0);
	CHECK_INT(c.inserted, 1);
	CHECK_INT(t_db_int(db, "SELECT count(*) FROM request r JOIN child c ON c.ref = r.child_ref"
	                        " JOIN activity a ON a.ref = r.activity_ref"
	                        " WHERE c.child_id = 'C1' AND a.activity_id = 'CANT'"),
	          1);
	CHECK_INT(t_db_int(db, "PRAGMA foreign_keys"), 1);
	/* held's trigger, off for the import's pending requests, is back (after
	 * the failed import too), and it still puts a decided request in held. */
	CHECK_INT(t_db_int(db, "SELECT count(*) FROM sqlite_schema WHERE type = 'trigger'"
	                        " AND name = 'held_insert'"),
	          1);
	CHECK_INT(sqlite3_exec(db->sql,
	                       "INSERT INTO request(request_id, child_ref, activity_ref, day, action,"
	                       " submitted_at, state) SELECT 'R9', child_ref, activity_ref, day,"
	                       " 'reserve', 0, 'accepted' FROM request",
	                       NULL, NULL, NULL),
	          SQLITE_OK);
	CHECK_INT(t_db_int(db, "SELECT count(*) FROM held h JOIN request r USING (seq)"
	                        " WHERE r.request_id = 'R9'"),
	          1);
	/* On again: deleting a parent of a stored request is refused. */
	CHECK_INT(sqlite3_exec(db->sql, "DELETE FROM child", NULL, NULL, NULL),
	          SQLITE_CONSTRAINT_FOREIGNKEY);
	db_close(db);
}

/* The night's write phase, too: its own references and names, the keys and
 * checks on after. */
static void
test_night_refs(void)
{
	struct db *db;
	struct err e;
	struct seen s;
	struct import_counts c;
	struct config cfg;
	struct night_result res;
	int64_t now = 0;

	config_defaults(&cfg);
	CHECK_INT(db_open(&db, ":memory:", 1000, DB_OPEN_CREATE, &e), 0);
	CHECK_INT(run(db, IMPORT_FAMILIES, "family_id;name\nF1;A\n", &s, &c, &e), 0);
	CHECK_INT(run(db, IMPORT_CHILDREN, "child_id;family_id;first_name;last_name\nC1;F1;L;A\n",
	              &s, &c, &e),
	          0);
	CHECK_INT(run(db, IMPORT_ACTIVITIES, "activity_id;name;capacity\nCANT;Cantine;5\n", &s, &c,
	              &e),
	          0);
	CHECK_INT(run(db, IMPORT_OPENINGS, "activity_id;date\nCANT;2024-09-05\n", &s, &c, &e), 0);
	CHECK_INT(run(db, IMPORT_REQUESTS,
	              "request_id;child_id;activity_id;date;action;submitted_at\n"
	              "R1;C1;CANT;2024-09-05;reserve;2024-08-30 10:00\n",
	              &s, &c, &e),
	          0);
	CHECK_INT(when_parse_datetime("2024-08-30 22:00", &now), 0);
	CHECK_INT(night_resolve(db, &cfg, now, &res, &e), 0);
	CHECK_INT(t_db_int(db, "PRAGMA foreign_keys"), 0); /* off while it writes */
	CHECK_INT(t_db_int(db, "PRAGMA ignore_check_constraints"), 1);
	CHECK_INT(t_db_int(db, "SELECT places FROM batch"), 0); /* its place comes next */
	CHECK_INT(night_store(db, &res, &e), 0);
	CHECK_INT(t_db_int(db, "SELECT places FROM batch"), 1);
	CHECK_INT(t_db_int(db, "SELECT count(*) FROM held WHERE state = 'accepted'"), 1);
	CHECK_INT(t_db_int(db, "PRAGMA foreign_keys"), 1);
	CHECK_INT(t_db_int(db, "PRAGMA ignore_check_constraints"), 0);
	CHECK_INT(db_exec(db, "UPDATE request SET state = 'lost'", &e), -1);
	CHECK_INT(t_db_int(db, "SELECT count(*) FROM request WHERE state = 'accepted'"), 1);
	CHECK_INT(t_db_int(db, "SELECT count(*) FROM decision d JOIN batch b USING (batch_id)"
	                        " JOIN request r USING (seq)"),
	          1);
	db_close(db);
	config_release(&cfg);
}

int
main(void)
{
	T_RUN(test_kinds);
	T_RUN(test_waitlist);
	T_RUN(test_hours);
	T_RUN(test_action);
	T_RUN(test_run);
	T_RUN(test_requests_refs);
	T_RUN(test_night_refs);
	return t_status();
}
