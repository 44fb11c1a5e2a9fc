/*
 * explain_rule.h - the "rule" line of nocturne-status --request (explain.h):
 * why the rules decided a request as they did, in words.
 *
 * What a batch decided, and why, is read from the record the night wrote
 * (db_event.h): the facts rules.c gave. A batch written before that record
 * existed is explained from its decisions and from rules.c applied to the
 * current settings, saying so, and never claiming what it cannot know.
 */
#ifndef NOCTURNE_EXPLAIN_RULE_H
#define NOCTURNE_EXPLAIN_RULE_H

#include <stddef.h>
#include <stdio.h>

#include "db.h"
#include "db_event.h"
#include "db_request.h"
#include "err.h"

/* A request's recorded events, in the order db_event_list gives them. */
struct explain_rule_events {
	struct db_event *v; /* owned, other_id too */
	size_t n, cap;
};

/*
 * Append the recorded events of request seq (of batch batch_id, 0: every
 * batch) to *l, which starts zeroed. 0, or -1 with e set (database
 * errors). Release *l with explain_rule_events_release() in either case.
 */
int explain_rule_events_read(struct db *db, long long seq, long long batch_id,
                             struct explain_rule_events *l, struct err *e);
void explain_rule_events_release(struct explain_rule_events *l);

/*
 * Write on out, with no newline, the state of request r and the rule that
 * decided it: from its events l when its batch's events were recorded,
 * else from its decisions. A cancellation's explanation reads the events
 * of the reservation it undid. 0, or -1 with e set (database errors).
 */
int explain_rule_put(struct db *db, FILE *out, const struct db_request *r,
                     const struct explain_rule_events *l, int recorded, struct err *e);

#endif
