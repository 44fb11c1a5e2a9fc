#include "db_mail.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db_int.h"
#include "rules.h"

/* The handle's statements, prepared on first use. */
enum {
	Q_REPORT,      /* requests to report: their keys, in order */
	Q_NOTIFY,      /* requests owed a notice: the same */
	Q_WALK,        /* the requests of temp.mail_walk, in its order */
	Q_LAST_REF,    /* the largest message ref */
	Q_MARK_REPORT, /* mark the requests of new reports */
	Q_MARK_NOTICE, /* mark the requests of new notices */
	Q_INSERT,      /* store a message */
	Q_CONTENT,     /* and its bytes */
	Q_LINK,        /* link it to a request */
	Q_DUE,         /* due messages */
	Q_LOAD,        /* one message */
	Q_STATE,       /* a state change */
	Q_SENDING,     /* handed to the server, outcome not recorded yet */
	Q_PENDING,     /* pending count */
	Q_OPENINGS,    /* an activity's open days */
	Q_ACTIVITY,    /* what the mail says about an activity */
	Q_COUNT
};

/*
 * The requests to put in mail. Only cancelled reservations look back at
 * their decisions, only accepted cancellations at the reservation they undid,
 * only duplicates at the request that holds their day (in held, the slot's
 * places): CASE keeps each lookup to the rows that need it. A cancelled
 * reservation's decision before its cancellation is one a later night
 * changed, so it is kept apart (decision_kept, schema 15), as is any
 * decision made before the one a request's row shows.
 */
/* clang-format off */
#define HOLDER(col)                                                                          \
	" CASE WHEN r.reason = 'duplicate' THEN (SELECT h." col " FROM held h"               \
	"  WHERE h.activity_ref = r.activity_ref AND h.day = r.day"                          \
	"  AND h.child_ref = r.child_ref AND h.seq <> r.seq"                                 \
	"  ORDER BY h.state = 'cancelled', h.seq LIMIT 1) END"
#define UNDONE(col)                                                                          \
	" CASE WHEN r.undoes IS NOT NULL THEN (SELECT " col                                  \
	"  FROM request u WHERE u.seq = r.undoes) END"
/* The undone reservation's last decision but a cancellation: its own row's
 * state (a row's state is its last decision's), or the last one kept. */
#define UNDONE_STATE                                                                         \
	" CASE WHEN r.undoes IS NOT NULL THEN (SELECT CASE WHEN u.state <> 'cancelled'"      \
	"  AND u.state <> 'pending' THEN u.state ELSE (SELECT ud.state FROM decision_kept ud" \
	"  WHERE ud.seq = u.seq AND ud.state <> 'cancelled'"                                 \
	"  ORDER BY ud.batch_id DESC LIMIT 1) END FROM request u WHERE u.seq = r.undoes) END"
#define REQUESTS_BASE                                                                        \
	"SELECT r.seq, f.ref, f.family_id, f.name, f.emails, c.child_id,"                    \
	" c.first_name || ' ' || c.last_name, a.name, r.day, r.action, r.arrival,"           \
	" r.departure, r.state, r.reason, r.position, d.state, d.position,"                  \
	" c.first_name, c.last_name, r.submitted_at, a.ref, r.undoes,"                       \
	UNDONE("u.arrival") "," UNDONE("u.departure") "," UNDONE_STATE ","                   \
	HOLDER("state") "," HOLDER("position") "," HOLDER("submitted_at")                    \
	" FROM temp.mail_walk w CROSS JOIN request r ON r.seq = w.seq"                       \
	" JOIN child c ON c.ref = r.child_ref"                                               \
	" JOIN family f ON f.ref = c.family_ref JOIN activity a ON a.ref = r.activity_ref"   \
	" LEFT JOIN decision_kept d ON d.seq = r.seq AND d.batch_id = CASE WHEN r.state = 'cancelled'" \
	"  THEN (SELECT max(d2.batch_id) FROM decision_kept d2"                              \
	"   WHERE d2.seq = r.seq AND d2.state <> 'cancelled') END "
