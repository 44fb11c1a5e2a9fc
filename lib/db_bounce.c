#include "db_bounce.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db_int.h"

void
db_bounce_hit_release(struct db_bounce_hit *h)
{
	free(h->family_id);
	free(h->emails);
	free(h->address);
	memset(h, 0, sizeof(*h));
}

#define HIT_COLS                                                                                   \
	"SELECT m.ref, m.family_ref, f.family_id, f.emails, m.recipient, m.state"                  \
	" FROM message m JOIN family f ON f.ref = m.family_ref "

/* Look the message up: 1 found (hit filled, *state malloc'ed), 0 not, -1 error. */
static int
find(struct db *db, const struct db_bounce_new *b, struct db_bounce_hit *hit, char **state,
     struct err *e)
{
	for (int by = 0; by < 2; by++) {
		sqlite3_stmt *st;
		int rc;

		if (by == 0 && b->ref <= 0)
			continue;
		if (by == 1 && (b->message_id == NULL || b->message_id[0] == '\0'))
			continue;
		if (db_prepare(db,
		               by == 0 ? HIT_COLS "WHERE m.ref = ?"
		                       : HIT_COLS "WHERE m.message_id = ?",
		               &st, e) < 0)
			return -1;
		if (by == 0)
			sqlite3_bind_int64(st, 1, b->ref);
		else
			sqlite3_bind_text(st, 1, b->message_id, -1, SQLITE_STATIC);
		rc = sqlite3_step(st);
		if (rc == SQLITE_ROW) {
			hit->message_ref = sqlite3_column_int64(st, 0);
			hit->family_ref = sqlite3_column_int64(st, 1);
			hit->family_id = db_column_dup(st, 2);
			hit->emails = db_column_dup(st, 3);
			hit->address = db_column_dup(st, 4);
			*state = db_column_dup(st, 5);
		}
		sqlite3_finalize(st);
		if (rc == SQLITE_ROW)
			return 1;
		if (rc != SQLITE_DONE)
			return db_fail(db, e, "find the bounced message");
	}
	return 0;
}

static int
count_of(struct db *db, long long family_ref, const char *address, long long *n, struct err *e)
{
	sqlite3_stmt *st;
	int rc;

	if (db_prepare(db, "SELECT count(*) FROM bounce WHERE family_ref = ? AND address = ?", &st,
	               e) < 0)
		return -1;
	sqlite3_bind_int64(st, 1, family_ref);
	db_bind_text(st, 2, address ? address : "");
	rc = sqlite3_step(st);
	*n = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : db_fail(db, e, "count bounces");
}

int
db_bounce_record(struct db *db, const struct db_bounce_new *b, int dry, struct db_bounce_hit *hit,
                 struct err *e)
{
	sqlite3_stmt *st = NULL;
	char *state = NULL;
	int rc = -1, found;

	memset(hit, 0, sizeof(*hit));
	if ((dry ? db_begin_read(db, e) : db_begin(db, e)) < 0)
		return -1;
	if ((found = find(db, b, hit, &state, e)) < 0)
		goto done;
	if (found == 0 || strcmp(state, "skipped") == 0) {
		hit->outcome = DB_BOUNCE_UNKNOWN;
		rc = 0;
		goto done;
	}
	if (strcmp(state, "bounced") == 0) {
		hit->outcome = DB_BOUNCE_ALREADY;
		rc = count_of(db, hit->family_ref, hit->address, &hit->count, e);
		goto done;
	}
	hit->outcome = DB_BOUNCE_RECORDED;
	if (!dry) {
		if (db_prepare(db,
		               "UPDATE message SET state = 'bounced', bounced_at = ?1,"
		               " bounce_status = ?2, bounce_diagnostic = ?3, updated_at = ?1"
		               " WHERE ref = ?4",
		               &st, e) < 0)
			goto done;
		sqlite3_bind_int64(st, 1, b->now);
		db_bind_text(st, 2, b->status);
		db_bind_text(st, 3, b->diagnostic ? b->diagnostic : "");
		sqlite3_bind_int64(st, 4, hit->message_ref);
		if (db_step_done(db, st, "mark the message bounced", e) < 0)
			goto done;
		sqlite3_finalize(st);
		if (db_prepare(db,
		               "INSERT INTO bounce(family_ref, address, message_ref, bounced_at,"
		               " status, diagnostic) VALUES(?, ?, ?, ?, ?, ?)",
		               &st, e) < 0)
			goto done;
		sqlite3_bind_int64(st, 1, hit->family_ref);
		db_bind_text(st, 2, hit->address ? hit->address : "");
		sqlite3_bind_int64(st, 3, hit->message_ref);
		sqlite3_bind_int64(st, 4, b->now);
		db_bind_text(st, 5, b->status);
		db_bind_text(st, 6, b->diagnostic ? b->diagnostic : "");
		if (db_step_done(db, st, "record the bounce", e) < 0)
			goto done;
		sqlite3_finalize(st);
		st = NULL;
	}
	if (count_of(db, hit->family_ref, hit->address, &hit->count, e) < 0)
		goto done;
	if (dry)
		hit->count++; /* what it would be */
	/* Durable: once we answer, the MTA drops the message (pipe mode) or it
	 * is removed from the mailbox (--fetch); a power cut must not lose it. */
	if (!dry && db_commit_durable(db, e) < 0)
		goto done;
	rc = 0;
done:
	sqlite3_finalize(st);
	db_rollback(db);
	free(state);
	if (rc < 0)
		db_bounce_hit_release(hit);
	return rc;
}

