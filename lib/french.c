#include "french.h"

#include <stdio.h>
#include <string.h>

#include "rules.h"
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

void
french_time(int minutes, char buf[FRENCH_TIME_LEN])
{
	snprintf(buf, FRENCH_TIME_LEN, "%02d h %02d", (minutes / 60) % 100, minutes % 60);
}

char *
french_deadline(int rule, int days, int wday, int32_t deadline_day, int minutes, char *buf,
                size_t n)
{
	char d[FRENCH_DATE_LEN], t[FRENCH_TIME_LEN], what[64];

	french_date(deadline_day, d);
	french_time(minutes, t);
	if (rule == RULES_DL_WEEK)
		snprintf(what, sizeof(what), "le %s de la semaine précédente",
		         french_weekday(wday));
	else if (days == 0)
		snprintf(what, sizeof(what), "le jour même");
	else if (days == 1)
		snprintf(what, sizeof(what), "%s",
		         rule == RULES_DL_OPEN ? "la veille ouvrée" : "la veille");
	else
		snprintf(what, sizeof(what), "%d jours%s avant", days,
		         rule == RULES_DL_OPEN ? " ouvrés" : "");
	snprintf(buf, n, "%s (%s) à %s", what, d, t);
	return buf;
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
