#include "db_event.h"

#include <string.h>

#include "db_int.h"
#include "db_row.h"
#include "rules.h"

int
db_event_list(struct db *db, long long seq, long long batch_id,
              int (*fn)(const struct db_event *ev, void *arg), void *arg, struct err *e)
{
	sqlite3_stmt *st;
	struct db_event ev;
	int rc, count = 0;

	if (db_prepare(db,
	               "SELECT v.seq, v.batch_id, v.n, coalesce(b.ran_at, 0), v.kind, v.reason,"
	               " v.position, v.other, o.request_id, v.prev, v.deadline, v.hours_from,"
	               " v.hours_to, v.detail"
	               " FROM event_log v LEFT JOIN batch b ON b.batch_id = v.batch_id"
	               " LEFT JOIN request o ON o.seq = v.other"
	               " WHERE v.seq = ?1 AND (?2 = 0 OR v.batch_id = ?2)"
	               " ORDER BY v.batch_id, v.n",
	               &st, e) < 0)
		return -1;
	sqlite3_bind_int64(st, 1, seq);
	sqlite3_bind_int64(st, 2, batch_id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *reason = (const char *)sqlite3_column_text(st, 5);
		const char *prev = (const char *)sqlite3_column_text(st, 9);
		const char *detail = (const char *)sqlite3_column_text(st, 13);
		int k;

		memset(&ev, 0, sizeof(ev));
		ev.seq = sqlite3_column_int64(st, 0);
		ev.batch_id = sqlite3_column_int64(st, 1);
		ev.n = sqlite3_column_int64(st, 2);
		ev.ran_at = sqlite3_column_int64(st, 3);
		k = rules_event_parse((const char *)sqlite3_column_text(st, 4));
		ev.kind = k < 0 ? 0 : k;
		k = rules_reason_parse(reason);
		ev.reason = k < 0 ? RULES_OK : k;
		ev.position = sqlite3_column_int64(st, 6);
		ev.other = sqlite3_column_int64(st, 7);
		ev.other_id = (const char *)sqlite3_column_text(st, 8);
		k = rules_state_parse(prev);
		ev.prev = k < 0 ? 0 : k;
		ev.has_deadline = !db_row_null(st, 10);
		ev.deadline = sqlite3_column_int64(st, 10);
		ev.has_hours = !db_row_null(st, 11) && !db_row_null(st, 12);
		ev.hours_from = sqlite3_column_int(st, 11);
		ev.hours_to = sqlite3_column_int(st, 12);
		if (ev.reason == RULES_TIMES)
			ev.detail = rules_times_fail_parse(detail);
		else if (ev.reason == RULES_FULL)
			ev.detail = rules_full_why_parse(detail);
		if (fn(&ev, arg) < 0) {
			sqlite3_finalize(st);
			return -1;
		}
		count++;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return db_fail(db, e, "read events");
	return count;
}

int
db_event_recorded(struct db *db, long long batch_id, struct err *e)
{
	sqlite3_stmt *st;
	int rc, v = 0;

	if (db_prepare(db, "SELECT events FROM batch WHERE batch_id = ?1", &st, e) < 0)
		return -1;
	sqlite3_bind_int64(st, 1, batch_id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		v = sqlite3_column_int(st, 0) != 0;
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_fail(db, e, "read batch");
	return v;
}
