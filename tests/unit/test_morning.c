/*
 * test_morning.c - the morning's composition by chunks (morning_compose.c)
 * against a night that commits a batch between two of them: the chunks
 * composed from the old snapshot are not stored, the walk starts again from
 * the new one, and no family is told a state the batch has changed.
 */
#include "morning.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "db_int.h"
#include "t.h"
#include "t_db.h"
#include "transmit.h"
#include "when.h"

static char dir[] = "/tmp/nocturne-test-morning.XXXXXX";

/* The feed: after the first chunk is stored, tonight's batch lands. */
struct night_between {
	const struct config *cfg;
	int64_t now;
	int calls;
	int rc;
	struct err e;
};

static void
night_lands(void *ctx)
{
	struct night_between *n = ctx;
	struct transmit_args a = {0, 0, NULL};

	if (n->calls++ == 0)
		n->rc = transmit_run(n->cfg, n->now, &a, &n->e);
}

/* Decode quoted-printable text (soft breaks too), in place; the headers pass. */
static void
unqp(char *s)
{
	char *w = s;

	while (*s != '\0') {
		if (s[0] == '=' && s[1] == '\r' && s[2] == '\n') {
			s += 3;
		} else if (s[0] == '=' && isxdigit((unsigned char)s[1]) &&
		           isxdigit((unsigned char)s[2])) {
			char hex[3] = {s[1], s[2], '\0'};
			*w++ = (char)strtol(hex, NULL, 16);
			s += 3;
		} else {
			*w++ = *s++;
		}
	}
	*w = '\0';
}

/* The content of family f's only compte-rendu, decoded; NULL unless one. */
static char *
report_of(struct db *db, int f)
{
	sqlite3_stmt *st;
	char *text = NULL;
	int n = 0;

	sqlite3_prepare_v2(db->sql,
	                   "SELECT c.content FROM message m JOIN message_content c"
	                   " ON c.message_ref = m.ref WHERE m.kind = 'report' AND m.family_ref = ?",
	                   -1, &st, NULL);
	sqlite3_bind_int(st, 1, f);
	while (sqlite3_step(st) == SQLITE_ROW) {
		free(text);
		text = strdup((const char *)sqlite3_column_text(st, 0));
		n++;
	}
	sqlite3_finalize(st);
	if (n != 1) {
		printf("  family %d has %d compte-rendu(s)\n", f, n);
		free(text);
		return NULL;
	}
	unqp(text);
	return text;
}

/*
 * One place at the centre on day D, six families asking for it: family 1
 * accepted, families 2-6 waitlisted in batch 1. Family 1 then cancels; the
 * morning composes one message per chunk at first ([smtp] max_per_session
 * = 1), and once family 1's is stored, the night of batch 2 lands: the
 * cancellation is accepted and family 2 promoted. Family 2 must then be
 * told it is accepted (its compte-rendu composed from the new snapshot),
 * not waitlisted from the old one with no notice owed.
 */
static void
test_a_batch_landing_between_chunks_is_composed_from(void)
{
	char path[256];
	struct config cfg;
	struct db *db;
	struct err e;
	struct morning_stats st;
	struct night_between nb;
	struct morning_feed feed = {night_lands, &nb};
	int32_t day = when_day_from_ymd(2024, 9, 11);
	int64_t night1 = (int64_t)when_day_from_ymd(2024, 9, 1) * WHEN_DAY_SECS + 22 * 3600;
	int64_t morning = night1 + 12 * 3600;
	char sql[1024], *text;

	snprintf(path, sizeof(path), "%s/n.db", dir);
	config_defaults(&cfg);
	config_set(&cfg.db_path, path);
	cfg.smtp_max_per_session = 1;
	CHECK_INT(db_open(&db, path, 5000, DB_OPEN_CREATE, &e), 0);
	snprintf(sql, sizeof(sql),
	         "INSERT INTO activity(ref, activity_id, name, capacity, waitlist)"
	         " VALUES (1, 'CENTRE', 'Centre de loisirs', 1, 10);"
	         "INSERT INTO opening(activity_ref, day) VALUES (1, %d);"
	         "WITH RECURSIVE f(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM f WHERE n < 6)"
	         " INSERT INTO family(ref, family_id, name, emails)"
	         " SELECT n, 'F' || n, 'Famille ' || n, 'f' || n || '@example.org' FROM f;"
	         "INSERT INTO child(ref, child_id, family_ref, first_name, last_name)"
	         " SELECT ref, 'C' || ref, ref, 'Léa', 'N' || ref FROM family;"
	         "INSERT INTO request(request_id, child_ref, activity_ref, day, action,"
	         " submitted_at) SELECT 'R' || ref, ref, 1, %d, 'reserve', %lld + ref"
	         " FROM child;",
	         day, day, (long long)night1 - 3600);
	CHECK_INT(db_exec(db, sql, &e), 0);
	nb.cfg = &cfg;
	nb.now = night1;
	nb.calls = 0;
	night_lands(&nb); /* batch 1 */
	CHECK_INT(nb.rc, 0);
	CHECK_INT(t_db_int(db, "SELECT count(*) FROM request WHERE state = 'waitlisted'"), 5);
	snprintf(sql, sizeof(sql),
	         "INSERT INTO request(request_id, child_ref, activity_ref, day, action,"
	         " submitted_at) VALUES ('X1', 1, 1, %d, 'cancel', %lld)",
	         day, (long long)night1 + 3600);
	CHECK_INT(db_exec(db, sql, &e), 0);

	memset(&st, 0, sizeof(st));
	nb.now = morning;
	nb.calls = 0;
	CHECK_INT(morning_compose(db, &cfg, morning, NULL, &feed, &st, &e), 0);
	CHECK_INT(nb.rc, 0);
	CHECK_INT(t_db_int(db, "SELECT max(batch_id) FROM batch"), 2);
	CHECK_INT(t_db_int(db, "SELECT count(*) FROM request r JOIN request_mail k ON k.seq = r.seq"
	                      " WHERE request_id = 'R2' AND state = 'accepted' AND reported = 1"),
	          1);
	CHECK_INT(st.landed, 1);
	/* family 1 twice (batch 1's acceptance, then its cancellation), the others once */
	CHECK_INT(st.reports, 7);
	CHECK_INT(t_db_int(db, "SELECT count(*) FROM message WHERE kind = 'report'"), 7);
	CHECK_INT(t_db_int(db, "SELECT count(*) FROM request r WHERE state <> 'pending'"
	                      " AND NOT EXISTS (SELECT 1 FROM request_mail k WHERE k.seq = r.seq"
	                      " AND k.reported = 1)"),
	          0);
	text = report_of(db, 2);
	CHECK(text != NULL && strstr(text, "Acceptée") != NULL);
	CHECK(text != NULL && strstr(text, "En liste d'attente") == NULL);
	free(text);
	text = report_of(db, 3); /* moved up, composed again from batch 2 */
	CHECK(text != NULL && strstr(text, "En liste d'attente (position 1)") != NULL);
	free(text);
	db_close(db);
	config_release(&cfg);
}

int
main(void)
{
	char cmd[256];

	if (mkdtemp(dir) == NULL)
		return 1;
	T_RUN(test_a_batch_landing_between_chunks_is_composed_from);
	if (getenv("KEEP")) return t_any_failed;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		return 1;
	return t_any_failed;
}
