/* Unit tests of lib/french.c: dates and labels in French, without a locale. */
#include "french.h"

#include <locale.h>

#include "rules.h"
#include "t.h"
#include "when.h"

static void
date_of(int y, int m, int d, const char *want)
{
	char buf[FRENCH_DATE_LEN];

	french_date(when_day_from_ymd(y, m, d), buf);
	CHECK_STR(buf, want);
}

static void
test_dates(void)
{
	date_of(2019, 12, 6, "vendredi 06 décembre 2019");
	date_of(2020, 2, 29, "samedi 29 février 2020");
	date_of(2019, 8, 15, "jeudi 15 août 2019");
	date_of(2024, 1, 1, "lundi 01 janvier 2024");
	date_of(1970, 1, 1, "jeudi 01 janvier 1970");
	date_of(2021, 3, 7, "dimanche 07 mars 2021");
	date_of(2019, 12, 3, "mardi 03 décembre 2019");
	date_of(2019, 12, 4, "mercredi 04 décembre 2019");
	date_of(2999, 9, 30, "lundi 30 septembre 2999");
}

static void
test_names(void)
{
	static const char *const wd[] = {"lundi",    "mardi",  "mercredi", "jeudi",
	                                 "vendredi", "samedi", "dimanche"};
	static const char *const mo[] = {"janvier",   "février", "mars",     "avril",
	                                 "mai",       "juin",    "juillet",  "août",
	                                 "septembre", "octobre", "novembre", "décembre"};

	for (int i = 0; i < 7; i++)
		CHECK_STR(french_weekday(i), wd[i]);
	for (int i = 0; i < 12; i++)
		CHECK_STR(french_month(i + 1), mo[i]);
	CHECK_STR(french_weekday(7), "?");
	CHECK_STR(french_month(0), "?");
	CHECK_STR(french_month(13), "?");
	/* A locale must not matter. */
	setlocale(LC_ALL, "C");
	CHECK_STR(french_month(2), "février");
}

static void
label(const char *state, const char *reason, int pos, const char *want)
{
	char buf[96];

	CHECK_STR(french_outcome(state, reason, pos, buf, sizeof(buf)), want);
}

static void
test_labels(void)
{
	label("accepted", NULL, 0, "Acceptée");
	label("cancelled", NULL, 0, "Acceptée");
	label("waitlisted", NULL, 3, "En liste d'attente (position 3)");
	label("waitlisted", NULL, 12, "En liste d'attente (position 12)");
	label("refused", "full", 0, "Refusée : activité complète");
	label("refused", "closed", 0, "Refusée : activité non ouverte ce jour");
	label("refused", "deadline", 0, "Refusée : hors délai");
	label("refused", "times", 0, "Refusée : horaires incompatibles");
	label("refused", "debtor", 0, "Refusée : compte débiteur");
	label("refused", "duplicate", 0, "Refusée : déjà demandée");
	label("refused", "nothing_to_cancel", 0, "Refusée : aucune réservation à annuler");
	label("expired", NULL, 0, "Non retenue : liste d'attente close");
	label("pending", NULL, 0, "Non transmise");
	label("refused", "unknown", 0, "Refusée");
	CHECK_STR(french_action("reserve"), "Réservation");
	CHECK_STR(french_action("cancel"), "Annulation");
}

static void
test_truncation(void)
{
	char buf[8];

	french_outcome("refused", "full", 0, buf, sizeof(buf));
	CHECK_INT(strlen(buf), 7);
	CHECK(memcmp(buf, "Refus", 5) == 0);
}

static void
test_deadline_words(void)
{
	char buf[160], t[FRENCH_TIME_LEN];
	int32_t fri = when_day_from_ymd(2019, 12, 6), thu = when_day_from_ymd(2019, 11, 28);

	french_time(11 * 60, t);
	CHECK_STR(t, "11 h 00");
	french_time(7 * 60 + 45, t);
	CHECK_STR(t, "07 h 45");
	CHECK_STR(french_deadline(RULES_DL_OPEN, 1, 0, fri, 660, buf, sizeof(buf)),
	          "la veille ouvrée (vendredi 06 décembre 2019) à 11 h 00");
	CHECK_STR(french_deadline(RULES_DL_OPEN, 3, 0, fri, 660, buf, sizeof(buf)),
	          "3 jours ouvrés avant (vendredi 06 décembre 2019) à 11 h 00");
	CHECK_STR(french_deadline(RULES_DL_CALENDAR, 1, 0, fri, 600, buf, sizeof(buf)),
	          "la veille (vendredi 06 décembre 2019) à 10 h 00");
	CHECK_STR(french_deadline(RULES_DL_CALENDAR, 8, 0, fri, 0, buf, sizeof(buf)),
	          "8 jours avant (vendredi 06 décembre 2019) à 00 h 00");
	CHECK_STR(french_deadline(RULES_DL_CALENDAR, 0, 0, fri, 600, buf, sizeof(buf)),
	          "le jour même (vendredi 06 décembre 2019) à 10 h 00");
	CHECK_STR(french_deadline(RULES_DL_WEEK, 5, 3, thu, 540, buf, sizeof(buf)),
	          "le jeudi de la semaine précédente (jeudi 28 novembre 2019) à 09 h 00");
}

int
main(void)
{
	T_RUN(test_dates);
	T_RUN(test_names);
	T_RUN(test_labels);
	T_RUN(test_truncation);
	T_RUN(test_deadline_words);
	return t_status();
}
