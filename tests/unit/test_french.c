/* Unit tests of lib/french.c: dates and labels in French, without a locale. */
#include "french.h"

#include <locale.h>
#include <stdlib.h>

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

static int
coll(const char *a, const char *b)
{
	return french_collate(a, strlen(a), b, strlen(b));
}

static int
cmp_names(const void *a, const void *b)
{
	return coll(*(const char *const *)a, *(const char *const *)b);
}

static void
test_collate(void)
{
	/* Byte order would put every accented capital after Z. */
	const char *names[] = {"Zoé",    "Louise", "Éloïse", "emma", "Émile",
	                       "Élodie", "Œdipe",  "Oscar",  "Ève",  "Eve",
	                       "Çelik",  "Cyril",  "Noé",    "Noe",  "Ødegaard"};
	const char *want[] = {"Çelik", "Cyril",    "Élodie", "Éloïse", "Émile",
	                      "emma",  "Eve",      "Ève",    "Louise", "Noe",
	                      "Noé",   "Ødegaard", "Œdipe",  "Oscar",  "Zoé"};
	size_t n = sizeof(names) / sizeof(names[0]);

	qsort(names, n, sizeof(names[0]), cmp_names);
	for (size_t i = 0; i < n; i++)
		CHECK_STR(names[i], want[i]);
	CHECK(coll("Éloïse", "Zoé") < 0);
	CHECK(coll("Éloïse", "Louise") < 0);
	CHECK(coll("e", "é") < 0 && coll("é", "è") < 0 && coll("è", "ê") < 0 && coll("ê", "ë") < 0);
	CHECK(coll("cote", "Cote") < 0); /* case last: lower first */
	CHECK(coll("Cote", "côte") < 0); /* accent before case */
	CHECK(coll("Martin", "Martin") == 0);
	CHECK(coll("Mart", "Martin") < 0);
	CHECK(coll("Strauss", "Straß") != 0);
	/* Invalid UTF-8 does not crash and is ordered consistently. */
	CHECK(coll("a\xff", "a\xfe") > 0 && coll("a\xfe", "a\xff") < 0);
}

static void
test_words(void)
{
	long c[FRENCH_NOUTCOMES] = {12, 1, 2, 0};
	struct buf b = {0};
	char m[FRENCH_MOMENT_LEN];
	int64_t t = 0;

	french_summary(&b, c);
	CHECK_STR(b.p, "En résumé : 12 acceptées, 1 en liste d'attente, 2 refusées.");
	buf_release(&b);
	c[0] = 1, c[1] = 0, c[2] = 1, c[3] = 3;
	french_summary(&b, c);
	CHECK_STR(b.p, "En résumé : 1 acceptée, 1 refusée, 3 non retenues.");
	buf_release(&b);
	when_parse_datetime("2019-12-03 10:00", &t);
	french_moment(t, m);
	CHECK_STR(m, "mardi 03 décembre 2019 à 10h00");
	/* Midnight is the end of the day before. */
	when_parse_datetime("2019-12-03 00:00", &t);
	french_moment(t, m);
	CHECK_STR(m, "lundi 02 décembre 2019 à 23h59");
	french_cancel_until(&b, t, t - 1);
	CHECK_STR(b.p,
	          "Annulation possible sur le portail jusqu'au lundi 02 décembre 2019 à 23h59.");
	buf_release(&b);
	french_cancel_until(&b, t, t);
	CHECK_STR(b.p, "Trop tard pour annuler en ligne (c'était possible jusqu'au lundi 02 "
	               "décembre 2019 à 23h59).");
	buf_release(&b);
	french_notice_subject(&b, "Rose", when_day_from_ymd(2019, 12, 5), "Restaurant scolaire", 0);
	CHECK_STR(b.p, "Place obtenue pour Rose : jeudi 05 décembre 2019, Restaurant scolaire");
	buf_release(&b);
	french_notice_subject(&b, "Rose", when_day_from_ymd(2019, 12, 5), "Cantine", 2);
	CHECK_STR(b.p, "Place obtenue pour Rose : jeudi 05 décembre 2019, Cantine (et 2 autres "
	               "places)");
	buf_release(&b);
	CHECK_STR(french_phrase(FRENCH_NOTICE_INTRO, 1),
	          "Bonne nouvelle : une place s'est libérée. Votre demande suivante, qui était en "
	          "liste d'attente, est maintenant acceptée :");
	CHECK(strstr(french_phrase(FRENCH_NOTICE_INTRO, 2), "des places se sont libérées") != NULL);
	for (int p = 0; p < FRENCH_NPHRASES; p++)
		for (long n = 1; n <= 2; n++)
			CHECK(strstr(french_phrase((enum french_phrase)p, n), "averti") == NULL);
}

static void
why(const struct french_why *w, const char *want)
{
	struct buf b = {0};

	CHECK_INT(french_why(&b, w), want != NULL);
	if (want != NULL)
		CHECK_STR(b.p, want);
	buf_release(&b);
}

static void
test_why(void)
{
	struct french_why w;

	memset(&w, 0, sizeof(w));
	w.hours_from = w.hours_to = w.arrival = -1;
	w.deadline = FRENCH_NO_MOMENT;
	w.reason = "times";
	w.hours_from = 7 * 60 + 30;
	w.hours_to = 8 * 60 + 30;
	why(&w, "Horaires de l'activité : de 07h30 à 08h30 ; l'heure d'arrivée n'était pas "
	        "indiquée.");
	w.arrival = 7 * 60;
	why(&w, "Horaires de l'activité : de 07h30 à 08h30.");
	w.reason = "deadline";
	when_parse_datetime("2019-12-04 10:00", &w.deadline);
	when_parse_datetime("2019-12-04 11:02:40", &w.submitted_at);
	why(&w, "Il fallait la faire jusqu'au mercredi 04 décembre 2019 à 10h00 ; elle a été "
	        "envoyée le mercredi 04 décembre 2019 à 11h02.");
	w.reason = "full";
	w.waitlist = 3;
	why(&w, "Toutes les places étaient prises et la liste d'attente (3 places) était "
	        "complète aussi.");
	w.waitlist = 1;
	why(&w, "Toutes les places étaient prises et la liste d'attente (1 place) était "
	        "complète aussi.");
	w.waitlist = 0;
	why(&w, "Toutes les places étaient prises, et cette activité n'a pas de liste "
	        "d'attente.");
	w.reason = "duplicate";
	w.holder_state = "accepted";
	when_parse_datetime("2019-12-01 09:15", &w.holder_submitted);
	why(&w, "La demande précédente pour ce jour (envoyée le dimanche 01 décembre 2019 à 09h15) "
	        "est acceptée : c'est elle qui compte.");
	w.holder_state = "waitlisted";
	w.holder_position = 2;
	why(&w, "La demande précédente pour ce jour (envoyée le dimanche 01 décembre 2019 à 09h15) "
	        "est en liste d'attente (position 2) : c'est elle qui compte.");
	w.holder_state = NULL;
	why(&w, NULL);
	w.reason = "nothing_to_cancel";
	why(&w, NULL);
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
	T_RUN(test_collate);
	T_RUN(test_words);
	T_RUN(test_why);
	T_RUN(test_dates);
	T_RUN(test_names);
	T_RUN(test_labels);
	T_RUN(test_truncation);
	T_RUN(test_deadline_words);
	return t_status();
}
