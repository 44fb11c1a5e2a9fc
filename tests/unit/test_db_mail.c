/*
 * test_db_mail.c - the mail queries: what they return, and that their cost
 * stays linear (a SQLite progress handler counts virtual-machine steps, so a
 * scan of a table per row shows as a budget overrun, deterministically).
 */
#include "db_mail.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "db_int.h"
#include "t.h"
#include "t_db.h"

static char dir[] = "/tmp/nocturne-test-db-mail.XXXXXX";

static int
count_steps(void *arg)
{
	(*(long long *)arg)++;
	return 0;
}

/*
 * A town of nfam families, one child each, and per family: a reservation
 * accepted in batch 1 then cancelled in batch 2 (not yet reported), and
 * nold already-reported requests each with its decision row.
 */
static struct db *
town(const char *name, int nfam, int nold)
{
	char path[256];
	struct db *db;
	struct err e;
	sqlite3_stmt *st;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (db_open(&db, path, 1000, DB_OPEN_CREATE, &e) < 0) {
		printf("  %s\n", e.msg);
		return NULL;
	}
	db_exec(db,
	        "BEGIN;"
	        "INSERT INTO activity(ref, activity_id, name) VALUES (1, 'A', 'Cantine');"
	        "INSERT INTO batch(batch_id, ran_at, cutoff, started_at, finished_at)"
	        " VALUES (1, 0, 0, 0, 0), (2, 86400, 0, 0, 0);",
	        &e);
	sqlite3_prepare_v2(db->sql,
	                   "INSERT INTO family(ref, family_id, name, emails)"
	                   " VALUES (?1, 'F' || ?1, 'Famille ' || ?1, 'f' || ?1 || '@example.org');"
	                   "",
	                   -1, &st, NULL);
	for (int f = 1; f <= nfam; f++) {
		sqlite3_bind_int(st, 1, f);
		sqlite3_step(st);
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	db_exec(
	    db,
	    "INSERT INTO child(ref, child_id, family_ref, first_name, last_name)"
	    " SELECT ref, 'C' || ref, ref, 'Léa', 'N' || ref FROM family;"
	    /* this morning's: one cancelled reservation per family */
	    "INSERT INTO request(seq, request_id, child_ref, activity_ref, day, action,"
	    " submitted_at, state, batch_id)"
	    " SELECT ref, 'R' || ref, ref, 1, 18000, 'reserve', 0, 'cancelled', 2 FROM child;"
	    "INSERT INTO decision(batch_id, seq, state) SELECT 1, seq, 'accepted' FROM request;"
	    "INSERT INTO decision(batch_id, seq, state) SELECT 2, seq, 'cancelled' FROM request;",
	    &e);
	sqlite3_prepare_v2(
	    db->sql,
	    "INSERT INTO request(request_id, child_ref, activity_ref, day, action,"
	    " submitted_at, state, batch_id)"
	    " VALUES ('old' || ?1, 1 + ?1 % ?2, 1, 17000, 'reserve', 0, 'accepted', 1)",
	    -1, &st, NULL);
	for (int i = 0; i < nold; i++) {
		sqlite3_bind_int(st, 1, i);
		sqlite3_bind_int(st, 2, nfam);
		sqlite3_step(st);
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	db_exec(db,
	        "INSERT INTO request_mail(seq, reported)"
	        " SELECT seq, 1 FROM request WHERE request_id LIKE 'old%';"
	        "INSERT INTO decision(batch_id, seq, state)"
	        " SELECT 1, seq, 'accepted' FROM request_mail;"
	        "COMMIT;",
	        &e);
	return db;
}

/* What a walk saw: copies of a few fields of each request, and its calls. */
struct seen {
	int calls;
	size_t n, largest;
	long long seq[64], family[64];
	char state[64][16], shown[64][16], emails[64][32], child[64][32];
	int position[64];
	int fail_at;           /* call number at which fn fails, 0 = never */
	struct db_mail *store; /* non-NULL: store a message for each family */
	const char *kind;      /* of the messages stored: "report" unless set */
	long long only;        /* non-zero: store for that family only */
};

static int
see(void *ctx, const struct db_mail_req *r, size_t n, struct err *e)
{
	struct seen *s = ctx;

	s->calls++;
	if (n > s->largest)
		s->largest = n;
	for (size_t i = 0; i < n && s->n < 64; i++, s->n++) {
		if (r[i].family_ref != r[0].family_ref)
			return err_set(e, ERR_INTERNAL, "two families in one call");
		s->seq[s->n] = r[i].seq;
		s->family[s->n] = r[i].family_ref;
		snprintf(s->state[s->n], 16, "%s", r[i].state);
		snprintf(s->shown[s->n], 16, "%s", r[i].shown_state);
		snprintf(s->emails[s->n], 32, "%s", r[i].emails);
		snprintf(s->child[s->n], 32, "%s", r[i].child_name);
		s->position[s->n] = r[i].shown_position;
	}
	if (s->fail_at == s->calls)
		return err_set(e, ERR_IO, "fn failed at call %d", s->calls);
	if (s->store != NULL && (s->only == 0 || s->only == r[0].family_ref)) {
		struct db_mail_new m;
		long long seqs[64], ref;
		char id[32];

		for (size_t i = 0; i < n && i < 64; i++)
			seqs[i] = r[i].seq;
		snprintf(id, sizeof(id), "<%d.%lld@x>", s->calls, r[0].family_ref);
		memset(&m, 0, sizeof(m));
		m.kind = s->kind != NULL ? s->kind : "report";
		m.family_ref = r[0].family_ref;
		m.subject = "s";
		m.message_id = id;
		m.content = "c\r\n";
		m.length = 3;
		m.state = "pending";
		return db_mail_store(s->store, &m, seqs, n < 64 ? n : 64, &ref, e);
	}
	return 0;
}

/* What a case works on: a town (town()), its mail queue, what a walk saw. */
struct fx {
	struct db *db;
	struct db_mail *q;
	struct seen s;
	struct err e;
};

/* Build town name (nfam, nold: see town()) and open its queue: 1, or 0
 * (the failure checked: the case stops). */
static int
fx_open(struct fx *f, const char *name, int nfam, int nold)
{
	memset(f, 0, sizeof(*f));
	f->db = town(name, nfam, nold);
	CHECK(f->db != NULL);
	if (f->db == NULL)
		return 0;
	f->q = db_mail_open(f->db);
	return 1;
}

static void
fx_close(struct fx *f)
{
	db_mail_close(f->q);
	db_close(f->db);
}

/* A cancelled reservation shows the state its last decision gave it. */
static void
test_cancelled_shows_last_decision(void)
{
	struct fx f;

	if (!fx_open(&f, "shown.db", 3, 0))
		return;
	db_exec(f.db,
	        "UPDATE decision SET state = 'waitlisted', position = 4 WHERE batch_id = 1"
	        " AND seq = 2",
	        &f.e);
	CHECK_INT(db_mail_requests(f.q, DB_MAIL_TO_REPORT, see, &f.s, &f.e), 0);
	CHECK_INT(f.s.n, 3);
	CHECK_INT(f.s.calls, 3);
	if (f.s.n == 3) {
		CHECK_STR(f.s.state[0], "cancelled");
		CHECK_STR(f.s.shown[0], "accepted");
		CHECK_INT(f.s.position[0], 0);
		CHECK_STR(f.s.shown[1], "waitlisted");
		CHECK_INT(f.s.position[1], 4);
		CHECK_STR(f.s.emails[1], "f2@example.org");
		CHECK_STR(f.s.child[1], "Léa N2");
	}
	fx_close(&f);
}

/*
 * One call per family with all its requests, in the documented order (child
 * by its ref, then date, then import order), whatever the table order: the
 * French order of the children is morning.c's (tests/e2e/mail_parent.sh).
 */
static void
test_walk_groups_by_family(void)
{
	struct fx f;

	if (!fx_open(&f, "walk.db", 3, 0))
		return;
	/* Family 2 gets a second child (its ref after: walked after) and three more requests. */
	CHECK_INT(
	    db_exec(f.db,
	            "INSERT INTO child(ref, child_id, family_ref, first_name, last_name)"
	            " VALUES (10, 'C10', 2, 'Zoé', 'A');"
	            "INSERT INTO request(seq, request_id, child_ref, activity_ref, day, action,"
	            " submitted_at, state, batch_id) VALUES"
	            " (20, 'R20', 2, 1, 17990, 'reserve', 0, 'refused', 2),"
	            " (21, 'R21', 10, 1, 18001, 'reserve', 0, 'accepted', 2),"
	            " (22, 'R22', 10, 1, 18000, 'cancel', 0, 'accepted', 2),"
	            " (23, 'R23', 1, 1, 18000, 'reserve', 0, 'pending', NULL)",
	            &f.e),
	    0);
	CHECK_INT(db_mail_requests(f.q, DB_MAIL_TO_REPORT, see, &f.s, &f.e), 0);
	CHECK_INT(f.s.calls, 3);
	CHECK_INT(f.s.largest, 4);
	CHECK_INT(f.s.n, 6);
	if (f.s.n == 6) {
		long long want[] = {1, 20, 2, 22, 21, 3};
		for (int i = 0; i < 6; i++)
			CHECK_INT(f.s.seq[i], want[i]);
		CHECK_INT(f.s.family[4], 2);
	}
	fx_close(&f);
}

/*
 * Composition reads each cancelled reservation's decisions through an
 * index: with 2,000 of them among 40,000 decision rows, a scan per row would
 * be 2,000 x 40,000 steps; the budget is a few hundred steps per row.
 */
static void
test_requests_cost_is_linear(void)
{
	struct fx f;
	long long steps = 0;

	if (!fx_open(&f, "cost.db", 2000, 38000))
		return;
	sqlite3_progress_handler(f.db->sql, 1000, count_steps, &steps);
	CHECK_INT(db_mail_requests(f.q, DB_MAIL_TO_REPORT, see, &f.s, &f.e), 0);
	sqlite3_progress_handler(f.db->sql, 0, NULL, NULL);
	CHECK_INT(f.s.calls, 2000);
	/* steps counts thousands of VM instructions (about 420 here; 650,000 with a scan per row).
	 */
	if (steps > 2000)
		printf("  %lld thousand VM steps for %d requests\n", steps, f.s.calls);
	CHECK(steps <= 2000);
	fx_close(&f);
}

/* Store, defer, come due, send: each outcome one committed UPDATE. */
static void
test_queue_outcomes(void)
{
	struct fx f;
	struct db_mail_msg msg;
	long long ref, *refs = NULL, count = 0;
	int64_t next = 0;
	size_t n = 0;

	if (!fx_open(&f, "queue.db", 2, 0))
		return;
	f.s.store = f.q;
	CHECK_INT(db_begin(f.db, &f.e), 0);
	CHECK_INT(db_mail_requests(f.q, DB_MAIL_TO_REPORT, see, &f.s, &f.e), 0);
	CHECK_INT(db_commit(f.db, &f.e), 0);
	CHECK_INT(f.s.calls, 2);
	CHECK_INT(t_db_int(f.db, "SELECT count(*) FROM request_mail WHERE reported = 1"), 2);
	CHECK_INT(t_db_int(f.db, "SELECT count(*) FROM message_request"), 2);
	ref = t_db_int(f.db, "SELECT ref FROM message WHERE family_ref = 1");
	CHECK_INT(t_db_int(f.db, "SELECT count(*) FROM message WHERE state = 'pending'"), 2);
	/* The binary content comes back whole. */
	db_exec(f.db,
	        "UPDATE message_content SET content = X'610D0A0062' WHERE message_ref = "
	        "(SELECT ref FROM message WHERE family_ref = 1)",
	        &f.e);
	CHECK_INT(db_mail_load(f.q, ref, &msg, &f.e), 0);
	CHECK_INT(msg.length, 5);
	CHECK(memcmp(msg.content, "a\r\n\0b", 6) == 0);
	CHECK_STR(msg.kind, "report");
	CHECK_STR(msg.state, "pending");
	db_mail_msg_release(&msg);
	CHECK_INT(db_mail_load(f.q, 999, &msg, &f.e), -1);
	CHECK_INT(f.e.kind, ERR_INTERNAL);
	{
		struct db_mail_msg two[3];
		long long want[3] = {ref + 1, ref, 999};

		/* A chunk in one snapshot, in the order asked; a missing one fails it whole. */
		CHECK_INT(db_mail_load_many(f.q, want, 2, two, &f.e), 0);
		CHECK_INT(two[0].ref, ref + 1);
		CHECK_INT(two[1].length, 5);
		CHECK_STR(two[0].content, "c\r\n");
		db_mail_msg_release(&two[0]);
		db_mail_msg_release(&two[1]);
		CHECK_INT(db_mail_load_many(f.q, want, 3, two, &f.e), -1);
		CHECK_STR(f.e.msg + strlen(f.e.msg) - 20, "message 999 vanished");
		CHECK(sqlite3_get_autocommit(f.db->sql));
		/* Inside a transaction, the caller's is left open. */
		CHECK_INT(db_begin(f.db, &f.e), 0);
		CHECK_INT(db_mail_load_many(f.q, want, 2, two, &f.e), 0);
		CHECK(!sqlite3_get_autocommit(f.db->sql));
		db_rollback(f.db);
		db_mail_msg_release(&two[0]);
		db_mail_msg_release(&two[1]);
	}
	CHECK_INT(t_db_int(f.db, "SELECT count(*) FROM message_content"), 2);

	CHECK_INT(db_mail_defer(f.q, ref, 1, 1300, 1000, "451 later", &f.e), 0);
	CHECK_INT(db_mail_fail(f.q, ref + 1, 1, 1000, "550 no", &f.e), 0);
	CHECK_INT(db_mail_due(f.q, 1299, 0, &refs, &n, &f.e), 0);
	CHECK_INT(n, 0);
	free(refs);
	CHECK_INT(db_mail_pending(f.q, &count, &next, &f.e), 0);
	CHECK_INT(count, 1);
	CHECK_INT(next, 1300);
	CHECK_INT(db_mail_due(f.q, 1300, 0, &refs, &n, &f.e), 0);
	CHECK_INT(n, 1);
	if (n == 1)
		CHECK_INT(refs[0], ref);
	free(refs);
	CHECK_INT(db_mail_sent(f.q, ref, 2, 1300, "250 ok", &f.e), 0);
	CHECK_INT(t_db_int(f.db, "SELECT attempts * 10000 + sent_at FROM message WHERE state = 'sent'"),
	          21300);
	CHECK_INT(
	    t_db_int(f.db, "SELECT count(*) FROM message WHERE state = 'failed' AND reason = '550 no'"),
	    1);
	CHECK_INT(db_mail_pending(f.q, &count, &next, &f.e), 0);
	CHECK_INT(count, 0);
	/* A second walk finds nothing left to report. */
	memset(&f.s, 0, sizeof(f.s));
	CHECK_INT(db_mail_requests(f.q, DB_MAIL_TO_REPORT, see, &f.s, &f.e), 0);
	CHECK_INT(f.s.calls, 0);
	fx_close(&f);
}

/* fn's error stops the walk, is returned as is, and nothing is marked. */
static void
test_walk_stops_on_error(void)
{
	struct fx f;

	if (!fx_open(&f, "stop.db", 4, 0))
		return;
	f.s.store = f.q;
	f.s.fail_at = 2;
	CHECK_INT(db_begin(f.db, &f.e), 0);
	CHECK_INT(db_mail_requests(f.q, DB_MAIL_TO_REPORT, see, &f.s, &f.e), -1);
	CHECK_INT(f.e.kind, ERR_IO);
	CHECK_STR(f.e.msg, "fn failed at call 2");
	CHECK_INT(f.s.calls, 2);
	CHECK_INT(t_db_int(f.db, "SELECT count(*) FROM message"), 1);
	CHECK_INT(t_db_int(f.db, "SELECT count(*) FROM request_mail WHERE reported = 1"), 0);
	db_rollback(f.db);
	fx_close(&f);
}

/*
 * Marking: a report sets reported and turns an owed notice into a composed
 * one; a notice walk sees accepted, reported requests owed a notice, and
 * marks them composed. Only the messages stored during the walk count.
 */
static void
test_notice_marks(void)
{
	struct fx f;

	if (!fx_open(&f, "notice.db", 3, 0))
		return;
	/* Family 1: reported, promoted (notice owed). Family 2: not reported, notice owed.
	 * Family 3: reported, notice owed, but an older message covers it. */
	CHECK_INT(db_exec(f.db,
	                  "UPDATE request SET state = 'accepted';"
	                  "INSERT INTO request_mail(seq, reported, notice)"
	                  " VALUES (1, 1, 1), (2, 0, 1), (3, 1, 1);"
	                  "INSERT INTO message(ref, kind, family_ref, subject, message_id,"
	                  " state, created_at, next_at) VALUES"
	                  " (1, 'notice', 3, 's', '<old@x>', 'sent', 0, 0);"
	                  "INSERT INTO message_request VALUES (1, 3);",
	                  &f.e),
	          0);
	memset(&f.s, 0, sizeof(f.s));
	f.s.store = f.q;
	CHECK_INT(db_begin(f.db, &f.e), 0);
	CHECK_INT(db_mail_requests(f.q, DB_MAIL_TO_REPORT, see, &f.s, &f.e), 0);
	CHECK_INT(f.s.calls, 1);
	CHECK_INT(t_db_int(f.db, "SELECT reported * 10 + notice FROM request_mail WHERE seq = 2"), 12);
	CHECK_INT(t_db_int(f.db, "SELECT reported * 10 + notice FROM request_mail WHERE seq = 1"), 11);

	CHECK_INT(t_db_int(f.db, "SELECT reported * 10 + notice FROM request_mail WHERE seq = 3"), 11);

	/* Families 1 and 3 are owed a notice; one is stored, for family 1 only. */
	memset(&f.s, 0, sizeof(f.s));
	f.s.store = f.q;
	f.s.kind = "notice";
	f.s.only = 1;
	CHECK_INT(db_mail_requests(f.q, DB_MAIL_TO_NOTIFY, see, &f.s, &f.e), 0);
	CHECK_INT(f.s.calls, 2);
	CHECK_INT(f.s.n, 2);
	CHECK_INT(t_db_int(f.db, "SELECT reported * 10 + notice FROM request_mail WHERE seq = 1"), 12);
	CHECK_INT(t_db_int(f.db, "SELECT reported * 10 + notice FROM request_mail WHERE seq = 2"), 12);
	CHECK_INT(t_db_int(f.db, "SELECT reported * 10 + notice FROM request_mail WHERE seq = 3"), 11);
	CHECK_INT(t_db_int(f.db, "SELECT count(*) FROM message WHERE kind = 'notice'"), 2);
	CHECK_INT(db_commit(f.db, &f.e), 0);
	fx_close(&f);
}

/*
 * A walk that stores nothing (a dry run) writes nothing: it runs in a read
 * transaction while another connection holds the write lock.
 */
static void
test_dry_walk_writes_nothing(void)
{
	struct fx f;
	struct db *other = NULL;
	char path[256];

	if (!fx_open(&f, "dry.db", 3, 0))
		return;
	snprintf(path, sizeof(path), "%s/dry.db", dir);
	CHECK_INT(db_open(&other, path, 100, DB_OPEN_EXISTING, &f.e), 0);
	CHECK_INT(db_begin(other, &f.e), 0);
	CHECK_INT(db_begin_read(f.db, &f.e), 0);
	CHECK_INT(db_mail_requests(f.q, DB_MAIL_TO_REPORT, see, &f.s, &f.e), 0);
	CHECK_INT(f.s.calls, 3);
	db_rollback(f.db);
	db_rollback(other);
	db_close(other);
	fx_close(&f);
}

int
main(void)
{
	char cmd[300];

	if (mkdtemp(dir) == NULL)
		return 1;
	T_RUN(test_cancelled_shows_last_decision);
	T_RUN(test_walk_groups_by_family);
	T_RUN(test_requests_cost_is_linear);
	T_RUN(test_queue_outcomes);
	T_RUN(test_walk_stops_on_error);
	T_RUN(test_notice_marks);
	T_RUN(test_dry_walk_writes_nothing);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		return 1;
	return t_status();
}
