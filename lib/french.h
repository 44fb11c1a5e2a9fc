/*
 * french.h - the French words of the mail: dates, actions and outcomes.
 *
 * No locale is consulted: the weekday and month names are tables here, so a
 * cron job with LANG=C writes the same "vendredi 06 décembre 2019" as an
 * operator's shell. Every string is UTF-8. Pure functions over when.h.
 */
#ifndef NOCTURNE_FRENCH_H
#define NOCTURNE_FRENCH_H

#include <stddef.h>
#include <stdint.h>

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

#endif
