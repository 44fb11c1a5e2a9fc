#include "db_resend.h"

#include <stdlib.h>
#include <string.h>

#include "db_int.h"

void
db_resend_release(struct db_resend_msg *m)
{
	free(m->kind);
	free(m->subject);
	free(m->message_id);
	free(m->family_id);
	free(m->family_name);
	free(m->emails);
	free(m->content);
	free(m->seqs);
	memset(m, 0, sizeof(*m));
}

/* Load message ref into m: 1 found, 0 not, -1 error. */
static int
load(struct db *db, long long ref, struct db_resend_msg *m, struct err *e)
{
	sqlite3_stmt *st;
	int rc;

	memset(m, 0, sizeof(*m));
	if (db_prepare(db,
	               "SELECT m.family_ref, m.kind, m.subject, m.message_id, f.family_id, f.name,"
	               " f.emails, c.content FROM message m JOIN family f ON f.ref = m.family_ref"
	               " JOIN message_content c ON c.message_ref = m.ref WHERE m.ref = ?",
	               &st, e) < 0)
		return -1;
	sqlite3_bind_int64(st, 1, ref);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		m->ref = ref;
		m->family_ref = sqlite3_column_int64(st, 0);
		m->kind = db_column_dup(st, 1);
		m->subject = db_column_dup(st, 2);
		m->message_id = db_column_dup(st, 3);
		m->family_id = db_column_dup(st, 4);
		m->family_name = db_column_dup(st, 5);
		m->emails = db_column_dup(st, 6);
		m->length = (size_t)sqlite3_column_bytes(st, 7);
		m->content = xmalloc(m->length + 1);
		if (m->length > 0)
			memcpy(m->content, sqlite3_column_blob(st, 7), m->length);
		m->content[m->length] = '\0';
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_fail(db, e, "read the message to resend");
	if (rc == SQLITE_DONE)
		return 0;
	if (db_prepare(db, "SELECT seq FROM message_request WHERE message_ref = ? ORDER BY seq",
	               &st, e) < 0) {
		db_resend_release(m);
		return -1;
	}
	sqlite3_bind_int64(st, 1, ref);
	{
		size_t cap = 0;
		while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			xgrow(&m->seqs, &cap, m->nseqs + 1, sizeof(*m->seqs));
			m->seqs[m->nseqs++] = sqlite3_column_int64(st, 0);
		}
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		db_resend_release(m);
		return db_fail(db, e, "read the message's requests");
	}
	return 1;
}

int
db_resend_find(struct db *db, long long ref, const char *family_id, struct db_resend_msg **out,
               size_t *n, struct err *e)
{
	long long refs[2];
	size_t nrefs = 0;
	struct db_resend_msg *v;

	*out = NULL;
	*n = 0;
	if (ref > 0) {
		refs[nrefs++] = ref;
	} else {
		static const char *const kinds[] = {"report", "notice"};
		for (int k = 0; k < 2; k++) {
			sqlite3_stmt *st;
			int rc;
			if (db_prepare(
			        db,
			        "SELECT max(m.ref) FROM message m JOIN family f"
			        " ON f.ref = m.family_ref WHERE f.family_id = ? AND m.kind = ?",
			        &st, e) < 0)
				return -1;
			sqlite3_bind_text(st, 1, family_id, -1, SQLITE_STATIC);
			sqlite3_bind_text(st, 2, kinds[k], -1, SQLITE_STATIC);
			rc = sqlite3_step(st);
			if (rc == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
				refs[nrefs++] = sqlite3_column_int64(st, 0);
			sqlite3_finalize(st);
			if (rc != SQLITE_ROW)
				return db_fail(db, e, "find the family's messages");
		}
		if (nrefs == 0)
			return err_set(e, ERR_DATA,
			               "family '%s': no stored message to resend (unknown "
			               "family, or nothing was ever composed for it)",
			               family_id);
	}
	v = xcalloc(nrefs, sizeof(*v));
	for (size_t i = 0; i < nrefs; i++) {
		int rc = load(db, refs[i], &v[i], e);
		if (rc <= 0) {
			if (rc == 0)
				err_set(e, ERR_DATA, "message %lld: no such stored message",
				        refs[i]);
			while (i > 0)
				db_resend_release(&v[--i]);
			free(v);
			return -1;
		}
	}
	*out = v;
	*n = nrefs;
	return 0;
}
