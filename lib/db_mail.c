#include "db_mail.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db_int.h"

static int
col_opt_int(sqlite3_stmt *st, int i)
{
	return sqlite3_column_type(st, i) == SQLITE_NULL ? -1 : sqlite3_column_int(st, i);
}

int
db_mail_requests(struct db *db, enum db_mail_select which, struct db_mail_req **out, size_t *n,
                 struct err *e)
{
	static const char base[] =
	    "SELECT r.seq, f.ref, f.family_id, f.name, f.emails, c.child_id,"
	    " c.first_name || ' ' || c.last_name, a.name, r.day, r.action, r.arrival,"
	    " r.departure, r.state, r.reason, r.position,"
	    /* Only cancelled reservations look back at their decisions. */
	    " CASE WHEN r.state = 'cancelled' THEN (SELECT d.state FROM decision d"
	    "  WHERE d.seq = r.seq AND d.state <> 'cancelled' ORDER BY d.batch_id DESC LIMIT 1)"
	    " END,"
	    " CASE WHEN r.state = 'cancelled' THEN (SELECT d.position FROM decision d"
	    "  WHERE d.seq = r.seq AND d.state <> 'cancelled' ORDER BY d.batch_id DESC LIMIT 1)"
	    " END"
	    " FROM request r JOIN child c ON c.ref = r.child_ref"
	    " JOIN family f ON f.ref = c.family_ref JOIN activity a ON a.ref = r.activity_ref ";
	static const char report[] = "WHERE r.state <> 'pending' AND r.reported = 0 ";
	static const char notice[] =
	    "WHERE r.notice = 1 AND r.state = 'accepted' AND r.reported = 1 ";
	static const char order[] =
	    "ORDER BY f.ref, c.last_name, c.first_name, c.ref, r.day, r.seq";
	char sql[sizeof(base) + sizeof(report) + sizeof(notice) + sizeof(order)];
	struct db_mail_req *v = NULL;
	size_t cap = 0, len = 0;
	sqlite3_stmt *st;
	int rc;

	snprintf(sql, sizeof(sql), "%s%s%s", base, which == DB_MAIL_TO_REPORT ? report : notice,
	         order);
	*out = NULL;
	*n = 0;
	if (db_prepare(db, sql, &st, e) < 0)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct db_mail_req *r;
		const char *shown;

		xgrow(&v, &cap, len + 1, sizeof(*v));
		r = &v[len++];
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
	}
	if (rc != SQLITE_DONE) {
		db_fail(db, e, "read requests to report");
		sqlite3_finalize(st);
		db_mail_reqs_free(v, len);
		return -1;
	}
	sqlite3_finalize(st);
	*out = v;
	*n = len;
	return 0;
}

void
db_mail_reqs_free(struct db_mail_req *r, size_t n)
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
	}
	free(r);
}

int
db_mail_store(struct db *db, const struct db_mail_new *m, const long long *seqs, size_t nseq,
              long long *ref, struct err *e)
{
	sqlite3_stmt *ins = NULL, *link = NULL, *mark = NULL;
	int rc = -1;

	if (db_prepare(db,
	               "INSERT INTO message(kind, family_ref, recipient, subject, message_id,"
	               " content, state, reason, created_at, next_at, updated_at)"
	               " VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
	               &ins, e) < 0 ||
	    db_prepare(db, "INSERT OR IGNORE INTO message_request(message_ref, seq) VALUES(?, ?)",
	               &link, e) < 0 ||
	    db_prepare(db,
	               strcmp(m->kind, "report") == 0
	                   ? "UPDATE request SET reported = 1,"
	                     " notice = CASE WHEN notice = 1 THEN 2 ELSE notice END WHERE seq = ?"
	                   : "UPDATE request SET notice = 2 WHERE seq = ?",
	               &mark, e) < 0)
		goto done;
	db_bind_text(ins, 1, m->kind);
	sqlite3_bind_int64(ins, 2, m->family_ref);
	db_bind_text(ins, 3, m->recipient);
	db_bind_text(ins, 4, m->subject);
	db_bind_text(ins, 5, m->message_id);
	sqlite3_bind_blob(ins, 6, m->content, (int)m->length, SQLITE_TRANSIENT);
	db_bind_text(ins, 7, m->state);
	db_bind_text(ins, 8, m->reason);
	sqlite3_bind_int64(ins, 9, m->now);
	sqlite3_bind_int64(ins, 10, m->now);
	sqlite3_bind_int64(ins, 11, m->now);
	if (sqlite3_step(ins) != SQLITE_DONE) {
		db_fail(db, e, "store message");
		goto done;
	}
	*ref = sqlite3_last_insert_rowid(db->sql);
	for (size_t i = 0; i < nseq; i++) {
		sqlite3_reset(link);
		sqlite3_bind_int64(link, 1, *ref);
		sqlite3_bind_int64(link, 2, seqs[i]);
		sqlite3_reset(mark);
		sqlite3_bind_int64(mark, 1, seqs[i]);
		if (sqlite3_step(link) != SQLITE_DONE || sqlite3_step(mark) != SQLITE_DONE) {
			db_fail(db, e, "mark requests reported");
			goto done;
		}
	}
	rc = 0;
done:
	sqlite3_finalize(ins);
	sqlite3_finalize(link);
	sqlite3_finalize(mark);
	return rc;
}

