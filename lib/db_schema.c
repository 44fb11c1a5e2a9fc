/*
 * db_schema.c - the database schema, as the migrations that build it
 * (db_int.h). A new schema is a new entry at the end, never an edit of an
 * old one: a database of any earlier version is brought up to date by the
 * entries it has not run (tests/e2e/migrate_schema1.sh).
 */
#include "db_int.h"

/* Every event of a batch, stored or implied (schema 3, made again by 14). */
#define EVENT_LOG_VIEW                                                                             \
	"CREATE VIEW event_log AS"                                                                 \
	"  SELECT seq, batch_id, n, kind, reason, position, other, prev, deadline,"                \
	"    hours_from, hours_to, detail FROM event"                                              \
	"  UNION ALL"                                                                              \
	"  SELECT d.seq, d.batch_id, 0, d.state, d.reason, NULL,"                                  \
	"    CASE WHEN r.action = 'cancel' THEN r.undoes END, NULL, NULL, NULL, NULL, NULL"        \
	"  FROM decision d JOIN batch b ON b.batch_id = d.batch_id AND b.events = 1"               \
	"  JOIN request r ON r.seq = d.seq"                                                        \
	"  WHERE NOT EXISTS (SELECT 1 FROM event v WHERE v.seq = d.seq"                            \
	"    AND v.batch_id = d.batch_id);"

/* What another writer reads when it changes a decided request while a
 * night's places are not written yet (schema 16). */
#define PLACES_BUSY                                                                                \
	"'a night is writing the slots'' places: a decided request cannot change or go"            \
	" meanwhile; try again in a moment (after a night that stopped, once"                      \
	" nocturne-transmit has written them)'"

/* The triggers that keep held in step with request (schema 11, made again by 14). */
#define HELD_TRIGGERS                                                                              \
	"CREATE TRIGGER held_insert AFTER INSERT ON request"                                       \
	"  WHEN (new.state = 'accepted' OR new.state = 'waitlisted' OR new.state = 'cancelled')"   \
	"  AND new.action = 'reserve'"                                                             \
	" BEGIN"                                                                                   \
	"  INSERT INTO held(activity_ref, day, state, child_ref, submitted_at, seq, position)"     \
	"  VALUES (new.activity_ref, new.day, new.state, new.child_ref, new.submitted_at, "        \
	"new.seq,"                                                                                 \
	"  new.position);"                                                                         \
	" END;"                                                                                    \
	"CREATE TRIGGER held_delete AFTER DELETE ON request"                                       \
	"  WHEN (old.state = 'accepted' OR old.state = 'waitlisted' OR old.state = 'cancelled')"   \
	"  AND old.action = 'reserve'"                                                             \
	" BEGIN"                                                                                   \
	"  DELETE FROM held WHERE activity_ref = old.activity_ref AND day = old.day"               \
	"  AND state = old.state AND child_ref = old.child_ref"                                    \
	"  AND submitted_at = old.submitted_at AND seq = old.seq;"                                 \
	" END;"                                                                                    \
	"CREATE TRIGGER held_update AFTER UPDATE OF seq, activity_ref, day, state, child_ref,"     \
	"  submitted_at, position, action ON request"                                              \
	" BEGIN"                                                                                   \
	"  DELETE FROM held WHERE activity_ref = old.activity_ref AND day = old.day"               \
	"  AND state = old.state AND child_ref = old.child_ref"                                    \
	"  AND submitted_at = old.submitted_at AND seq = old.seq;"                                 \
	"  INSERT INTO held(activity_ref, day, state, child_ref, submitted_at, seq, position)"     \
	"  SELECT new.activity_ref, new.day, new.state, new.child_ref, new.submitted_at, new.seq," \
	"  new.position"                                                                           \
	"  WHERE (new.state = 'accepted' OR new.state = 'waitlisted' OR new.state = 'cancelled')"  \
	"  AND new.action = 'reserve';"                                                            \
	" END;"

/* The triggers that give every other writer's request its key (schema 14;
 * the import adds its own keys, its connection's triggers off). */
