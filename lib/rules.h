/*
 * rules.h - the nightly resolution rules (contract section 4), pure.
 *
 * Plain structs in, decisions out: no SQL, no I/O, no clock. The caller
 * gathers one slot (an activity on one day): the reservations that hold a
 * place or wait in its list, and the pending requests of the batch; it hands
 * them over as an array of pointers and gets every request's new state,
 * reason, position and the events of the night (promoted, cancelled,
 * expired, moved in the list) back in the same records.
 *
 * The only allocation is the caller-owned struct rules_work, a scratch area
 * reused from slot to slot.
 */
#ifndef NOCTURNE_RULES_H
#define NOCTURNE_RULES_H

#include <stddef.h>
#include <stdint.h>

enum rules_action { RULES_RESERVE = 0, RULES_CANCEL = 1 };

enum rules_state {
	RULES_PENDING = 0,
	RULES_ACCEPTED,
	RULES_WAITLISTED,
	RULES_REFUSED,
	RULES_EXPIRED,
	RULES_CANCELLED,
};
#define RULES_NSTATES 6

enum rules_reason {
	RULES_OK = 0,
	RULES_CLOSED,
	RULES_DEADLINE,
	RULES_TIMES,
	RULES_DEBTOR,
	RULES_FULL,
	RULES_DUPLICATE,
	RULES_NOTHING_TO_CANCEL,
};
#define RULES_NREASONS 8

/* rules_req.flags: one input flag, the rest are set by rules_resolve_slot. */
enum {
	RULES_F_DEBTOR = 1 << 0,    /* in: the family's balance is < 0 */
	RULES_F_CHANGED = 1 << 1,   /* the state changed: the batch decided it */
	RULES_F_PROMOTED = 1 << 2,  /* waitlisted -> accepted by a promotion */
	RULES_F_CANCELLED = 1 << 3, /* a reservation undone by a cancellation */
	RULES_F_EXPIRED = 1 << 4,   /* waitlisted -> expired */
	RULES_F_MOVED = 1 << 5,     /* only its waiting-list position changed */
};

#define RULES_NO_TIME (-1)

/*
 * One request, compact (40 bytes: a night holds a million of them).
 * Identifiers are the database's integer keys.
 */
struct rules_req {
	int64_t submitted_at; /* naive local instant (when.h) */
	int32_t seq;          /* import order: the tie-break after submitted_at */
	int32_t child;
	int32_t activity;
	int32_t day;
	int32_t position; /* waiting-list position, 1 = next; 0 when not waitlisted */
	int32_t undoes;   /* out: for an accepted cancel, seq of the reservation undone */
	int16_t arrival;  /* minutes since midnight, or RULES_NO_TIME */
	int16_t departure;
	uint8_t action; /* enum rules_action */
	uint8_t state;  /* enum rules_state */
	uint8_t reason; /* enum rules_reason, RULES_OK unless refused */
	uint8_t flags;  /* RULES_F_* */
};

/* How an activity's deadline day is found (contract section 4, deadline_rule). */
enum rules_deadline_rule {
	RULES_DL_CALENDAR = 0, /* D - deadline_days calendar days */
	RULES_DL_OPEN,         /* the deadline_days-th open day of the activity before D */
	RULES_DL_WEEK,         /* deadline_wday of the week before D's week */
};

/* An activity's rules. */
struct rules_activity {
	int32_t ref;
	int capacity;     /* places per day, -1 = unlimited */
	int waitlist;     /* 0 = no list, -1 = unlimited, N = at most N */
	int promote_days; /* promote only when slot day - batch day >= this */
	int hours_from;   /* minutes, or RULES_NO_TIME when the activity has no hours */
	int hours_to;
	int deadline_days;
	int deadline_time; /* minutes */
	int deadline_rule; /* enum rules_deadline_rule */
	int deadline_wday; /* week rule: 0 = Monday .. 6 = Sunday */
};

/* The open days of one activity, sorted ascending (when.h day numbers). */
struct rules_openings {
	const int32_t *days;
	size_t n;
};

/* The batch-wide settings. */
struct rules_batch {
	int32_t day;         /* the batch's date (today) */
	int refuse_debtor;   /* [transmit] refuse_debtor */
	int expire_waitlist; /* [transmit] expire_waitlist */
};

/* One slot: an activity on a day. */
struct rules_slot {
	const struct rules_activity *act;
	const struct rules_openings *open_days; /* the activity's; needed by RULES_DL_OPEN */
	int32_t day;
	int open;     /* 1 when the activity has an opening that day */
	int capacity; /* the effective capacity (rules_capacity), -1 = unlimited */
};