/* clang-format on */
/*
 * The walk's order, in two steps: the requests' keys alone are sorted into
 * temp.mail_walk (family, child: integers only, the caller puts a family's
 * children in French order), then REQUESTS_BASE reads them in that table's
 * order (rowid: no sort) and fetches the rest by key. Sorting the whole
 * rows (names, addresses, ...) cost a quarter more, and memory.
 */
#define WALK_KEYS(from, cond)                                                                      \
	"INSERT INTO temp.mail_walk(seq) SELECT r.seq FROM " from                                  \
	" JOIN child c ON c.ref = r.child_ref WHERE " cond                                         \
	" ORDER BY c.family_ref, c.ref, r.day, r.seq"
#define COVERED(kind)                                                                              \
	" FROM message m JOIN message_request mr"                                                  \
	" ON mr.message_ref = m.ref WHERE m.ref > ?1 AND m.kind = '" kind "'"
#define COVERED_REPORT COVERED("report")
#define COVERED_NOTICE COVERED("notice")

/* What the mail owes is in request_mail (db_schema.c): no row is 0 and 0. */
static const char *const sql_text[Q_COUNT] = {
    [Q_REPORT] = WALK_KEYS("request r", "r.state <> 'pending' AND NOT EXISTS (SELECT 1"
                                        " FROM request_mail k WHERE k.seq = r.seq"
                                        " AND k.reported = 1)"),
    [Q_NOTIFY] = WALK_KEYS("request_mail k JOIN request r ON r.seq = k.seq",
                           "k.notice = 1 AND k.reported = 1 AND r.state = 'accepted'"),
    [Q_WALK] = REQUESTS_BASE "ORDER BY w.rowid",
    [Q_LAST_REF] = "SELECT coalesce(max(ref), 0) FROM message",
    /*
     * A compte-rendu that reports an acceptance makes a notice for it
     * needless. In key order, sorted (+: the index message_request_seq
     * would give that order by reading every message's links, not the
     * chunk's). OR FAIL: a multi-row statement that may abort keeps a
     * statement journal, a temporary file of every page the chunk's marks
     * touch (60 MB over a 10,000-family morning when they were request's);
     * a failure rolls back the whole chunk anyway.
     */
    [Q_MARK_REPORT] = "INSERT OR FAIL INTO request_mail(seq, reported)"
                      " SELECT mr.seq, 1" COVERED_REPORT " ORDER BY +mr.seq"
                      " ON CONFLICT(seq) DO UPDATE SET reported = 1,"
                      " notice = CASE WHEN notice = 1 THEN 2 ELSE notice END",
    [Q_MARK_NOTICE] = "UPDATE OR FAIL request_mail SET notice = 2"
                      " WHERE seq IN (SELECT mr.seq" COVERED_NOTICE ")",
    [Q_INSERT] = "INSERT INTO message(kind, family_ref, recipient, subject, message_id,"
                 " state, reason, created_at, next_at, updated_at, batch_id)"
                 " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8, ?8, ?9)",
    [Q_CONTENT] = "INSERT INTO message_content(message_ref, content) VALUES(?, ?)",
    [Q_LINK] = "INSERT OR IGNORE INTO message_request(message_ref, seq) VALUES(?, ?)",
    [Q_DUE] = "SELECT ref FROM message WHERE state = 'pending' AND next_at <= ?1 AND ref > ?2"
              " ORDER BY next_at, ref",
    [Q_LOAD] = "SELECT m.kind, m.recipient, m.subject, m.message_id, m.state, c.content,"
               " m.attempts, m.sending FROM message m"
               " LEFT JOIN message_content c ON c.message_ref = m.ref WHERE m.ref = ?",
    [Q_STATE] = "UPDATE message SET state = ?1, attempts = ?2, next_at = ?3, updated_at = ?4,"
                " reason = ?5, sent_at = CASE WHEN ?6 THEN ?4 ELSE sent_at END, sending = 0"
                " WHERE ref = ?7",
    [Q_SENDING] = "UPDATE message SET sending = 1 WHERE ref = ?",
    [Q_PENDING] = "SELECT count(*), min(next_at) FROM message WHERE state = 'pending'",
    [Q_OPENINGS] = "SELECT day FROM opening WHERE activity_ref = ? ORDER BY day",
    [Q_ACTIVITY] = "SELECT structure, hours_from, hours_to, waitlist, deadline_days,"
                   " deadline_time, deadline_rule, deadline_wday FROM activity WHERE ref = ?",
};

