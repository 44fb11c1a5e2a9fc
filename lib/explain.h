/*
 * explain.h - one request explained in words (nocturne-status --request).
 *
 * The rules live in rules.c only: what a batch decided, and why, is read
 * from the record the night wrote (db_event.h), which holds the facts
 * rules.c gave (the deadline applied, the hours and the bound that failed,
 * the request holding the slot, the cancellation that freed a place). This
 * module only puts them in words (the rule line is explain_rule.h's). A batch written before that
 * record existed is explained from its decisions and from rules.c applied to the current settings,
 * saying so, and never claiming what it cannot know.
 */
#ifndef NOCTURNE_EXPLAIN_H
#define NOCTURNE_EXPLAIN_H

#include <stdio.h>

#include "db.h"
#include "err.h"

/*
 * Explain request request_id on out, in one read transaction: its fields,
 * its state and the rule that decided it, its slot (capacity, places taken,
 * waiting list), its history batch by batch, event by event, and the
 * messages that reported it. Returns 0, or -1 with e filled: ERR_DATA for an
 * unknown request, ERR_IO for a write error, database errors as db_fail
 * maps them.
 */
int explain_request(struct db *db, const char *request_id, FILE *out, struct err *e);

#endif
