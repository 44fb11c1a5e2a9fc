-- status.sql - the fixture of the nocturne-status tests, inserted straight
-- into schema 1 (so these tests do not depend on import/transmit/notify).
-- Three batches over a small town:
--   batch 1 (2019-12-02 02:00): CANTINE 12-06 (capacity 2, list of 3): R1 R2
--     accepted, R3 R4 R5 waitlisted, R6 refused duplicate (C2 holds R2);
--     CANTINE 12-04 (capacity 1): R22 accepted, R23 waitlisted.
--   batch 2 (2019-12-03 02:00): R8 cancels R1 -> R1 cancelled, R3 promoted,
--     R4 R5 move up; PERI (hours 16:30-18:30): R9 R10 R11 R12 refused times;
--     R13 refused debtor; R15 closed; MERC 12-11 (capacity 1, no list): R16
--     accepted, R17 full; R18 nothing to cancel. Back office failing.
--   batch 3 (2019-12-05 02:00): R14 refused deadline; R23 expired.
--   R19 R20 R21 pending.
CREATE TEMP TABLE d(k TEXT PRIMARY KEY, v INTEGER);
INSERT INTO d VALUES
 ('12-04', CAST(julianday('2019-12-04') - 2440587.5 AS INTEGER)),
 ('12-06', CAST(julianday('2019-12-06') - 2440587.5 AS INTEGER)),
 ('12-09', CAST(julianday('2019-12-09') - 2440587.5 AS INTEGER)),
 ('12-10', CAST(julianday('2019-12-10') - 2440587.5 AS INTEGER)),
 ('12-11', CAST(julianday('2019-12-11') - 2440587.5 AS INTEGER));

INSERT INTO family(ref, family_id, name, emails, balance_cents) VALUES
 (1, 'F1', 'Martin', 'a@x.fr; b@x.fr', 0),
 (2, 'F2', 'Durand', 'durand@x.fr', -1250),
 (3, 'F3', 'Petit' || char(27) || '[31m', '', 0);
INSERT INTO child(ref, child_id, family_ref, first_name, last_name) VALUES
 (1, 'C1', 1, 'Léa', 'Martin'), (2, 'C2', 1, 'Tom', 'Martin'),
 (3, 'C3', 2, 'Zoé', 'Durand'), (4, 'C4', 3, 'Noé', 'Petit'),
 (5, 'C5', 1, 'Jules', 'Martin');
INSERT INTO activity(ref, activity_id, name, capacity, waitlist, promote_days, hours_from,
                     hours_to, deadline_days, deadline_time) VALUES
 (1, 'CANTINE', 'Cantine scolaire', 2, 3, 0, NULL, NULL, 2, 600),
 (2, 'PERI', 'Périscolaire du soir', NULL, 0, 0, 990, 1110, 0, 0),
 (3, 'MERC', 'Mercredi loisirs', 1, 0, 0, NULL, NULL, 0, 0);
INSERT INTO opening(activity_ref, day, capacity) VALUES
 (1, (SELECT v FROM d WHERE k = '12-04'), 1),
 (1, (SELECT v FROM d WHERE k = '12-06'), NULL),
 (1, (SELECT v FROM d WHERE k = '12-09'), 3),
 (2, (SELECT v FROM d WHERE k = '12-06'), NULL),
 (3, (SELECT v FROM d WHERE k = '12-11'), NULL);

INSERT INTO batch(batch_id, ran_at, cutoff, started_at, finished_at, n_requests, n_accepted,
                  n_waitlisted, n_refused, n_closed, n_deadline, n_times, n_debtor, n_full,
                  n_duplicate, n_nothing_to_cancel, n_promoted, n_expired, n_cancelled,
                  delivery, delivery_attempts, delivered_at, delivery_status, delivery_error)
VALUES
 (1, strftime('%s', '2019-12-02 02:00:00'), strftime('%s', '2019-12-02 02:00:00'),
  strftime('%s', '2019-12-02 02:00:00'), strftime('%s', '2019-12-02 02:00:01'),
  8, 3, 4, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0,
  'delivered', 1, strftime('%s', '2019-12-02 02:00:02'), 200, NULL),
 (2, strftime('%s', '2019-12-03 02:00:00'), strftime('%s', '2019-12-03 02:00:00'),
  strftime('%s', '2019-12-03 02:00:00'), strftime('%s', '2019-12-03 02:00:03'),
  10, 2, 0, 8, 1, 0, 4, 1, 1, 0, 1, 1, 0, 1,
  'pending', 3, NULL, 503, 'HTTP 503 from https://bo.example/api'),
 (3, strftime('%s', '2019-12-05 02:00:00'), strftime('%s', '2019-12-05 02:00:00'),
  strftime('%s', '2019-12-05 02:00:00'), strftime('%s', '2019-12-05 02:00:00'),
  1, 0, 0, 1, 0, 1, 0, 0, 0, 0, 0, 0, 1, 0,
  'none', 0, NULL, NULL, NULL);

-- What the mail told of each request (reported, notice) is request_mail's.
CREATE TEMP TABLE request_in(seq, request_id, child_ref, activity_ref, day, action, arrival,
                             departure, submitted_at, state, reason, position, batch_id, undoes,
                             reported, notice);