struct db_mail {
	struct db *db;
	sqlite3_stmt *st[Q_COUNT];
	long long stored; /* messages stored through this handle */
};

struct db_mail *
db_mail_open(struct db *db)
{
	struct db_mail *q = xcalloc(1, sizeof(*q));

	q->db = db;
	return q;
}

void
db_mail_close(struct db_mail *q)
{
	if (q == NULL)
		return;
	for (int i = 0; i < Q_COUNT; i++)
		sqlite3_finalize(q->st[i]);
	free(q);
}

/* Statement i, prepared once, reset and unbound for a new use. */
static sqlite3_stmt *
stmt(struct db_mail *q, int i, struct err *e)
{
	if (q->st[i] == NULL) {
		if (sqlite3_prepare_v3(q->db->sql, sql_text[i], -1, SQLITE_PREPARE_PERSISTENT,
		                       &q->st[i], NULL) != SQLITE_OK) {
			q->st[i] = NULL;
			db_fail(q->db, e, "prepare");
			return NULL;
		}
		return q->st[i];
	}
	sqlite3_reset(q->st[i]);
	sqlite3_clear_bindings(q->st[i]);
	return q->st[i];
}

/* Done with statement st: release its read snapshot and its bound pointers. */
static void
done(sqlite3_stmt *st)
{
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
}

/* Step a statement that returns no row (db_step_done), then clear its bindings. */
static int
step_done(struct db_mail *q, sqlite3_stmt *st, const char *what, struct err *e)
{
	int rc = db_step_done(q->db, st, what, e);

	sqlite3_clear_bindings(st);
	return rc;
}

static int
col_opt_int(sqlite3_stmt *st, int i)
{
	return sqlite3_column_type(st, i) == SQLITE_NULL ? -1 : sqlite3_column_int(st, i);
}

static void
reqs_clear(struct db_mail_req *r, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(r[i].family_id);
		free(r[i].family_name);
		free(r[i].emails);
		free(r[i].child_id);
		free(r[i].child_name);
		free(r[i].activity);
		free(r[i].action);
		free(r[i].state);
		free(r[i].reason);
		free(r[i].shown_state);
		free(r[i].child_first);
		free(r[i].child_last);
		free(r[i].undone_state);
		free(r[i].holder_state);
	}
}

/* Fill r from the current row of st. */
static void
req_read(sqlite3_stmt *st, struct db_mail_req *r)
{
	const char *shown;

	memset(r, 0, sizeof(*r));
	r->seq = sqlite3_column_int64(st, 0);
	r->family_ref = sqlite3_column_int64(st, 1);
	r->family_id = db_column_dup(st, 2);
	r->family_name = db_column_dup(st, 3);
	r->emails = db_column_dup(st, 4);
	r->child_id = db_column_dup(st, 5);
	r->child_name = db_column_dup(st, 6);
	r->activity = db_column_dup(st, 7);
	r->day = sqlite3_column_int(st, 8);
	r->action = db_column_dup(st, 9);
	r->arrival = col_opt_int(st, 10);
	r->departure = col_opt_int(st, 11);
	r->state = db_column_dup(st, 12);
	r->reason = db_column_dup(st, 13);
	r->position = sqlite3_column_int(st, 14);
	r->shown_position = r->position;
	shown = r->state;
	if (r->state != NULL && strcmp(r->state, "cancelled") == 0) {
		const unsigned char *d = sqlite3_column_text(st, 15);
		if (d != NULL && strcmp((const char *)d, "waitlisted") == 0) {
			shown = "waitlisted";
			r->shown_position = sqlite3_column_int(st, 16);
		} else {
			shown = "accepted";
			r->shown_position = 0;
		}
	}
	r->shown_state = xstrdup(shown ? shown : "pending");
	r->child_first = db_column_dup(st, 17);
	r->child_last = db_column_dup(st, 18);
	r->submitted_at = sqlite3_column_int64(st, 19);
	r->activity_ref = sqlite3_column_int64(st, 20);
	r->undoes = sqlite3_column_int64(st, 21);
	r->undone_arrival = col_opt_int(st, 22);
	r->undone_departure = col_opt_int(st, 23);
	r->undone_state = db_column_dup(st, 24);
	r->holder_state = db_column_dup(st, 25);
	r->holder_position = sqlite3_column_int(st, 26);
	r->holder_submitted = sqlite3_column_int64(st, 27);
}