/* What a batch did, counted as it happens. */
struct rules_counts {
	long n_requests;               /* pending requests decided */
	long n_accepted;               /* ... first given accepted */
	long n_waitlisted;             /* ... first given waitlisted */
	long n_refused;                /* ... refused, any reason */
	long n_reason[RULES_NREASONS]; /* refused per reason (index RULES_CLOSED...) */
	long n_promoted;               /* waitlisted -> accepted */
	long n_expired;                /* waitlisted -> expired */
	long n_cancelled;              /* reservations undone by a cancellation */
};

/*
 * What the rules decided, one event per transition, in the order it
 * happened within the slot (contract section 5: --request explains a
 * decision as it was made, including what happened later the same night).
 */
enum rules_event_kind {
	RULES_EV_ACCEPTED = 1, /* a pending request accepted */
	RULES_EV_WAITLISTED,   /* a pending reservation joined the list */
	RULES_EV_REFUSED,      /* a pending request refused */
	RULES_EV_PROMOTED,     /* waitlisted -> accepted */
	RULES_EV_CANCELLED,    /* a reservation undone by a cancellation */
	RULES_EV_EXPIRED,      /* waitlisted -> expired */
};
#define RULES_NEVENTS 7

/* Which check of the hours failed (rules_times_check), RULES_EV_REFUSED times. */
enum rules_times_fail {
	RULES_TIMES_OK = 0,
	RULES_TIMES_NO_ARRIVAL, /* the activity has hours and no arrival was given */
	RULES_TIMES_ARRIVAL,    /* the arrival is outside the hours */
	RULES_TIMES_DEPARTURE,  /* the departure is outside the hours */
	RULES_TIMES_ORDER,      /* the departure is not after the arrival */
};

/* Why a reservation was refused full (RULES_EV_REFUSED full). */
enum rules_full_why {
	RULES_FULL_NO_LIST = 1, /* no place free, and the activity has no list */
	RULES_FULL_LIST_FULL,   /* no place free, and the list was at its limit */
};

/*
 * One event. The facts depend on the kind:
 *   ACCEPTED   cancel: other = seq of the reservation it undid;
 *   WAITLISTED position = the position it was given;
 *   REFUSED    reason; duplicate: other = seq of the request holding the
 *              child's place or list entry then; deadline: deadline = the
 *              instant applied (rules_deadline); times: detail = enum
 *              rules_times_fail, hours_from/hours_to = the hours applied;
 *              full: detail = enum rules_full_why, position = the list's
 *              limit when full;
 *   PROMOTED   other = seq of the cancellation that freed the place, 0 when
 *              the place was free when the slot was opened (a capacity
 *              raised, or promote_days reached);
 *   CANCELLED  other = seq of the cancellation; prev = the state it left
 *              (RULES_ACCEPTED or RULES_WAITLISTED), position = its list
 *              position when waitlisted;
 *   EXPIRED    position = its list position.
 * implied is set (once the slot is resolved) on an event the request's
 * decision says all of: a pending request accepted and still accepted at the
 * end of the slot (a cancel's `other` is its undoes), or refused closed,
 * debtor or nothing_to_cancel (no facts beyond the reason). Such an event is
 * its request's only one in the batch, so a store may keep the decision
 * alone and give the event back from it (db_event.h does).
 */
struct rules_event {
	const struct rules_req *req; /* the request, while the caller's records live */
	int64_t deadline;
	int32_t seq; /* the request */
	int32_t other;
	int32_t position;
	int16_t hours_from, hours_to;
	uint8_t kind;   /* enum rules_event_kind */
	uint8_t reason; /* enum rules_reason */
	uint8_t detail;
	uint8_t prev;    /* enum rules_state */
	uint8_t implied; /* 1: the decision says it all (see above) */
};

/* "accepted", "waitlisted", "refused", "promoted", "cancelled", "expired". */
const char *rules_event_name(enum rules_event_kind k);
int rules_event_parse(const char *s); /* -1 when unknown */
/* "no_arrival", "arrival", "departure", "order" ("" for RULES_TIMES_OK). */
const char *rules_times_fail_name(enum rules_times_fail f);
int rules_times_fail_parse(const char *s); /* RULES_TIMES_OK when unknown */
/* "no_list", "list_full". */
const char *rules_full_why_name(enum rules_full_why w);
int rules_full_why_parse(const char *s); /* 0 when unknown */

/*
 * Scratch space for rules_resolve_slot; zero it (or rules_work_init) first.
 * events[0..nevents): every slot's events are appended there, in the order
 * they happened; the caller reads them and empties the list (nevents = 0)
 * when it wants.
 */