INSERT INTO request_in(seq, request_id, child_ref, activity_ref, day, action, arrival, departure,
                       submitted_at, state, reason, position, batch_id, undoes, reported, notice)
VALUES
 (1, 'R1', 1, 1, (SELECT v FROM d WHERE k = '12-06'), 'reserve', NULL, NULL,
  strftime('%s', '2019-12-01 09:00:00'), 'cancelled', NULL, NULL, 2, NULL, 1, 0),
 (2, 'R2', 2, 1, (SELECT v FROM d WHERE k = '12-06'), 'reserve', NULL, NULL,
  strftime('%s', '2019-12-01 09:05:00'), 'accepted', NULL, NULL, 1, NULL, 1, 0),
 (3, 'R3', 3, 1, (SELECT v FROM d WHERE k = '12-06'), 'reserve', NULL, NULL,
  strftime('%s', '2019-12-01 09:10:00'), 'accepted', NULL, NULL, 2, NULL, 1, 2),
 (4, 'R4', 4, 1, (SELECT v FROM d WHERE k = '12-06'), 'reserve', NULL, NULL,
  strftime('%s', '2019-12-01 09:20:00'), 'waitlisted', NULL, 1, 2, NULL, 1, 0),
 (5, 'R5', 5, 1, (SELECT v FROM d WHERE k = '12-06'), 'reserve', NULL, NULL,
  strftime('%s', '2019-12-01 09:30:00'), 'waitlisted', NULL, 2, 2, NULL, 1, 0),
 (6, 'R6', 2, 1, (SELECT v FROM d WHERE k = '12-06'), 'reserve', NULL, NULL,
  strftime('%s', '2019-12-01 09:40:00'), 'refused', 'duplicate', NULL, 1, NULL, 1, 0),
 (7, 'R22', 1, 1, (SELECT v FROM d WHERE k = '12-04'), 'reserve', NULL, NULL,
  strftime('%s', '2019-12-01 10:00:00'), 'accepted', NULL, NULL, 1, NULL, 1, 0),
 (8, 'R23', 2, 1, (SELECT v FROM d WHERE k = '12-04'), 'reserve', NULL, NULL,
  strftime('%s', '2019-12-01 10:05:00'), 'expired', NULL, NULL, 3, NULL, 0, 0),
 (9, 'R8', 1, 1, (SELECT v FROM d WHERE k = '12-06'), 'cancel', NULL, NULL,
  strftime('%s', '2019-12-02 08:00:00'), 'accepted', NULL, NULL, 2, 1, 0, 0),
 (10, 'R9', 3, 2, (SELECT v FROM d WHERE k = '12-06'), 'reserve', 960, NULL,
  strftime('%s', '2019-12-02 08:10:00'), 'refused', 'times', NULL, 2, NULL, 0, 0),
 (11, 'R10', 3, 2, (SELECT v FROM d WHERE k = '12-06'), 'reserve', NULL, NULL,
  strftime('%s', '2019-12-02 08:11:00'), 'refused', 'times', NULL, 2, NULL, 0, 0),
 (12, 'R11', 4, 2, (SELECT v FROM d WHERE k = '12-06'), 'reserve', 1020, 1140,
  strftime('%s', '2019-12-02 08:12:00'), 'refused', 'times', NULL, 2, NULL, 0, 0),
 (13, 'R12', 4, 2, (SELECT v FROM d WHERE k = '12-06'), 'reserve', 1020, 1020,
  strftime('%s', '2019-12-02 08:13:00'), 'refused', 'times', NULL, 2, NULL, 0, 0),
 (14, 'R13', 3, 3, (SELECT v FROM d WHERE k = '12-11'), 'reserve', NULL, NULL,
  strftime('%s', '2019-12-02 08:14:00'), 'refused', 'debtor', NULL, 2, NULL, 0, 0),
 (15, 'R15', 2, 3, (SELECT v FROM d WHERE k = '12-10'), 'reserve', NULL, NULL,
  strftime('%s', '2019-12-02 08:15:00'), 'refused', 'closed', NULL, 2, NULL, 0, 0),
 (16, 'R16', 5, 3, (SELECT v FROM d WHERE k = '12-11'), 'reserve', NULL, NULL,
  strftime('%s', '2019-12-02 08:16:00'), 'accepted', NULL, NULL, 2, NULL, 0, 0),
 (17, 'R17', 2, 3, (SELECT v FROM d WHERE k = '12-11'), 'reserve', NULL, NULL,
  strftime('%s', '2019-12-02 08:17:00'), 'refused', 'full', NULL, 2, NULL, 0, 0),
 (18, 'R18', 2, 1, (SELECT v FROM d WHERE k = '12-09'), 'cancel', NULL, NULL,
  strftime('%s', '2019-12-02 08:18:00'), 'refused', 'nothing_to_cancel', NULL, 2, NULL, 0, 0),
 (19, 'R14', 1, 1, (SELECT v FROM d WHERE k = '12-06'), 'reserve', NULL, NULL,
  strftime('%s', '2019-12-04 10:00:00'), 'refused', 'deadline', NULL, 3, NULL, 0, 0),
 (20, 'R19', 4, 1, (SELECT v FROM d WHERE k = '12-09'), 'reserve', NULL, NULL,
  strftime('%s', '2019-12-05 08:00:00'), 'pending', NULL, NULL, NULL, NULL, 0, 0),
 (21, 'R20', 5, 1, (SELECT v FROM d WHERE k = '12-09'), 'reserve', NULL, NULL,
  strftime('%s', '2019-12-05 09:30:00'), 'pending', NULL, NULL, NULL, NULL, 0, 0),
 (22, '=R21', 1, 2, (SELECT v FROM d WHERE k = '12-06'), 'reserve', 990, NULL,
  strftime('%s', '2019-12-05 10:15:00'), 'pending', NULL, NULL, NULL, NULL, 0, 0);