/*
 * One statement for the messages stored after ref after, never one per
 * family as it is stored: the walk's SELECT reads request, and SQLite
 * leaves undefined what a running SELECT sees of rows its own connection
 * changes. db_mail_requests marks once its walk is over; the morning, whose
 * walk reads on another connection, marks each chunk as it stores it.
 */
int
db_mail_mark(struct db_mail *q, enum db_mail_select which, long long after, struct err *e)
{
	sqlite3_stmt *st = stmt(q, which == DB_MAIL_TO_REPORT ? Q_MARK_REPORT : Q_MARK_NOTICE, e);

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, after);
	return step_done(q, st, "mark requests reported", e);
}

int
db_mail_last_ref(struct db_mail *q, long long *ref, struct err *e)
{
	sqlite3_stmt *st;
	int rc;

	if ((st = stmt(q, Q_LAST_REF, e)) == NULL)
		return -1;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*ref = sqlite3_column_int64(st, 0);
	done(st);
	return rc == SQLITE_ROW ? 0 : db_fail(q->db, e, "read the message queue");
}

int
db_mail_requests(struct db_mail *q, enum db_mail_select which, db_mail_family_fn fn, void *ctx,
                 struct err *e)
{
	struct db_mail_req *v = NULL;
	size_t cap = 0, len = 0;
	long long last = 0, stored = q->stored;
	sqlite3_stmt *st;
	int rc, frc = 0;

	if (db_mail_last_ref(q, &last, e) < 0)
		return -1;
	if (db_exec(q->db,
	            "CREATE TEMP TABLE IF NOT EXISTS mail_walk(seq INTEGER NOT NULL);"
	            "DELETE FROM temp.mail_walk;",
	            e) < 0 ||
	    (st = stmt(q, which == DB_MAIL_TO_REPORT ? Q_REPORT : Q_NOTIFY, e)) == NULL ||
	    step_done(q, st, "read requests to report", e) < 0 || (st = stmt(q, Q_WALK, e)) == NULL)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (len > 0 && sqlite3_column_int64(st, 1) != v[0].family_ref) {
			frc = fn(ctx, v, len, e);
			reqs_clear(v, len);
			len = 0;
			if (frc < 0)
				break;
		}
		xgrow(&v, &cap, len + 1, sizeof(*v));
		req_read(st, &v[len++]);
	}
	if (frc == 0 && rc != SQLITE_DONE)
		db_fail(q->db, e, "read requests to report");
	else if (frc == 0 && len > 0)
		frc = fn(ctx, v, len, e);
	done(st);
	reqs_clear(v, len);
	free(v);
	if (frc < 0 || rc != SQLITE_DONE)
		return -1;
	/* Nothing stored (a dry run): nothing to mark, and no write to start. */
	return q->stored == stored ? 0 : db_mail_mark(q, which, last, e);
}