#define REQUEST_KEY_TRIGGERS                                                                       \
	"CREATE TRIGGER request_key_insert AFTER INSERT ON request"                                \
	" BEGIN"                                                                                   \
	"  INSERT INTO request_key(request_id, seq) VALUES (new.request_id, new.seq);"             \
	" END;"                                                                                    \
	"CREATE TRIGGER request_key_delete AFTER DELETE ON request"                                \
	" BEGIN"                                                                                   \
	"  DELETE FROM request_key WHERE request_id = old.request_id AND seq = old.seq;"           \
	" END;"                                                                                    \
	"CREATE TRIGGER request_key_update AFTER UPDATE OF request_id, seq ON request"             \
	" BEGIN"                                                                                   \
	"  DELETE FROM request_key WHERE request_id = old.request_id AND seq = old.seq;"           \
	"  INSERT INTO request_key(request_id, seq) VALUES (new.request_id, new.seq);"             \
	" END;"

/* Forward-only migrations: migrations[i] takes user_version i to i + 1. */
const char *const db_migrations[] = {
    /* 0 -> 1 */
    "CREATE TABLE family("
    "  ref INTEGER PRIMARY KEY,"
    "  family_id TEXT NOT NULL UNIQUE,"
    "  name TEXT NOT NULL,"
    "  emails TEXT NOT NULL DEFAULT '',"
    "  balance_cents INTEGER NOT NULL DEFAULT 0);"
    "CREATE TABLE child("
    "  ref INTEGER PRIMARY KEY,"
    "  child_id TEXT NOT NULL UNIQUE,"
    "  family_ref INTEGER NOT NULL REFERENCES family(ref),"
    "  first_name TEXT NOT NULL,"
    "  last_name TEXT NOT NULL);"
    "CREATE INDEX child_family ON child(family_ref);"
    "CREATE TABLE activity("
    "  ref INTEGER PRIMARY KEY,"
    "  activity_id TEXT NOT NULL UNIQUE,"
    "  name TEXT NOT NULL,"
    "  structure TEXT NOT NULL DEFAULT '',"
    "  capacity INTEGER,"
    "  waitlist INTEGER NOT NULL DEFAULT 0,"
    "  promote_days INTEGER NOT NULL DEFAULT 0,"
    "  hours_from INTEGER,"
    "  hours_to INTEGER,"
    "  deadline_days INTEGER NOT NULL DEFAULT 0,"
    "  deadline_time INTEGER NOT NULL DEFAULT 0);"
    "CREATE TABLE opening("
    "  activity_ref INTEGER NOT NULL REFERENCES activity(ref),"
    "  day INTEGER NOT NULL,"
    "  capacity INTEGER,"
    "  PRIMARY KEY(activity_ref, day)) WITHOUT ROWID;"
    "CREATE TABLE batch("
    "  batch_id INTEGER PRIMARY KEY,"
    "  ran_at INTEGER NOT NULL,"
    "  cutoff INTEGER NOT NULL,"
    "  started_at INTEGER NOT NULL,"
    "  finished_at INTEGER NOT NULL,"
    "  n_requests INTEGER NOT NULL DEFAULT 0,"
    "  n_accepted INTEGER NOT NULL DEFAULT 0,"
    "  n_waitlisted INTEGER NOT NULL DEFAULT 0,"
    "  n_refused INTEGER NOT NULL DEFAULT 0,"
    "  n_closed INTEGER NOT NULL DEFAULT 0,"
    "  n_deadline INTEGER NOT NULL DEFAULT 0,"
    "  n_times INTEGER NOT NULL DEFAULT 0,"
    "  n_debtor INTEGER NOT NULL DEFAULT 0,"
    "  n_full INTEGER NOT NULL DEFAULT 0,"
    "  n_duplicate INTEGER NOT NULL DEFAULT 0,"
    "  n_nothing_to_cancel INTEGER NOT NULL DEFAULT 0,"
    "  n_promoted INTEGER NOT NULL DEFAULT 0,"
    "  n_expired INTEGER NOT NULL DEFAULT 0,"
    "  n_cancelled INTEGER NOT NULL DEFAULT 0,"
    "  delivery TEXT NOT NULL DEFAULT 'none'"
    "    CHECK(delivery IN ('none','pending','delivered')),"
    "  delivery_attempts INTEGER NOT NULL DEFAULT 0,"
    "  delivered_at INTEGER,"
    "  delivery_status INTEGER,"
    "  delivery_error TEXT);"
    "CREATE TABLE request("
    "  seq INTEGER PRIMARY KEY,"
    "  request_id TEXT NOT NULL UNIQUE,"
    "  child_ref INTEGER NOT NULL REFERENCES child(ref),"
    "  activity_ref INTEGER NOT NULL REFERENCES activity(ref),"
    "  day INTEGER NOT NULL,"
    "  action TEXT NOT NULL CHECK(action IN ('reserve','cancel')),"
    "  arrival INTEGER,"
    "  departure INTEGER,"
    "  submitted_at INTEGER NOT NULL,"
    "  state TEXT NOT NULL DEFAULT 'pending' CHECK(state IN"
    "    ('pending','accepted','waitlisted','refused','expired','cancelled')),"
    "  reason TEXT CHECK(reason IS NULL OR reason IN ('closed','deadline','times',"
    "    'debtor','full','duplicate','nothing_to_cancel')),"
    "  position INTEGER,"
    "  batch_id INTEGER REFERENCES batch(batch_id),"
    "  undoes INTEGER,"
    "  reported INTEGER NOT NULL DEFAULT 0,"
    "  notice INTEGER NOT NULL DEFAULT 0);"
    "CREATE INDEX request_slot ON request(activity_ref, day);"
    "CREATE INDEX request_open ON request(state, day)"
    "  WHERE state IN ('pending','waitlisted');"
    "CREATE INDEX request_batch ON request(batch_id);"
    "CREATE TABLE decision("
    "  batch_id INTEGER NOT NULL,"
    "  seq INTEGER NOT NULL,"
    "  state TEXT NOT NULL,"
    "  reason TEXT,"
    "  position INTEGER,"
    "  PRIMARY KEY(batch_id, seq)) WITHOUT ROWID;"
    "CREATE INDEX decision_seq ON decision(seq, batch_id);"
    "CREATE TABLE message("
    "  ref INTEGER PRIMARY KEY,"
    "  kind TEXT NOT NULL CHECK(kind IN ('report','notice')),"
    "  family_ref INTEGER NOT NULL REFERENCES family(ref),"
    "  recipient TEXT,"
    "  subject TEXT NOT NULL,"
    "  message_id TEXT NOT NULL UNIQUE,"
    "  state TEXT NOT NULL DEFAULT 'pending'"
    "    CHECK(state IN ('pending','sent','failed','skipped')),"
    "  reason TEXT,"
    "  attempts INTEGER NOT NULL DEFAULT 0,"
    "  created_at INTEGER NOT NULL,"
    "  next_at INTEGER NOT NULL,"
    "  updated_at INTEGER,"
    "  sent_at INTEGER);"
    "CREATE INDEX message_due ON message(next_at) WHERE state = 'pending';"
    /* Apart, so that a state change rewrites a small row, not the message. */
    "CREATE TABLE message_content("
    "  message_ref INTEGER PRIMARY KEY REFERENCES message(ref),"
    "  content BLOB NOT NULL);"
    "CREATE TABLE message_request("
    "  message_ref INTEGER NOT NULL,"
    "  seq INTEGER NOT NULL,"
    "  PRIMARY KEY(message_ref, seq)) WITHOUT ROWID;"
    "CREATE INDEX message_request_seq ON message_request(seq);",
    /* 1 -> 2: how the deadline day is found (contract section 4). */
    "ALTER TABLE activity ADD COLUMN deadline_rule TEXT NOT NULL DEFAULT 'calendar'"
    "  CHECK(deadline_rule IN ('calendar','open','week'));"
    "ALTER TABLE activity ADD COLUMN deadline_wday INTEGER NOT NULL DEFAULT 0"
    "  CHECK(deadline_wday BETWEEN 0 AND 6);",
    /* 2 -> 3: what the rules decided, event by event (rules.h struct
     * rules_event), written with the batch; batch.events = 1 for the
     * batches that recorded them (older ones have none). An event the
     * decision says all of (rules_event.implied: most of a night's) is not
     * stored; the view event_log gives every event back, stored or implied. */
    "CREATE TABLE event("
    "  seq INTEGER NOT NULL,"
    "  batch_id INTEGER NOT NULL,"
    "  n INTEGER NOT NULL,"
    "  kind TEXT NOT NULL CHECK(kind IN ('accepted','waitlisted','refused','promoted',"
    "    'cancelled','expired')),"
    "  reason TEXT,"
    "  position INTEGER,"
    "  other INTEGER,"
    "  prev TEXT,"
    "  deadline INTEGER,"
    "  hours_from INTEGER,"
    "  hours_to INTEGER,"
    "  detail TEXT,"
    "  PRIMARY KEY(seq, batch_id, n)) WITHOUT ROWID;"
    "ALTER TABLE batch ADD COLUMN events INTEGER NOT NULL DEFAULT 0;" EVENT_LOG_VIEW,
    /*
     * Bounces (contract section 8); one self-contained step, whatever its
     * number (its position in this array). A message may become 'bounced'
     * (SQLite cannot change a CHECK in place: the table is rebuilt, and
     * message_content with it, since its foreign key follows the rename),
     * and each hard bounce is kept with the address it returned from, so a
     * family is undeliverable while its current first address has bounced
     * [bounce] limit times: an import that changes the address ends it.
     * And the service's morning page (contract section 9): a message of
     * kind 'page', to [report] to, of no family, one per batch.
     */
    "ALTER TABLE message RENAME TO message_v1;"
    "CREATE TABLE message("
    "  ref INTEGER PRIMARY KEY,"
    "  kind TEXT NOT NULL CHECK(kind IN ('report','notice','page')),"
    "  family_ref INTEGER REFERENCES family(ref)"
    "    CHECK((kind = 'page') = (family_ref IS NULL)),"
    "  recipient TEXT,"
    "  subject TEXT NOT NULL,"
    "  message_id TEXT NOT NULL UNIQUE,"
    "  state TEXT NOT NULL DEFAULT 'pending'"
    "    CHECK(state IN ('pending','sent','failed','skipped','bounced')),"
    "  reason TEXT,"
    "  attempts INTEGER NOT NULL DEFAULT 0,"
    "  created_at INTEGER NOT NULL,"
    "  next_at INTEGER NOT NULL,"
    "  updated_at INTEGER,"
    "  sent_at INTEGER,"
    "  bounced_at INTEGER,"
    "  bounce_status TEXT,"
    "  bounce_diagnostic TEXT,"
    "  batch_id INTEGER REFERENCES batch(batch_id));"
    "INSERT INTO message(ref, kind, family_ref, recipient, subject, message_id, state, reason,"
    "  attempts, created_at, next_at, updated_at, sent_at)"
    "  SELECT ref, kind, family_ref, recipient, subject, message_id, state, reason, attempts,"
    "  created_at, next_at, updated_at, sent_at FROM message_v1;"
    "CREATE TABLE message_content_v2("
    "  message_ref INTEGER PRIMARY KEY REFERENCES message(ref),"
    "  content BLOB NOT NULL);"
    "INSERT INTO message_content_v2 SELECT message_ref, content FROM message_content;"
    "DROP TABLE message_content;"
    "ALTER TABLE message_content_v2 RENAME TO message_content;"
    "DROP TABLE message_v1;"
    "CREATE INDEX message_due ON message(next_at) WHERE state = 'pending';"
    "CREATE INDEX message_family ON message(family_ref);"
    "CREATE UNIQUE INDEX message_page ON message(batch_id) WHERE kind = 'page';"
    "CREATE TABLE bounce("
    "  ref INTEGER PRIMARY KEY,"
    "  family_ref INTEGER NOT NULL REFERENCES family(ref),"
    "  address TEXT NOT NULL COLLATE NOCASE,"
    "  message_ref INTEGER NOT NULL UNIQUE REFERENCES message(ref),"
    "  bounced_at INTEGER NOT NULL,"
    "  status TEXT NOT NULL,"
    "  diagnostic TEXT NOT NULL DEFAULT '');"
    "CREATE INDEX bounce_family ON bounce(family_ref, address);",
    /* 4 -> 5: the last successful run of each tool, for the metrics file. */
    "CREATE TABLE tool_run("
    "  tool TEXT PRIMARY KEY,"
    "  last_success_at INTEGER NOT NULL,"
    "  duration_ms INTEGER NOT NULL) WITHOUT ROWID;",
    /* 5 -> 6: the mail finds the request that made another a duplicate
     * (contract 6.1) without reading a whole slot. */
    "CREATE INDEX request_child ON request(child_ref, activity_ref, day);",
    /* 6 -> 7: an import adds nothing but the table's own keys (rowid and
     * request_id): the indexes hold decided requests only. A night reads
     * the pending requests from the last batch's pending_from on, in the
     * table's order, and a slot's places from request_held (reservations
     * that hold or held one: the places, the list, and the holder of a
     * duplicate, cancelled included, contract 6.1), never the pending
     * requests beside them; a batch's requests are found through its
     * decisions. */
    "DROP INDEX request_open;"
    "DROP INDEX request_slot;"
    "DROP INDEX request_batch;"
    "DROP INDEX request_child;"
    "CREATE INDEX request_held ON request(activity_ref, day, state)"
    "  WHERE state IN ('accepted','waitlisted','cancelled') AND action = 'reserve';"
    "CREATE INDEX request_waiting ON request(activity_ref, day) WHERE state = 'waitlisted';"
    /* The lowest seq still pending after the batch (or one past the
     * highest read): every request below it is decided. NULL: unknown. */
    "ALTER TABLE batch ADD COLUMN pending_from INTEGER;",
    /* 7 -> 8: a message handed to the server by a run that may have died
     * before committing what the server said (outcomes are committed in
     * groups): the next run sends it alone and commits its outcome at once,
     * so a second crash cannot make it go out a third time. */
    "ALTER TABLE message ADD COLUMN sending INTEGER NOT NULL DEFAULT 0;",
    /* 8 -> 9: a condition "x IN (a, b, c)" of more than two values makes
     * SQLite build a b-tree of its values each time a statement runs: once
     * per imported request and per mail outcome, for request's and
     * message's CHECKs and request_held's WHERE. Written as comparisons
     * (the most common value first), each costs a few compares; the import
     * of a million requests spent 40% of its time building those b-trees.
     * Same conditions, so no row changes: the tables' text is rewritten in
     * place (SQLite's documented way to change a CHECK), the index, whose
     * condition the queries repeat (db_int.h, HELD), is made again. */
    "PRAGMA writable_schema = ON;"
    "UPDATE sqlite_schema SET sql = replace(replace(sql,"
    "  'CHECK(state IN    (''pending'',''accepted'',''waitlisted'',''refused'',''expired'','"
    "  || '''cancelled''))',"
    "  'CHECK(state = ''pending'' OR state = ''accepted'' OR state = ''refused'''"
    "  || ' OR state = ''waitlisted'' OR state = ''cancelled'' OR state = ''expired'')'),"
    "  'reason IN (''closed'',''deadline'',''times'',    ''debtor'',''full'',''duplicate'','"
    "  || '''nothing_to_cancel'')',"
    "  'reason = ''full'' OR reason = ''deadline'' OR reason = ''times'' OR reason = ''closed'''"
    "  || ' OR reason = ''duplicate'' OR reason = ''nothing_to_cancel'' OR reason = ''debtor''')"
    "  WHERE type = 'table' AND name = 'request';"
    "UPDATE sqlite_schema SET sql = replace(replace(sql,"
    "  'CHECK(kind IN (''report'',''notice'',''page''))',"
    "  'CHECK(kind = ''report'' OR kind = ''notice'' OR kind = ''page'')'),"
    "  'CHECK(state IN (''pending'',''sent'',''failed'',''skipped'',''bounced''))',"
    "  'CHECK(state = ''pending'' OR state = ''sent'' OR state = ''failed'''"
    "  || ' OR state = ''skipped'' OR state = ''bounced'')')"
    "  WHERE type = 'table' AND name = 'message';"
    "PRAGMA writable_schema = OFF;"
    "DROP INDEX request_held;"
    "CREATE INDEX request_held ON request(activity_ref, day, state)"
    "  WHERE (state = 'accepted' OR state = 'waitlisted' OR state = 'cancelled')"
    "  AND action = 'reserve';",
    /* 9 -> 10: request_held also holds what is read of a slot's places
     * (child_ref, submitted_at, position, and action, which the condition
     * the queries repeat names), so a night, and the mail's duplicates,
     * read them from the index alone instead of seeking each one in the
     * table: the second night of the bench's 1M town read its slots in
     * 0.6 s instead of 2.0, and ran x0.75 the time; a first night, which
     * builds the bigger index again, x1.05. */
    "DROP INDEX request_held;"
    "CREATE INDEX request_held"
    "  ON request(activity_ref, day, state, child_ref, submitted_at, position, action)"
    "  WHERE (state = 'accepted' OR state = 'waitlisted' OR state = 'cancelled')"
    "  AND action = 'reserve';",
    /* 10 -> 11: a slot's places in a table of their own, held, instead of
     * the index request_held: the same rows (reservations accepted,
     * waitlisted or cancelled), the same key, and what is read of them.
     * An index is made again from the whole table when a night changes a
     * third of it or more (a scan and a sort of every place), or else
     * takes one insertion at a slot's place per changed request, scattered.
     * The night, which resolves slot by slot, knows the places that go and
     * come in the table's own order and merges them in (db_night_write.c).
     * The triggers keep held in step with every other writer's rows; the
     * night drops held_update for its own UPDATE and the requests import
     * held_insert for its pending rows, each making it again in its
     * transaction. A row that INSERT OR REPLACE deletes fires no
     * held_delete (SQLite's recursive_triggers is off): nocturne-status
     * --check says when held and request disagree. */
    "CREATE TABLE held("
    "  activity_ref INTEGER NOT NULL,"
    "  day INTEGER NOT NULL,"
    "  state TEXT NOT NULL,"
    "  child_ref INTEGER NOT NULL,"
    "  submitted_at INTEGER NOT NULL,"
    "  seq INTEGER NOT NULL,"
    "  position INTEGER,"
    "  PRIMARY KEY(activity_ref, day, state, child_ref, submitted_at, seq)) WITHOUT ROWID;"
    "INSERT INTO held(activity_ref, day, state, child_ref, submitted_at, seq, position)"
    "  SELECT activity_ref, day, state, child_ref, submitted_at, seq, position FROM request"
    "  WHERE (state = 'accepted' OR state = 'waitlisted' OR state = 'cancelled')"
    "  AND action = 'reserve' ORDER BY activity_ref, day, state, child_ref, submitted_at, seq;"
    "DROP INDEX request_held;" HELD_TRIGGERS,
    /* 11 -> 12: what the mail told of each request (contract 6.1), in a
     * narrow table of its own instead of two columns of request: reported
     * (a compte-rendu covered it) and notice (0 none, 1 owed, 2 sent or
     * needless). No row: 0 and 0. The morning marks each chunk's requests
     * as it stores it, and a chunk's families have their requests all over
     * the table (it is in import order): marking request itself rewrote
     * most of its pages once per chunk, 72 MB of a 10,000-family morning's
     * 154 MB of log, where this table's rows are a tenth of a request's.
     * The night writes here only for promotions, cancellations and expiries.
     * Requests are never deleted, so no foreign key: a row costs no lookup. */
    "CREATE TABLE request_mail("
    "  seq INTEGER PRIMARY KEY,"
    "  reported INTEGER NOT NULL DEFAULT 0,"
    "  notice INTEGER NOT NULL DEFAULT 0);"
    "INSERT INTO request_mail(seq, reported, notice)"
    "  SELECT seq, reported, notice FROM request WHERE reported <> 0 OR notice <> 0;"
    "ALTER TABLE request DROP COLUMN reported;"
    "ALTER TABLE request DROP COLUMN notice;",
    /* 12 -> 13: the slots with a waiting list, which a night visits even
     * without a pending request, from held (its waitlisted rows are
     * request's, the triggers keep them so) through a partial index of
     * its own, not from request_waiting: a night puts held's rows in key
     * order, so the index takes its entries in order too, where
     * request_waiting, over a table whose every row a large night
     * rewrites, was dropped and made again from the whole table (0.18 s
     * of a first night of a million requests). request keeps no index of
     * nocturne's but its keys. */
    "DROP INDEX request_waiting;"
    "CREATE INDEX held_waiting ON held(activity_ref, day) WHERE state = 'waitlisted';",
    /* 13 -> 14: the request ids' key in a table of its own, request_key,
     * instead of request's UNIQUE, whose index takes each imported id at
     * its place in id order: a portal's export gives them in no order, so
     * once that index outgrows the cache (a few million requests) every
     * insertion read and wrote back one of its pages, and an import of 4M
     * requests took x8 the time of 1M. The import now adds its requests in
     * the file's order and their keys in id order, sorted on the side, at
     * the end of the file (import_pipe.c), so each key page is written once.
     * Every other writer's rows get their key from the triggers (an id
     * given twice fails, as before, on request_key's primary key);
     * nocturne-status --check says when the keys and the requests
     * disagree. SQLite cannot drop a UNIQUE in place: the table is made
     * again, and the view and triggers that name it with it. */
    "CREATE TABLE request_v14("
    "  seq INTEGER PRIMARY KEY,"
    "  request_id TEXT NOT NULL,"
    "  child_ref INTEGER NOT NULL REFERENCES child(ref),"
    "  activity_ref INTEGER NOT NULL REFERENCES activity(ref),"
    "  day INTEGER NOT NULL,"
    "  action TEXT NOT NULL CHECK(action IN ('reserve','cancel')),"
    "  arrival INTEGER,"
    "  departure INTEGER,"
    "  submitted_at INTEGER NOT NULL,"
    "  state TEXT NOT NULL DEFAULT 'pending' CHECK(state = 'pending' OR state = 'accepted'"
    "    OR state = 'refused' OR state = 'waitlisted' OR state = 'cancelled'"
    "    OR state = 'expired'),"
    "  reason TEXT CHECK(reason IS NULL OR reason = 'full' OR reason = 'deadline'"
    "    OR reason = 'times' OR reason = 'closed' OR reason = 'duplicate'"
    "    OR reason = 'nothing_to_cancel' OR reason = 'debtor'),"
    "  position INTEGER,"
    "  batch_id INTEGER REFERENCES batch(batch_id),"
    "  undoes INTEGER);"
    "INSERT INTO request_v14(seq, request_id, child_ref, activity_ref, day, action, arrival,"
    "  departure, submitted_at, state, reason, position, batch_id, undoes)"
    "  SELECT seq, request_id, child_ref, activity_ref, day, action, arrival, departure,"
    "  submitted_at, state, reason, position, batch_id, undoes FROM request ORDER BY seq;"
    "CREATE TABLE request_key("
    "  request_id TEXT PRIMARY KEY,"
    "  seq INTEGER NOT NULL) WITHOUT ROWID;"
    "INSERT INTO request_key(request_id, seq)"
    "  SELECT request_id, seq FROM request ORDER BY request_id;"
    "DROP VIEW event_log;"
    "DROP TABLE request;"
    "ALTER TABLE request_v14 RENAME TO request;" EVENT_LOG_VIEW HELD_TRIGGERS REQUEST_KEY_TRIGGERS,
    /* 14 -> 15: a batch's decision of a request is the request's own row
     * (batch_id, state, reason, position) while no later night has changed
     * it, and a row of decision_kept once one has: the night keeps the
     * row's values there just before it changes them (the decision that
     * batch made, db_night_write.c), so it writes a decision only for the
     * few requests it decides again (promoted, cancelled, expired, moved
     * in a list) instead of one per request decided: 600,000 rows and
     * their index entries, a fifth of a night of 600,000 requests. The
     * view decision gives every decision back, kept or implied; a row
     * kept says what its batch decided even when the request now shows
     * that batch with other values (moved in its list since). Writing
     * to the view (an operator's SQL, the tests' fixtures) keeps the
     * row. The rows of earlier nights are all kept, as they were. */
    "DROP VIEW event_log;"
    "ALTER TABLE decision RENAME TO decision_kept;"
    "CREATE VIEW decision(batch_id, seq, state, reason, position) AS"
    "  SELECT batch_id, seq, state, reason, position FROM decision_kept"
    "  UNION ALL"
    "  SELECT r.batch_id, r.seq, r.state, r.reason, r.position FROM request r"
    "  WHERE r.batch_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM decision_kept k"
    "    WHERE k.batch_id = r.batch_id AND k.seq = r.seq);"
    "CREATE TRIGGER decision_insert INSTEAD OF INSERT ON decision"
    " BEGIN"
    "  INSERT INTO decision_kept(batch_id, seq, state, reason, position)"
    "  VALUES (new.batch_id, new.seq, new.state, new.reason, new.position);"
    " END;"
    "CREATE TRIGGER decision_update INSTEAD OF UPDATE ON decision"
    " BEGIN"
    "  DELETE FROM decision_kept WHERE batch_id = old.batch_id AND seq = old.seq;"
    "  INSERT INTO decision_kept(batch_id, seq, state, reason, position)"
    "  VALUES (new.batch_id, new.seq, new.state, new.reason, new.position);"
    " END;" EVENT_LOG_VIEW,
    /* 15 -> 16: a batch's places in held written by a transaction of
     * their own, just after the batch's (night.h): the portal's inserts
     * wait for each of the two write phases, not for both (a night of a
     * million requests held SQLite's write lock 1.1 s in one). places is 0
     * from the batch's commit to its places' commit; a reader of held
     * waits for it (db_begin_read_places), and a night that finds it 0
     * (its run stopped between the two) writes held again from the
     * requests before anything else. Earlier batches have their places.
     * Meanwhile no other writer may change or delete a decided request:
     * held's triggers would apply that change to places the night has not
     * written yet, and the night's replay of its own would then disagree
     * with the requests (a place kept by a deleted request, a request in
     * two states). Requests still pending (the portal's) are free. Only
     * the last batch can be waiting for its places (a night writes a
     * stopped one's first): the triggers read that one row by its key, not
     * every batch for each row an operator's UPDATE touches. */
    "ALTER TABLE batch ADD COLUMN places INTEGER NOT NULL DEFAULT 1 CHECK(places IN (0, 1));"
    "CREATE TRIGGER request_places_update BEFORE UPDATE ON request"
    "  WHEN old.state <> 'pending'"
    "  AND (SELECT places FROM batch ORDER BY batch_id DESC LIMIT 1) = 0"
    " BEGIN SELECT RAISE(ABORT, " PLACES_BUSY "); END;"
    "CREATE TRIGGER request_places_delete BEFORE DELETE ON request"
    "  WHEN old.state <> 'pending'"
    "  AND (SELECT places FROM batch ORDER BY batch_id DESC LIMIT 1) = 0"
    " BEGIN SELECT RAISE(ABORT, " PLACES_BUSY "); END;",
};

const int db_nmigrations = (int)(sizeof(db_migrations) / sizeof(db_migrations[0]));