INSERT INTO request(seq, request_id, child_ref, activity_ref, day, action, arrival, departure,
                    submitted_at, state, reason, position, batch_id, undoes)
  SELECT seq, request_id, child_ref, activity_ref, day, action, arrival, departure,
         submitted_at, state, reason, position, batch_id, undoes FROM request_in ORDER BY seq;
INSERT INTO request_mail(seq, reported, notice)
  SELECT seq, reported, notice FROM request_in WHERE reported <> 0 OR notice <> 0;
DROP TABLE request_in;

INSERT INTO decision(batch_id, seq, state, reason, position) VALUES
 (1, 1, 'accepted', NULL, NULL), (1, 2, 'accepted', NULL, NULL),
 (1, 3, 'waitlisted', NULL, 1), (1, 4, 'waitlisted', NULL, 2),
 (1, 5, 'waitlisted', NULL, 3), (1, 6, 'refused', 'duplicate', NULL),
 (1, 7, 'accepted', NULL, NULL), (1, 8, 'waitlisted', NULL, 1),
 (2, 9, 'accepted', NULL, NULL), (2, 1, 'cancelled', NULL, NULL),
 (2, 3, 'accepted', NULL, NULL), (2, 4, 'waitlisted', NULL, 1),
 (2, 5, 'waitlisted', NULL, 2), (2, 10, 'refused', 'times', NULL),
 (2, 11, 'refused', 'times', NULL), (2, 12, 'refused', 'times', NULL),
 (2, 13, 'refused', 'times', NULL), (2, 14, 'refused', 'debtor', NULL),
 (2, 15, 'refused', 'closed', NULL), (2, 16, 'accepted', NULL, NULL),
 (2, 17, 'refused', 'full', NULL), (2, 18, 'refused', 'nothing_to_cancel', NULL),
 (3, 19, 'refused', 'deadline', NULL), (3, 8, 'expired', NULL, NULL);

INSERT INTO message(ref, kind, family_ref, recipient, subject, message_id, state,
                    reason, attempts, created_at, next_at, updated_at, sent_at) VALUES
 (1, 'report', 1, 'a@x.fr', 'Compte-rendu', '<m1@n>', 'sent', '250 2.0.0 Ok', 1,
  strftime('%s', '2019-12-02 07:00:00'), strftime('%s', '2019-12-02 07:00:00'),
  strftime('%s', '2019-12-02 07:00:05'), strftime('%s', '2019-12-02 07:00:05')),
 (2, 'report', 2, 'durand@x.fr', 'Compte-rendu', '<m2@n>', 'failed',
  '550 5.1.1 <durand@x.fr>: Recipient address rejected: User unknown in virtual mailbox table',
  1, strftime('%s', '2019-12-02 07:00:00'), strftime('%s', '2019-12-02 07:00:00'),
  strftime('%s', '2019-12-02 07:00:06'), NULL),
 (3, 'report', 3, NULL, 'Compte-rendu', '<m3@n>', 'skipped', 'no email address', 0,
  strftime('%s', '2019-12-02 07:00:00'), strftime('%s', '2019-12-02 07:00:00'),
  strftime('%s', '2019-12-02 07:00:00'), NULL),
 (4, 'notice', 2, 'durand@x.fr', 'Place obtenue', '<m4@n>', 'pending',
  '451 4.3.0 try again' || char(13) || char(10) || 'later', 2,
  strftime('%s', '2019-12-03 07:00:00'), strftime('%s', '2019-12-05 13:00:00'),
  strftime('%s', '2019-12-03 07:10:00'), NULL),
 (5, 'report', 1, 'a@x.fr', 'Compte-rendu', '<m5@n>', 'pending', NULL, 0,
  strftime('%s', '2019-12-05 07:00:00'), strftime('%s', '2019-12-05 07:00:00'), NULL, NULL);
INSERT INTO message_content(message_ref, content) SELECT ref, x'00' FROM message;
INSERT INTO message_request(message_ref, seq) VALUES
 (1, 1), (1, 2), (1, 7), (2, 3), (2, 6), (3, 4), (3, 5), (3, 8), (4, 3),
 (5, 9), (5, 1), (5, 16), (5, 17), (5, 18), (5, 15);