int
db_mail_store(struct db_mail *q, const struct db_mail_new *m, const long long *seqs, size_t nseq,
              long long *ref, struct err *e)
{
	sqlite3_stmt *ins, *content, *link;

	if ((ins = stmt(q, Q_INSERT, e)) == NULL || (content = stmt(q, Q_CONTENT, e)) == NULL ||
	    (link = stmt(q, Q_LINK, e)) == NULL)
		return -1;
	db_bind_text(ins, 1, m->kind);
	db_bind_opt_int(ins, 2, m->family_ref > 0, m->family_ref);
	db_bind_opt_int(ins, 9, m->batch_id > 0, m->batch_id);
	db_bind_text(ins, 3, m->recipient);
	db_bind_text(ins, 4, m->subject);
	db_bind_text(ins, 5, m->message_id);
	db_bind_text(ins, 6, m->state);
	db_bind_text(ins, 7, m->reason);
	sqlite3_bind_int64(ins, 8, m->now);
	if (step_done(q, ins, "store message", e) < 0)
		return -1;
	*ref = sqlite3_last_insert_rowid(q->db->sql);
	sqlite3_bind_int64(content, 1, *ref);
	sqlite3_bind_blob(content, 2, m->content, (int)m->length, SQLITE_STATIC);
	if (step_done(q, content, "store message", e) < 0)
		return -1;
	q->stored++;
	for (size_t i = 0; i < nseq; i++) {
		sqlite3_bind_int64(link, 1, *ref);
		sqlite3_bind_int64(link, 2, seqs[i]);
		if (db_step_done(q->db, link, "link message to its requests", e) < 0)
			return -1;
	}
	return 0;
}

int
db_mail_due(struct db_mail *q, int64_t now, long long after, long long **refs, size_t *n,
            struct err *e)
{
	sqlite3_stmt *st;
	long long *v = NULL;
	size_t cap = 0, len = 0;
	int rc;

	*refs = NULL;
	*n = 0;
	if ((st = stmt(q, Q_DUE, e)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, now);
	sqlite3_bind_int64(st, 2, after);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		xgrow(&v, &cap, len + 1, sizeof(*v));
		v[len++] = sqlite3_column_int64(st, 0);
	}
	done(st);
	if (rc != SQLITE_DONE) {
		free(v);
		return db_fail(q->db, e, "read the mail queue");
	}
	*refs = v;
	*n = len;
	return 0;
}

int
db_mail_load(struct db_mail *q, long long ref, struct db_mail_msg *m, struct err *e)
{
	sqlite3_stmt *st;
	int rc;

	memset(m, 0, sizeof(*m));
	if ((st = stmt(q, Q_LOAD, e)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, ref);
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		if (rc == SQLITE_DONE)
			err_set(e, ERR_INTERNAL, "%s: message %lld vanished", db_path(q->db), ref);
		else
			db_fail(q->db, e, "read message");
		done(st);
		return -1;
	}
	if (sqlite3_column_type(st, 5) == SQLITE_NULL) {
		err_set(e, ERR_INTERNAL, "%s: message %lld has no content", db_path(q->db), ref);
		done(st);
		return -1;
	}
	m->ref = ref;
	m->kind = db_column_dup(st, 0);
	m->recipient = db_column_dup(st, 1);
	m->subject = db_column_dup(st, 2);
	m->message_id = db_column_dup(st, 3);
	m->state = db_column_dup(st, 4);
	m->length = (size_t)sqlite3_column_bytes(st, 5);
	m->content = xmalloc(m->length + 1);
	if (m->length > 0)
		memcpy(m->content, sqlite3_column_blob(st, 5), m->length);
	m->content[m->length] = '\0';
	m->attempts = sqlite3_column_int(st, 6);
	m->sending = sqlite3_column_int(st, 7);
	done(st);
	return 0;
}

int
db_mail_load_many(struct db_mail *q, const long long *refs, size_t n, struct db_mail_msg *out,
                  struct err *e)
{
	int own = sqlite3_get_autocommit(q->db->sql) && n > 1;
	size_t i;

	if (own && db_begin_read(q->db, e) < 0)
		return -1;
	for (i = 0; i < n; i++)
		if (db_mail_load(q, refs[i], &out[i], e) < 0)
			break;
	if (own)
		db_rollback(q->db); /* a read: nothing to commit */
	if (i == n)
		return 0;
	while (i > 0)
		db_mail_msg_release(&out[--i]);
	return -1;
}

void
db_mail_msg_release(struct db_mail_msg *m)
{
	free(m->kind);
	free(m->recipient);
	free(m->subject);
	free(m->message_id);
	free(m->state);
	free(m->content);
	memset(m, 0, sizeof(*m));
}