struct rules_work {
	void *table;
	size_t table_cap;
	struct rules_req **queue;
	size_t queue_cap;
	struct rules_event *events;
	size_t nevents, events_cap;
};

void rules_work_init(struct rules_work *w);
void rules_work_release(struct rules_work *w);

/* Names for the database and the export: "accepted", "full"... ("" for RULES_OK). */
const char *rules_state_name(enum rules_state s);
const char *rules_reason_name(enum rules_reason r);
/* Parse a name back; -1 when unknown (or NULL). */
int rules_state_parse(const char *s);
int rules_reason_parse(const char *s);

/*
 * The slot's capacity: the opening's when it has one (has_open_cap), else
 * the activity's. -1 = unlimited.
 */
int rules_capacity(const struct rules_activity *a, int has_open_cap, int open_cap);

/*
 * The deadline for day `day` of activity a (naive local seconds, when.h): a
 * request is on time when submitted_at < the returned instant. The day is
 * found by a->deadline_rule (contract section 4):
 *   calendar: day - deadline_days;
 *   open:     the deadline_days-th day of o before day (0: day itself);
 *             missing open days before the first one of o count as
 *             calendar days before it (o NULL or empty: calendar);
 *   week:     deadline_wday of the week before day's week (Monday first);
 * and closed at deadline_time. o is read by RULES_DL_OPEN only (may be NULL
 * otherwise).
 */
int64_t rules_deadline(const struct rules_activity *a, const struct rules_openings *o, int32_t day);

/* The day part of rules_deadline (the instant is that day at deadline_time). */
int32_t rules_deadline_day(const struct rules_activity *a, const struct rules_openings *o,
                           int32_t day);

/* 1 when a request submitted at submitted_at for day is on time (rules_deadline). */
int rules_on_time(const struct rules_activity *a, const struct rules_openings *o, int32_t day,
                  int64_t submitted_at);

/* Names of the deadline rules as the import and the database write them:
 * "calendar", "open", "week". */
const char *rules_deadline_rule_name(enum rules_deadline_rule r);
/* The stored name back to the enum (NULL or unknown: RULES_DL_CALENDAR). */
int rules_deadline_rule_read(const char *name);

/*
 * Parse an import's deadline_rule: calendar, open/ouvré, week:DAY/semaine:DAY
 * (DAY a French or English weekday, full or three letters, any case, accents
 * optional). Returns 0 and fills *rule and *wday (0 unless week), or -1 with
 * a short reason in *why (a static string).
 */
int rules_deadline_rule_parse(const char *s, int *rule, int *wday, const char **why);

/* Which check of a's hours r fails (RULES_TIMES_OK: none, or no hours). */
enum rules_times_fail rules_times_check(const struct rules_activity *a, const struct rules_req *r);

/*
 * Validate one request, first failing rule wins: closed, deadline, times
 * (reservations), debtor (reservations, when b->refuse_debtor). Returns
 * RULES_OK or the refusal reason.
 */
enum rules_reason rules_validate(const struct rules_slot *s, const struct rules_batch *b,
                                 const struct rules_req *r);

/*
 * 1 when the list of slot s may be promoted in a batch of day b->day:
 * s->day - b->day >= promote_days.
 */
int rules_may_promote(const struct rules_slot *s, const struct rules_batch *b);

/*
 * Resolve one slot. reqs[0..n) holds the slot's reservations in state
 * accepted (they hold a place) or waitlisted, and the batch's pending
 * requests for the slot, in any order; the function sorts the pointer array
 * by (submitted_at, seq). Every request must have reason RULES_OK and the
 * flags cleared except RULES_F_DEBTOR; waitlisted ones carry their stored
 * position. On return each record holds its new state, reason, position,
 * undoes and event flags; counts are added to *c, and the events of the slot
 * are appended to w->events. Steps (contract section 4):
 * promote while places are free and a list waits; apply the valid requests
 * in order; expire the list of a past day (b->expire_waitlist); renumber the
 * list 1..n in the order requests joined it: the stored list in its stored
 * order (position, then seq), then tonight's arrivals in (submitted_at, seq)
 * order. A request reaching a later batch joins behind everyone already
 * waiting, even if submitted earlier: a position given never gets worse.
 */
void rules_resolve_slot(struct rules_work *w, const struct rules_slot *s,
                        const struct rules_batch *b, struct rules_req **reqs, size_t n,
                        struct rules_counts *c);

/* Order of rules_resolve_slot: submitted_at, then seq. For qsort on pointers. */
int rules_cmp_time(const void *a, const void *b);

#endif
