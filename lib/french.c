#include "french.h"

#include <stdio.h>
#include <string.h>

#include "rules.h"
#include "text.h"
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

/* "16h30" for minutes since midnight (two digits each); "?" when out of range.
 * The mail's form (french_time is the explanation's "16 h 30"). */
#define FRENCH_HHMM_LEN 8
static void
french_hhmm(int minutes, char buf[FRENCH_HHMM_LEN])
{
	if (minutes < 0 || minutes > 99 * 60 + 59) {
		snprintf(buf, FRENCH_HHMM_LEN, "?");
		return;
	}
	snprintf(buf, FRENCH_HHMM_LEN, "%02dh%02d", minutes / 60, minutes % 60);
}

void
french_moment(int64_t t, char buf[FRENCH_MOMENT_LEN])
{
	int32_t day = when_day_of(t);
	int m = (int)((t - (int64_t)day * WHEN_DAY_SECS) / 60);
	char date[FRENCH_DATE_LEN], time[FRENCH_HHMM_LEN];

	/* A deadline at midnight is the end of the day before: say that day. */
	if (m == 0) {
		day--;
		m = 23 * 60 + 59;
	}
	french_date(day, date);
	french_hhmm(m, time);
	snprintf(buf, FRENCH_MOMENT_LEN, "%s à %s", date, time);
}

/* one when n is 1 (or 0: "0 acceptée" reads as French does), else many. */
static const char *
french_plural(long n, const char *one, const char *many)
{
	return n == 1 || n == -1 || n == 0 ? one : many;
}

void
french_summary(struct buf *b, const long counts[FRENCH_NOUTCOMES])
{
	static const char *const words[FRENCH_NOUTCOMES][2] = {
	    {"acceptée", "acceptées"},
	    {"en liste d'attente", "en liste d'attente"},
	    {"refusée", "refusées"},
	    {"non retenue", "non retenues"},
	};
	int first = 1;

	buf_adds(b, "En résumé : ");
	for (int i = 0; i < FRENCH_NOUTCOMES; i++) {
		if (counts[i] <= 0)
			continue;
		buf_addf(b, "%s%ld %s", first ? "" : ", ", counts[i],
		         french_plural(counts[i], words[i][0], words[i][1]));
		first = 0;
	}
	if (first)
		buf_adds(b, "aucune demande");
	buf_adds(b, ".");
}

/*
 * One code point folded for French collation: its base letters in ASCII
 * lower case (up to 2: "œ" is "oe"), whether it carried an accent, whether
 * it was upper case. Letters outside Latin-1 and Latin Extended-A keep
 * their code point (they sort after the Latin letters).
 */
struct fold {
	char base[3];
	unsigned accent; /* 0, or the code point for the secondary level */
	int upper;
	unsigned long other; /* a code point with no Latin base, else 0 */
};

/* French order of the accents: e, é, è, ê, ë. */
static unsigned
accent_rank(char kind)
{
	const char *p = strchr("agcdtrCs", kind);

	return kind != '-' && p != NULL ? (unsigned)(p - "agcdtrCs") + 1 : 0;
}