/* One UPDATE of a message's state; sent: also stamp sent_at with now. */
static int
set_state(struct db_mail *q, long long ref, const char *state, int attempts, int64_t next_at,
          int64_t now, int sent, const char *reason, struct err *e)
{
	sqlite3_stmt *st;

	if ((st = stmt(q, Q_STATE, e)) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, state, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, attempts);
	sqlite3_bind_int64(st, 3, next_at);
	sqlite3_bind_int64(st, 4, now);
	if (reason != NULL)
		sqlite3_bind_text(st, 5, reason, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 6, sent);
	sqlite3_bind_int64(st, 7, ref);
	return step_done(q, st, "update message state", e);
}

int
db_mail_sending(struct db_mail *q, long long ref, struct err *e)
{
	sqlite3_stmt *st = stmt(q, Q_SENDING, e);

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, ref);
	return step_done(q, st, "mark message sending", e);
}

int
db_mail_sent(struct db_mail *q, long long ref, int attempts, int64_t now, const char *reason,
             struct err *e)
{
	return set_state(q, ref, "sent", attempts, now, now, 1, reason, e);
}

int
db_mail_defer(struct db_mail *q, long long ref, int attempts, int64_t next_at, int64_t now,
              const char *reason, struct err *e)
{
	return set_state(q, ref, "pending", attempts, next_at, now, 0, reason, e);
}

int
db_mail_fail(struct db_mail *q, long long ref, int attempts, int64_t now, const char *reason,
             struct err *e)
{
	return set_state(q, ref, "failed", attempts, now, now, 0, reason, e);
}

int
db_mail_pending(struct db_mail *q, long long *count, int64_t *next_at, struct err *e)
{
	sqlite3_stmt *st;
	int rc;

	if ((st = stmt(q, Q_PENDING, e)) == NULL)
		return -1;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*count = sqlite3_column_int64(st, 0);
		*next_at = sqlite3_column_int64(st, 1);
	}
	done(st);
	if (rc != SQLITE_ROW)
		return db_fail(q->db, e, "count pending messages");
	return 0;
}

int
db_mail_openings(struct db_mail *q, long long activity_ref, int32_t **days, size_t *n,
                 struct err *e)
{
	sqlite3_stmt *st;
	int32_t *v = NULL;
	size_t cap = 0, len = 0;
	int rc;

	*days = NULL;
	*n = 0;
	if ((st = stmt(q, Q_OPENINGS, e)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, activity_ref);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		xgrow(&v, &cap, len + 1, sizeof(*v));
		v[len++] = sqlite3_column_int(st, 0);
	}
	done(st);
	if (rc != SQLITE_DONE) {
		free(v);
		return db_fail(q->db, e, "read the openings");
	}
	*days = v;
	*n = len;
	return 0;
}

int
db_mail_activity(struct db_mail *q, long long ref, struct db_mail_activity *a, struct err *e)
{
	sqlite3_stmt *st;
	int rc;

	memset(a, 0, sizeof(*a));
	if ((st = stmt(q, Q_ACTIVITY, e)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, ref);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		a->structure = db_column_dup(st, 0);
		a->hours_from = col_opt_int(st, 1);
		a->hours_to = col_opt_int(st, 2);
		a->waitlist = sqlite3_column_int(st, 3);
		a->deadline_days = sqlite3_column_int(st, 4);
		a->deadline_time = sqlite3_column_int(st, 5);
		a->deadline_rule =
		    rules_deadline_rule_read((const char *)sqlite3_column_text(st, 6));
		a->deadline_wday = sqlite3_column_int(st, 7);
	}
	done(st);
	if (rc != SQLITE_ROW)
		return db_fail(q->db, e, "read an activity");
	if (a->structure == NULL)
		a->structure = xstrdup("");
	return 0;
}

int
db_mail_page_exists(struct db_mail *q, long long batch_id, struct err *e)
{
	sqlite3_stmt *st;
	int rc;

	if (db_prepare(q->db, "SELECT 1 FROM message WHERE kind = 'page' AND batch_id = ?", &st,
	               e) < 0)
		return -1;
	sqlite3_bind_int64(st, 1, batch_id);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_fail(q->db, e, "look for the batch's page");
	return rc == SQLITE_ROW;
}