int
db_mail_due(struct db *db, int64_t now, long long **refs, size_t *n, struct err *e)
{
	sqlite3_stmt *st;
	long long *v = NULL;
	size_t cap = 0, len = 0;
	int rc;

	*refs = NULL;
	*n = 0;
	if (db_prepare(db,
	               "SELECT ref FROM message WHERE state = 'pending' AND next_at <= ?"
	               " ORDER BY next_at, ref",
	               &st, e) < 0)
		return -1;
	sqlite3_bind_int64(st, 1, now);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		xgrow(&v, &cap, len + 1, sizeof(*v));
		v[len++] = sqlite3_column_int64(st, 0);
	}
	if (rc != SQLITE_DONE) {
		db_fail(db, e, "read the mail queue");
		sqlite3_finalize(st);
		free(v);
		return -1;
	}
	sqlite3_finalize(st);
	*refs = v;
	*n = len;
	return 0;
}

int
db_mail_load(struct db *db, long long ref, struct db_mail_msg *m, struct err *e)
{
	sqlite3_stmt *st;
	int rc;

	memset(m, 0, sizeof(*m));
	if (db_prepare(db,
	               "SELECT kind, recipient, subject, message_id, state, content, attempts"
	               " FROM message WHERE ref = ?",
	               &st, e) < 0)
		return -1;
	sqlite3_bind_int64(st, 1, ref);
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		if (rc == SQLITE_DONE)
			err_set(e, ERR_INTERNAL, "%s: message %lld vanished", db_path(db), ref);
		else
			db_fail(db, e, "read message");
		sqlite3_finalize(st);
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
	sqlite3_finalize(st);
	return 0;
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
set_state(struct db *db, long long ref, const char *state, int attempts, int64_t next_at,
          int64_t now, int sent, const char *reason, struct err *e)
{
	sqlite3_stmt *st;
	int rc;

	if (db_prepare(
	        db,
	        "UPDATE message SET state = ?1, attempts = ?2, next_at = ?3, updated_at = ?4,"
	        " reason = ?5, sent_at = CASE WHEN ?6 THEN ?4 ELSE sent_at END"
	        " WHERE ref = ?7",
	        &st, e) < 0)
		return -1;
	db_bind_text(st, 1, state);
	sqlite3_bind_int(st, 2, attempts);
	sqlite3_bind_int64(st, 3, next_at);
	sqlite3_bind_int64(st, 4, now);
	db_bind_text(st, 5, reason);
	sqlite3_bind_int(st, 6, sent);
	sqlite3_bind_int64(st, 7, ref);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return db_fail(db, e, "update message state");
	return 0;
}

int
db_mail_sent(struct db *db, long long ref, int attempts, int64_t now, const char *reason,
             struct err *e)
{
	return set_state(db, ref, "sent", attempts, now, now, 1, reason, e);
}

int
db_mail_defer(struct db *db, long long ref, int attempts, int64_t next_at, int64_t now,
              const char *reason, struct err *e)
{
	return set_state(db, ref, "pending", attempts, next_at, now, 0, reason, e);
}

int
db_mail_fail(struct db *db, long long ref, int attempts, int64_t now, const char *reason,
             struct err *e)
{
	return set_state(db, ref, "failed", attempts, now, now, 0, reason, e);
}

int
db_mail_pending(struct db *db, long long *count, int64_t *next_at, struct err *e)
{
	sqlite3_stmt *st;
	int rc;

	if (db_prepare(db, "SELECT count(*), min(next_at) FROM message WHERE state = 'pending'",
	               &st, e) < 0)
		return -1;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*count = sqlite3_column_int64(st, 0);
		*next_at = sqlite3_column_int64(st, 1);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW)
		return db_fail(db, e, "count pending messages");
	return 0;
}