static void
fold_cp(unsigned long cp, struct fold *f)
{
	/* U+00C0 .. U+00FF, by index: the base letters ("" = not a letter). */
	static const char *const latin1[64] = {
	    "a", "a", "a", "a", "a", "a", "ae", "c", "e", "e", "e", "e", "i", "i", "i",  "i",
	    "d", "n", "o", "o", "o", "o", "o",  "",  "o", "u", "u", "u", "u", "y", "th", "ss",
	    "a", "a", "a", "a", "a", "a", "ae", "c", "e", "e", "e", "e", "i", "i", "i",  "i",
	    "d", "n", "o", "o", "o", "o", "o",  "",  "o", "u", "u", "u", "u", "y", "th", "y"};

	/* The accent of U+00C0 .. U+00DF (and of their lower case, 32 further):
	 * acute, grave, circumflex, diaeresis, tilde, ring, Cedilla, stroke;
	 * '-' none (Æ, ß, Þ are letters of their own). */
	static const char kinds[] = "gactdr-Cgacdgacd"
	                            "stgactd-sgacda--";

	memset(f, 0, sizeof(*f));
	if (cp < 0x80) {
		char c = (char)cp;
		if (c >= 'A' && c <= 'Z') {
			c = (char)(c - 'A' + 'a');
			f->upper = 1;
		}
		f->base[0] = c;
		return;
	}
	if (cp >= 0xC0 && cp <= 0xFF && latin1[cp - 0xC0][0] != '\0') {
		snprintf(f->base, sizeof(f->base), "%s", latin1[cp - 0xC0]);
		f->upper = cp < 0xE0 && cp != 0xDF;
		f->accent = accent_rank(kinds[(cp - 0xC0) % 32]);
		if (cp == 0xFF)
			f->accent = accent_rank('d');
		return;
	}
	if (cp == 0x152 || cp == 0x153) { /* Œ œ */
		snprintf(f->base, sizeof(f->base), "oe");
		f->upper = cp == 0x152;
		return;
	}
	if (cp == 0x178) { /* Ÿ */
		f->base[0] = 'y';
		f->upper = 1;
		f->accent = 0xFF;
		return;
	}
	f->other = cp;
}

/* The next code point of s[*i..n) (an invalid byte counts as itself). */
static unsigned long
next_cp(const char *s, size_t n, size_t *i)
{
	const unsigned char *u = (const unsigned char *)s + *i;
	size_t k = text_utf8_len(s + *i, n - *i);
	unsigned long cp;

	if (k <= 1) {
		(*i)++;
		return u[0];
	}
	cp = u[0] & (k == 2 ? 0x1F : k == 3 ? 0x0F : 0x07);
	for (size_t j = 1; j < k; j++)
		cp = (cp << 6) | (u[j] & 0x3F);
	*i += k;
	return cp;
}

/* The primary weights of a string, one at a time. */
struct weights {
	const char *s;
	size_t n, i;
	struct fold f;
	size_t k; /* next byte of f.base */
};

/* The next primary weight, or -1 at the end: a folded letter, else 0x100 + cp. */
static long
next_weight(struct weights *w)
{
	for (;;) {
		if (w->f.base[w->k] != '\0')
			return (unsigned char)w->f.base[w->k++];
		if (w->i >= w->n)
			return -1;
		fold_cp(next_cp(w->s, w->n, &w->i), &w->f);
		w->k = 0;
		if (w->f.other != 0)
			return 0x100 + (long)w->f.other;
	}
}

/* Compare a and b at one level: 1 letters, 2 accents, 3 case. */
static int
collate_level(const char *a, size_t an, const char *b, size_t bn, int level)
{
	size_t i = 0, j = 0;
	struct fold fa, fb;

	if (level == 1) {
		struct weights wa = {a, an, 0, {{0}, 0, 0, 0}, 0};
		struct weights wb = {b, bn, 0, {{0}, 0, 0, 0}, 0};
		long x, y;

		do {
			x = next_weight(&wa);
			y = next_weight(&wb);
			if (x != y)
				return x < y ? -1 : 1;
		} while (x >= 0);
		return 0;
	}
	/* Accents or case: one value per code point, in order. */
	for (;;) {
		if (i >= an || j >= bn)
			return (i >= an) == (j >= bn) ? 0 : i >= an ? -1 : 1;
		fold_cp(next_cp(a, an, &i), &fa);
		fold_cp(next_cp(b, bn, &j), &fb);
		if (level == 2 && fa.accent != fb.accent)
			return fa.accent < fb.accent ? -1 : 1;
		if (level == 3 && fa.upper != fb.upper)
			return fa.upper < fb.upper ? -1 : 1;
	}
}

int
french_collate(const char *a, size_t an, const char *b, size_t bn)
{
	int c;

	/* The common case (a family's children share a last name) costs one memcmp. */
	if (an == bn && memcmp(a, b, an) == 0)
		return 0;
	for (int level = 1; level <= 3; level++)
		if ((c = collate_level(a, an, b, bn, level)) != 0)
			return c;
	c = memcmp(a, b, an < bn ? an : bn);
	if (c != 0)
		return c < 0 ? -1 : 1;
	return an == bn ? 0 : an < bn ? -1 : 1;
}

