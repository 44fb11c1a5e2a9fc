/*
 * db_night_sorted.c - the night's sorted records (runsort.h) seen by SQL
 * as tables on the night's connection: night_mail(seq, state, reason,
 * position, undoes, ev), of the night's changes the ones to what the mail
 * owes (promotions, cancellations, expiries), by seq, night_past, the same
 * columns, of those changes the ones to requests an earlier batch decided
 * (the changes themselves go to request by a merge of their own,
 * db_night_write.c), and night_held(op,
 * activity_ref, day, state, child_ref, submitted_at, seq, position), the
 * slots' places that come and go, in held's key order, and
 * night_events(seq, n, kind, reason, position, other, prev, deadline,
 * hours_from, hours_to, detail), the events by (seq, n), the event
 * table's key, as a store keeps them. Eponymous virtual
 * tables (db_scan.c): the write phase applies them with set-based statements
 * (db_night_write.c; the places that go are deleted one by one, read from
 * the sort itself) without first copying a million rows into a temporary
 * table. Each scan reads its sort again from the first record.
 */
#include <stdlib.h>
#include <string.h>

#include "db_night_int.h"

/* A column that is NULL when v is 0 (no position, no undone request). */
static void
result_opt(sqlite3_context *ctx, int32_t v)
{
	if (v != 0)
		sqlite3_result_int(ctx, v);
	else
		sqlite3_result_null(ctx);
}

void
db_night_change_column(const void *owner, const void *rec, sqlite3_context *ctx, int col)
{
	const struct night_change *ch = rec;

	(void)owner;
	switch (col) {
	case CH_SEQ:
		sqlite3_result_int(ctx, ch->seq);
		break;
	case CH_STATE:
		sqlite3_result_text(ctx, rules_state_name(ch->state), -1, SQLITE_STATIC);
		break;
	case CH_REASON:
		if (ch->reason == RULES_OK)
			sqlite3_result_null(ctx);
		else
			sqlite3_result_text(ctx, rules_reason_name(ch->reason), -1, SQLITE_STATIC);
		break;
	case CH_POSITION:
		result_opt(ctx, ch->position);
		break;
	case CH_UNDOES:
		result_opt(ctx, ch->undoes);
		break;
	default:
		sqlite3_result_int(ctx, ch->ev);
		break;
	}
}

enum { HE_OP, HE_ACTIVITY, HE_DAY, HE_STATE, HE_CHILD, HE_SUBMITTED, HE_SEQ, HE_POSITION };

static void
held_column(const void *owner, const void *rec, sqlite3_context *ctx, int col)
{
	const struct night_held *p = rec;

	(void)owner;
	switch (col) {
	case HE_OP:
		sqlite3_result_int(ctx, p->op);
		break;
	case HE_ACTIVITY:
		sqlite3_result_int(ctx, p->activity);
		break;
	case HE_DAY:
		sqlite3_result_int(ctx, p->day);
		break;
	case HE_STATE:
		sqlite3_result_text(ctx, rules_state_name(p->state), -1, SQLITE_STATIC);
		break;
	case HE_CHILD:
		sqlite3_result_int(ctx, p->child);
		break;
	case HE_SUBMITTED:
		sqlite3_result_int64(ctx, p->submitted_at);
		break;
	case HE_SEQ:
		sqlite3_result_int(ctx, p->seq);
		break;
	default:
		result_opt(ctx, p->position);
		break;
	}
}

enum {
	EV_SEQ,
	EV_N,
	EV_KIND,
	EV_REASON,
	EV_POSITION,
	EV_OTHER,
	EV_PREV,
	EV_DEADLINE,
	EV_HOURS_FROM,
	EV_HOURS_TO,
	EV_DETAIL
};

/* Only the facts of its kind and reason (rules.h struct rules_event); NULL the rest. */
static void
event_column(const void *owner, const void *rec, sqlite3_context *ctx, int col)
{
	const struct night_event *ev = rec;
	const char *text = NULL;

	(void)owner;
	switch (col) {
	case EV_SEQ:
		sqlite3_result_int(ctx, ev->seq);
		return;
	case EV_N:
		sqlite3_result_int(ctx, ev->n);
		return;
	case EV_KIND:
		text = rules_event_name(ev->kind);
		break;
	case EV_REASON:
		if (ev->kind == RULES_EV_REFUSED)
			text = rules_reason_name(ev->reason);
		break;
	case EV_POSITION:
		result_opt(ctx, ev->position > 0 ? ev->position : 0);
		return;
	case EV_OTHER:
		result_opt(ctx, ev->other);
		return;
	case EV_PREV:
		if (ev->kind == RULES_EV_CANCELLED)
			text = rules_state_name(ev->prev);
		break;
	case EV_DEADLINE:
		if (ev->reason == RULES_DEADLINE) {
			sqlite3_result_int64(ctx, ev->deadline);
			return;
		}
		break;
	case EV_HOURS_FROM:
	case EV_HOURS_TO:
		if (ev->reason == RULES_TIMES) {
			sqlite3_result_int(ctx,
			                   col == EV_HOURS_FROM ? ev->hours_from : ev->hours_to);
			return;
		}
		break;
	default:
		if (ev->kind == RULES_EV_REFUSED && ev->reason == RULES_TIMES)
			text = rules_times_fail_name(ev->detail);
		else if (ev->kind == RULES_EV_REFUSED && ev->reason == RULES_FULL)
			text = rules_full_why_name(ev->detail);
		break;
	}
	if (text != NULL)
		sqlite3_result_text(ctx, text, -1, SQLITE_STATIC);
	else
		sqlite3_result_null(ctx);
}

static struct runsort *
mail_of(void *owner)
{
	return &((struct db_night *)owner)->mail;
}

static struct runsort *
past_of(void *owner)
{
	return &((struct db_night *)owner)->past;
}

static struct runsort *
held_of(void *owner)
{
	return &((struct db_night *)owner)->held;
}

static struct runsort *
events_of(void *owner)
{
	return &((struct db_night *)owner)->events;
}

static const struct db_scan_table tables[] = {
    {"night_mail",
     "CREATE TABLE x(seq INTEGER, state TEXT, reason TEXT, position INTEGER, undoes INTEGER,"
     " ev INTEGER)",
     mail_of, db_night_change_column, CH_SEQ},
    {"night_past",
     "CREATE TABLE x(seq INTEGER, state TEXT, reason TEXT, position INTEGER, undoes INTEGER,"
     " ev INTEGER)",
     past_of, db_night_change_column, CH_SEQ},
    {"night_held",
     "CREATE TABLE x(op INTEGER, activity_ref INTEGER, day INTEGER, state TEXT,"
     " child_ref INTEGER, submitted_at INTEGER, seq INTEGER, position INTEGER)",
     held_of, held_column, -1},
    {"night_events",
     "CREATE TABLE x(seq INTEGER, n INTEGER, kind TEXT, reason TEXT, position INTEGER,"
     " other INTEGER, prev TEXT, deadline INTEGER, hours_from INTEGER, hours_to INTEGER,"
     " detail TEXT)",
     events_of, event_column, -1},
};
#define NTABLES (sizeof(tables) / sizeof(tables[0]))

int
db_night_sorted_register(struct db_night *h, struct err *e)
{
	for (size_t i = 0; i < NTABLES; i++)
		if (db_scan_register(h->db, &tables[i], h, NULL, e) < 0)
			return -1;
	return 0;
}

void
db_night_sorted_unregister(struct db_night *h)
{
	for (size_t i = 0; i < NTABLES; i++)
		db_scan_unregister(h->db, &tables[i]);
}