struct db_bounce {
	struct db *db;
	sqlite3_stmt *of;
};

struct db_bounce *
db_bounce_open(struct db *db)
{
	struct db_bounce *q = xcalloc(1, sizeof(*q));

	q->db = db;
	return q;
}

void
db_bounce_close(struct db_bounce *q)
{
	if (q == NULL)
		return;
	sqlite3_finalize(q->of);
	free(q);
}

int
db_bounce_any(struct db_bounce *q, int *any, struct err *e)
{
	sqlite3_stmt *st;
	int rc;

	if (db_prepare(q->db, "SELECT EXISTS (SELECT 1 FROM bounce)", &st, e) < 0)
		return -1;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*any = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : db_fail(q->db, e, "read bounces");
}

int
db_bounce_of(struct db_bounce *q, long long family_ref, const char *address,
             struct db_bounce_last *last, struct err *e)
{
	int rc;

	memset(last, 0, sizeof(*last));
	if (q->of == NULL) {
		if (sqlite3_prepare_v3(q->db->sql,
		                       "SELECT count(*), max(bounced_at),"
		                       " (SELECT status || char(10) || diagnostic FROM bounce b2"
		                       "  WHERE b2.family_ref = ?1 AND b2.address = ?2"
		                       "  ORDER BY bounced_at DESC, ref DESC LIMIT 1)"
		                       " FROM bounce WHERE family_ref = ?1 AND address = ?2",
		                       -1, SQLITE_PREPARE_PERSISTENT, &q->of, NULL) != SQLITE_OK) {
			q->of = NULL;
			return db_fail(q->db, e, "prepare");
		}
	} else {
		sqlite3_reset(q->of);
	}
	sqlite3_bind_int64(q->of, 1, family_ref);
	sqlite3_bind_text(q->of, 2, address, -1, SQLITE_STATIC);
	rc = sqlite3_step(q->of);
	if (rc == SQLITE_ROW) {
		const char *sd = (const char *)sqlite3_column_text(q->of, 2);
		last->count = sqlite3_column_int64(q->of, 0);
		last->at = sqlite3_column_int64(q->of, 1);
		if (sd != NULL) {
			size_t k = strcspn(sd, "\n");
			snprintf(last->status, sizeof(last->status), "%.*s", (int)k, sd);
			snprintf(last->diagnostic, sizeof(last->diagnostic), "%s",
			         sd[k] ? sd + k + 1 : "");
		}
	}
	sqlite3_reset(q->of);
	sqlite3_clear_bindings(q->of);
	return rc == SQLITE_ROW ? 0 : db_fail(q->db, e, "read bounces");
}

int
db_bounce_families(struct db *db,
                   int (*fn)(const struct db_bounce_family *f, void *arg, struct err *e), void *arg,
                   struct err *e)
{
	sqlite3_stmt *st;
	int rc, frc = 0;

	/* the last bounce of each (family, address): the row with the largest ref */
	if (db_prepare(db,
	               "SELECT f.ref, f.family_id, f.name, f.emails, b.address, g.n, b.bounced_at,"
	               " b.status, b.diagnostic"
	               " FROM (SELECT family_ref, address, count(*) AS n, max(ref) AS last"
	               "  FROM bounce GROUP BY family_ref, address) g"
	               " JOIN bounce b ON b.ref = g.last JOIN family f ON f.ref = g.family_ref"
	               " ORDER BY f.family_id, b.address",
	               &st, e) < 0)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct db_bounce_family f;

		f.family_ref = sqlite3_column_int64(st, 0);
		f.family_id = (const char *)sqlite3_column_text(st, 1);
		f.name = (const char *)sqlite3_column_text(st, 2);
		f.emails = (const char *)sqlite3_column_text(st, 3);
		f.address = (const char *)sqlite3_column_text(st, 4);
		f.count = sqlite3_column_int64(st, 5);
		f.at = sqlite3_column_int64(st, 6);
		f.status = (const char *)sqlite3_column_text(st, 7);
		f.diagnostic = (const char *)sqlite3_column_text(st, 8);
		if ((frc = fn(&f, arg, e)) < 0)
			break;
	}
	if (frc == 0 && rc != SQLITE_DONE)
		db_fail(db, e, "read bounces");
	sqlite3_finalize(st);
	return frc < 0 || rc != SQLITE_DONE ? -1 : 0;
}