void
french_describe(struct buf *b, const char *activity, const char *structure, int arrival,
                int departure)
{
	char t[FRENCH_HHMM_LEN];

	buf_adds(b, activity);
	if (structure != NULL && structure[0] != '\0') {
		buf_adds(b, ", ");
		buf_adds(b, structure);
	}
	if (arrival >= 0) {
		french_hhmm(arrival, t);
		buf_addf(b, " (arrivée %s", t);
		if (departure >= 0) {
			french_hhmm(departure, t);
			buf_addf(b, ", départ %s", t);
		}
		buf_adds(b, ")");
	} else if (departure >= 0) {
		french_hhmm(departure, t);
		buf_addf(b, " (départ %s)", t);
	}
}

void
french_cancel_until(struct buf *b, int64_t deadline, int64_t now)
{
	char m[FRENCH_MOMENT_LEN];

	french_moment(deadline, m);
	if (now < deadline)
		buf_addf(b, "Annulation possible sur le portail jusqu'au %s.", m);
	else
		buf_addf(b, "Trop tard pour annuler en ligne (c'était possible jusqu'au %s).", m);
}

int
french_why(struct buf *b, const struct french_why *w)
{
	char m[FRENCH_MOMENT_LEN], s[FRENCH_MOMENT_LEN], t1[FRENCH_HHMM_LEN], t2[FRENCH_HHMM_LEN];
	const char *r = w->reason ? w->reason : "";

	if (strcmp(r, "times") == 0 && w->hours_from >= 0 && w->hours_to >= 0) {
		french_hhmm(w->hours_from, t1);
		french_hhmm(w->hours_to, t2);
		buf_addf(b, "Horaires de l'activité : de %s à %s", t1, t2);
		if (w->arrival < 0)
			buf_adds(b, " ; l'heure d'arrivée n'était pas indiquée");
		buf_adds(b, ".");
		return 1;
	}
	if (strcmp(r, "deadline") == 0 && w->deadline != FRENCH_NO_MOMENT) {
		french_moment(w->deadline, m);
		/* The sending time to the minute, written as itself (not as a deadline). */
		{
			int32_t day = when_day_of(w->submitted_at);
			char d[FRENCH_DATE_LEN];

			french_date(day, d);
			french_hhmm((int)((w->submitted_at - (int64_t)day * WHEN_DAY_SECS) / 60),
			            t1);
			snprintf(s, sizeof(s), "%s à %s", d, t1);
		}
		buf_addf(b, "Il fallait la faire jusqu'au %s ; elle a été envoyée le %s.", m, s);
		return 1;
	}
	if (strcmp(r, "full") == 0) {
		if (w->waitlist > 0)
			buf_addf(b,
			         "Toutes les places étaient prises et la liste d'attente "
			         "(%d %s) était complète aussi.",
			         w->waitlist, french_plural(w->waitlist, "place", "places"));
		else
			buf_adds(b,
			         "Toutes les places étaient prises, et cette activité n'a pas de "
			         "liste d'attente.");
		return 1;
	}
	if (strcmp(r, "duplicate") == 0 && w->holder_state != NULL) {
		const char *hs = w->holder_state;
		int32_t day = when_day_of(w->holder_submitted);
		char d[FRENCH_DATE_LEN];

		french_date(day, d);
		french_hhmm((int)((w->holder_submitted - (int64_t)day * WHEN_DAY_SECS) / 60), t1);
		buf_addf(b, "La demande précédente pour ce jour (envoyée le %s à %s) ", d, t1);
		if (strcmp(hs, "accepted") == 0)
			buf_adds(b, "est acceptée : c'est elle qui compte.");
		else if (strcmp(hs, "waitlisted") == 0 && w->holder_position > 0)
			buf_addf(b, "est en liste d'attente (position %d) : c'est elle qui compte.",
			         w->holder_position);
		else if (strcmp(hs, "waitlisted") == 0)
			buf_adds(b, "est en liste d'attente : c'est elle qui compte.");
		else
			buf_adds(b, "a été acceptée puis annulée depuis.");
		return 1;
	}
	if (strcmp(r, "debtor") == 0) {
		buf_adds(b, "Le solde de votre compte est négatif : réglez-le pour pouvoir "
		            "réserver.");
		return 1;
	}
	return 0;
}

