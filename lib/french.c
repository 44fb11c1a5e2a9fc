#include "french.h"

#include <stdio.h>
#include <string.h>

#include "when.h"

static const char *const weekdays[] = {"lundi",    "mardi",  "mercredi", "jeudi",
                                       "vendredi", "samedi", "dimanche"};

static const char *const months[] = {"janvier",   "février", "mars",     "avril",
                                     "mai",       "juin",    "juillet",  "août",
                                     "septembre", "octobre", "novembre", "décembre"};

const char *
french_weekday(int wday)
{
	return wday >= 0 && wday < 7 ? weekdays[wday] : "?";
}

const char *
french_month(int month)
{
	return month >= 1 && month <= 12 ? months[month - 1] : "?";
}

void
french_date(int32_t day, char buf[FRENCH_DATE_LEN])
{
	int y, m, d;

	when_ymd_from_day(day, &y, &m, &d);
	snprintf(buf, FRENCH_DATE_LEN, "%s %02d %s %04d", french_weekday(when_weekday(day)), d,
	         french_month(m), y);
}

const char *
french_action(const char *action)
{
	return action != NULL && strcmp(action, "reserve") == 0 ? "Réservation" : "Annulation";
}

/* Refusal reasons (contract section 4) and their labels. */
static const struct {
	const char *reason;
	const char *label;
} refusals[] = {
    {"full", "Refusée : activité complète"},
    {"closed", "Refusée : activité non ouverte ce jour"},
    {"deadline", "Refusée : hors délai"},
    {"times", "Refusée : horaires incompatibles"},
    {"debtor", "Refusée : compte débiteur"},
    {"duplicate", "Refusée : déjà demandée"},
    {"nothing_to_cancel", "Refusée : aucune réservation à annuler"},
};

char *
french_outcome(const char *state, const char *reason, int position, char *buf, size_t n)
{
	const char *label = "Non transmise";

	if (n == 0)
		return buf;
	if (state == NULL)
		state = "pending";
	if (strcmp(state, "accepted") == 0 || strcmp(state, "cancelled") == 0) {
		label = "Acceptée";
	} else if (strcmp(state, "waitlisted") == 0) {
		if (position > 0)
			snprintf(buf, n, "En liste d'attente (position %d)", position);
		else
			snprintf(buf, n, "En liste d'attente");
		return buf;
	} else if (strcmp(state, "expired") == 0) {
		label = "Non retenue : liste d'attente close";
	} else if (strcmp(state, "refused") == 0) {
		label = "Refusée";
		for (size_t i = 0; reason != NULL && i < sizeof(refusals) / sizeof(refusals[0]);
		     i++)
			if (strcmp(reason, refusals[i].reason) == 0)
				label = refusals[i].label;
	}
	snprintf(buf, n, "%s", label);
	return buf;
}
