/*
 * french.h - the French words of the mail: dates, actions and outcomes.
 *
 * No locale is consulted: the weekday and month names are tables here, so a
 * cron job with LANG=C writes the same "vendredi 06 décembre 2019" as an
 * operator's shell. Every string is UTF-8. Pure functions over when.h.
 * Names sort the French way here too (french_collate), not byte by byte.
 */
#ifndef NOCTURNE_FRENCH_H
#define NOCTURNE_FRENCH_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

/* "lundi" ... "dimanche" for 0 = Monday ... 6 = Sunday; "?" out of range. */
const char *french_weekday(int wday);
/* "janvier" ... "décembre" for 1 ... 12; "?" out of range. */
const char *french_month(int month);

/* Long enough for "mercredi 30 septembre 2999" and its accents. */
#define FRENCH_DATE_LEN 48
/* Write day as "vendredi 06 décembre 2019" (day of month on two digits). */
void french_date(int32_t day, char buf[FRENCH_DATE_LEN]);

/* "11 h 00": a time of day (minutes since midnight) as French writes it. */
#define FRENCH_TIME_LEN 16
void french_time(int minutes, char buf[FRENCH_TIME_LEN]);

/*
 * A deadline in the words towns use (contract section 4, deadline_rule):
 * rule (enum rules_deadline_rule), days (deadline_days), wday (week rule),
 * the deadline's day as rules_deadline_day found it, and deadline_time:
 *   "la veille ouvrée (vendredi 06 décembre 2019) à 11 h 00",
 *   "2 jours avant (mercredi 04 décembre 2019) à 10 h 00",
 *   "le jeudi de la semaine précédente (jeudi 28 novembre 2019) à 09 h 00".
 * Writes at most n bytes into buf and returns buf.
 */
char *french_deadline(int rule, int days, int wday, int32_t deadline_day, int minutes, char *buf,
                      size_t n);

/* "Réservation" for "reserve", "Annulation" for anything else ("cancel"). */
const char *french_action(const char *action);

/*
 * The outcome label of a request as the compte-rendu shows it (contract
 * section 6), from its state ("accepted", "waitlisted", "refused",
 * "expired", "cancelled", "pending"), its reason (refused only, may be NULL)
 * and its waiting-list position (waitlisted only). A "cancelled"
 * reservation shows "Acceptée": the cancellation has its own line.
 * Writes at most n bytes (NUL included) into buf and returns buf.
 */
char *french_outcome(const char *state, const char *reason, int position, char *buf, size_t n);

/*
 * A deadline instant t (naive local, when.h) as "mardi 03 décembre 2019 à
 * 10h00". Deadlines are exclusive: one at midnight is written as the day
 * before at 23h59, the last minute that is still on time.
 */
#define FRENCH_MOMENT_LEN (FRENCH_DATE_LEN + 16)
void french_moment(int64_t t, char buf[FRENCH_MOMENT_LEN]);

/* The outcomes the summary counts, in its order. */
enum french_outcome_kind {
	FRENCH_ACCEPTED = 0,
	FRENCH_WAITLISTED,
	FRENCH_REFUSED,
	FRENCH_EXPIRED,
	FRENCH_NOUTCOMES
};
/*
 * Append "En résumé : 12 acceptées, 1 en liste d'attente, 2 refusées."
 * (only the outcomes that occur, each in agreement with its count).
 */
void french_summary(struct buf *b, const long counts[FRENCH_NOUTCOMES]);

/*
 * Compare two UTF-8 names the French way: letters first, accents and case
 * ignored (Éloïse sorts with the E, Œ as OE), then accents (e, é, è, ê, ë),
 * then case (lower first), then bytes, so that only identical strings are
 * equal. Returns <0, 0 or >0, like strcmp. Invalid UTF-8 compares byte by byte.
 */
int french_collate(const char *a, size_t an, const char *b, size_t bn);

/* Append "Cantine, École Jules Ferry (arrivée 16h30, départ 18h00)" (clean input). */
void french_describe(struct buf *b, const char *activity, const char *structure, int arrival,
                     int departure);

/*
 * Append until when the family can cancel on the portal ("Annulation
 * possible sur le portail jusqu'au mardi 03 décembre 2019 à 10h00."), or,
 * when now is not before deadline, that it is too late to cancel online.
 */
void french_cancel_until(struct buf *b, int64_t deadline, int64_t now);

#define FRENCH_NO_MOMENT INT64_MIN
/* The facts of a refusal, for french_why. */
struct french_why {
	const char *reason;       /* "times", "deadline", "full", "duplicate"... */
	int hours_from, hours_to; /* the activity's hours, -1 = none */
	int arrival;              /* the request's, -1 = none */
	int waitlist;             /* the activity's list: 0 none, -1 unlimited, N */
	int64_t deadline;         /* the missed deadline, or FRENCH_NO_MOMENT */
	int64_t submitted_at;
	const char *holder_state; /* duplicate: the earlier request's state, or NULL */
	int holder_position;
	int64_t holder_submitted; /* and when it was sent */
};
/*
 * Append the concrete why of a refusal (the activity's hours, the missed
 * deadline and when the request was sent, that the waiting list was full
 * too, which earlier request holds the slot). Returns 1 if something was
 * written, 0 when there is nothing to add to the label.
 */
int french_why(struct buf *b, const struct french_why *w);

/* The fixed sentences of the mail; n picks singular (n <= 1) or plural. */
enum french_phrase {
	FRENCH_HELLO = 0,
	FRENCH_REPORT_INTRO,
	FRENCH_NOT_ACCEPTED_FIRST,
	FRENCH_WAITLIST_REMINDER,
	FRENCH_NOTICE_INTRO,
	FRENCH_NOTICE_CANCEL,
	FRENCH_PORTAL,
	FRENCH_CONTACT,
	FRENCH_REGARDS,
	FRENCH_SIGNATURE, /* the default signature ("\\n" breaks lines) */
	FRENCH_NPHRASES
};
const char *french_phrase(enum french_phrase p, long n);

/* "Portail Famille : compte-rendu du mardi 03 décembre 2019 pour Hugo et Léa". */
void french_report_subject(struct buf *b, int32_t day, const char *const *firsts, size_t n);
/*
 * "Place obtenue pour Rose : jeudi 05 décembre 2019, Restaurant scolaire",
 * then " (et 2 autres places)" when more follow.
 */
void french_notice_subject(struct buf *b, const char *first, int32_t day, const char *activity,
                           size_t more);
/* "En résumé : 1 place obtenue." / "En résumé : 2 places obtenues." */
void french_notice_summary(struct buf *b, long n);
/* Two children of one family with the same name: "Léa Martin (fiche C12)". */
void french_twin(struct buf *b, const char *name, const char *key);

#endif