const char *
french_phrase(enum french_phrase p, long n)
{
	static const char *const one[FRENCH_NPHRASES] = {
	    [FRENCH_HELLO] = "Bonjour,",
	    [FRENCH_REPORT_INTRO] = "Voici le compte-rendu du traitement de vos demandes de "
	                            "réservation et d'annulation transmises au Portail Famille.",
	    [FRENCH_NOT_ACCEPTED_FIRST] = "Pour chaque enfant, les demandes non acceptées "
	                                  "sont en tête de liste.",
	    [FRENCH_WAITLIST_REMINDER] =
	        "Pour la demande en liste d'attente, nous vous écrirons si une place se libère. "
	        "Si vous ne la souhaitez plus, annulez-la sur le portail le plus tôt possible : "
	        "la place pourra profiter à une autre famille.",
	    [FRENCH_NOTICE_INTRO] = "Bonne nouvelle : une place s'est libérée. Votre demande "
	                            "suivante, qui était en liste d'attente, est maintenant "
	                            "acceptée :",
	    [FRENCH_NOTICE_CANCEL] = "Si vous ne souhaitez plus cette place, annulez-la sur le "
	                             "portail le plus tôt possible : elle pourra ainsi profiter "
	                             "à une autre famille.",
	    [FRENCH_PORTAL] = "Pour réserver ou annuler : ",
	    [FRENCH_CONTACT] = "Pour nous joindre : ",
	    [FRENCH_REGARDS] = "Cordialement,",
	    [FRENCH_SIGNATURE] = "Le Portail Famille\\n(message envoyé automatiquement)",
	};
	static const char *const many[FRENCH_NPHRASES] = {
	    [FRENCH_WAITLIST_REMINDER] =
	        "Pour les demandes en liste d'attente, nous vous écrirons si une place se "
	        "libère. Si vous ne souhaitez plus l'une de ces places, annulez-la sur le "
	        "portail le plus tôt possible : elle pourra profiter à une autre famille.",
	    [FRENCH_NOTICE_INTRO] = "Bonne nouvelle : des places se sont libérées. Les demandes "
	                            "suivantes, qui étaient en liste d'attente, sont maintenant "
	                            "acceptées :",
	    [FRENCH_NOTICE_CANCEL] = "Si vous ne souhaitez plus l'une de ces places, annulez-la "
	                             "sur le portail le plus tôt possible : elle pourra ainsi "
	                             "profiter à une autre famille.",
	};

	if ((int)p < 0 || p >= FRENCH_NPHRASES)
		return "";
	if (n > 1 && many[p] != NULL)
		return many[p];
	return one[p] ? one[p] : "";
}

void
french_report_subject(struct buf *b, int32_t day, const char *const *firsts, size_t n)
{
	char d[FRENCH_DATE_LEN];

	french_date(day, d);
	buf_addf(b, "Portail Famille : compte-rendu du %s", d);
	for (size_t i = 0; i < n; i++)
		buf_addf(b, "%s%s", i == 0 ? " pour " : i + 1 == n ? " et " : ", ", firsts[i]);
}

void
french_notice_subject(struct buf *b, const char *first, int32_t day, const char *activity,
                      size_t more)
{
	char d[FRENCH_DATE_LEN];

	french_date(day, d);
	buf_addf(b, "Place obtenue pour %s : %s, %s", first, d, activity);
	if (more > 0)
		buf_addf(b, " (et %zu %s)", more,
		         french_plural((long)more, "autre place", "autres places"));
}

void
french_notice_summary(struct buf *b, long n)
{
	buf_addf(b, "En résumé : %ld %s.", n, french_plural(n, "place obtenue", "places obtenues"));
}

void
french_twin(struct buf *b, const char *name, const char *key)
{
	buf_addf(b, "%s (fiche %s)", name, key);
}
