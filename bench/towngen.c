/*
 * towngen - write a synthetic town for the benchmark, as the five CSV files
 * of contract section 3 (families, children, activities, openings, requests)
 * plus town.info (key=value lines: the clock to run the batch at, counts).
 *
 *   towngen -o DIR [-r REQUESTS] [-f FAMILIES] [-c CHILDREN] [-k SCHOOLS]
 *           [-s SEED] [-m]
 *
 * The town: SCHOOLS schools, each with a canteen (capacity below demand, a
 * waiting list without limit, deadline 2 days at 10:00) and a morning care
 * (hours 07:30-08:30, arrival times, no waiting list, deadline 1 day at
 * 18:00); one Wednesday centre per three schools (capacity below demand, a
 * limited waiting list, promote_days 2, deadline 7 days at 12:00). Openings:
 * 40 school days (Monday, Tuesday, Thursday, Friday over 10 weeks from
 * 2024-09-02) for the canteens and care, the 10 Wednesdays for the centres.
 * Capacities are derived from the number of requests so that every size of
 * town has full slots and waiting lists.
 *
 * Requests: reservations mostly, about 4.5% cancellations of an earlier
 * reservation and 0.5% with nothing to cancel; among reservations 1.5% late,
 * 0.3% duplicates, 0.3% on a closed day (a canteen on a Wednesday), and on
 * the morning care about 1.6% with bad or missing times. Everything is
 * submitted before town.info's "now" (the Sunday evening before the first
 * day), in the file in submission order; the request ids R0000001.. are
 * a random permutation of the rows (not in file order), as a portal's
 * export sorted by child or by date delivers them.
 *
 * Deterministic: the same options give the same bytes. -m: every family has
 * a valid first address (otherwise 1% have none and 1% an invalid one).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define DAY_SECS 86400
#define NWEEKS 10
#define NSCHOOL_DAYS (4 * NWEEKS)
#define NWED NWEEKS
#define SCHOOLS_PER_CENTRE 3

enum kind { K_CANTEEN, K_CARE, K_WED, NKINDS };

/* Per child key space for the dedupe bitset: canteen on school days, canteen
 * on Wednesdays (closed), care on school days, centre on Wednesdays. */
#define KEY_CANT 0
#define KEY_CANT_WED (KEY_CANT + NSCHOOL_DAYS)
#define KEY_CARE (KEY_CANT_WED + NWED)
#define KEY_WED (KEY_CARE + NSCHOOL_DAYS)
#define KEYS_PER_CHILD (KEY_WED + NWED)

struct req {
	int64_t submitted;
	uint32_t gen;    /* generation order: the tie-break */
	uint32_t child;  /* 0-based */
	uint16_t act;    /* 0-based activity index */
	uint16_t cancel; /* 1 = cancel */
	int32_t day;     /* days since 1970 */
	int16_t arrival; /* minutes, -1 = none */
	int16_t departure;
};

struct activity {
	char id[32];
	enum kind kind;
	int capacity; /* 0 = unlimited */
	int waitlist; /* 0 none, -1 yes, N */
	int promote_days;
	int deadline_days;
	int deadline_time;
};

struct town {
	unsigned long nreq, nfam, nchild;
	int nschools, ncentres, clean_mail;
	uint64_t rng;
	int32_t start;  /* first school day (a Monday) */
	int64_t now;    /* the batch's clock */
	int64_t window; /* first instant a request may be submitted */
	int32_t school_day[NSCHOOL_DAYS];
	int32_t wed_day[NWED];
	struct activity *acts;
	int nacts;
	uint32_t *child_family; /* child -> family */
	uint16_t *child_school; /* child -> school */
	uint8_t *seen;          /* bitset child x KEYS_PER_CHILD */
	struct req *reqs;
	unsigned long n;
	unsigned long n_late, n_dup, n_closed, n_badtime, n_cancel, n_nothing;
};

static const char *const last_names[] = {
    "Lefèvre", "Bérubé",    "Gérard",   "Dupont",    "Müller",   "Nguyen",   "Da Silva",
    "Benoît",  "Château",   "Faure",    "Lemaître",  "Mercier",  "Rousseau", "Hervé",
    "Noël",    "Géraud",    "Périer",   "D'Almeida", "Leroy",    "Moreau",   "Bouchard",
    "Guérin",  "Lacroix",   "Ménard",   "Pelletier", "Rivière",  "Sénéchal", "Thébault",
    "Barbé",   "Clément",   "Dubœuf",   "Évrard",    "Fèvre",    "Jégou",    "Kerbrat",
    "Le Goff", "Martin",    "Petit",    "Robert",    "Richard",  "Durand",   "Lefebvre",
    "Garnier", "Chevalier", "François", "Legrand",   "Gauthier", "Perrin",   "Brunet",
    "Giraud",  "Masson",    "Marchand", "Lemoine",   "Renaud",   "Aubé",     "Bélanger",
};
static const char *const last_ascii[] = {
    "lefevre",   "berube",   "gerard",   "dupont",    "muller",   "nguyen",  "dasilva",  "benoit",
    "chateau",   "faure",    "lemaitre", "mercier",   "rousseau", "herve",   "noel",     "geraud",
    "perier",    "dalmeida", "leroy",    "moreau",    "bouchard", "guerin",  "lacroix",  "menard",
    "pelletier", "riviere",  "senechal", "thebault",  "barbe",    "clement", "duboeuf",  "evrard",
    "fevre",     "jegou",    "kerbrat",  "legoff",    "martin",   "petit",   "robert",   "richard",
    "durand",    "lefebvre", "garnier",  "chevalier", "francois", "legrand", "gauthier", "perrin",
    "brunet",    "giraud",   "masson",   "marchand",  "lemoine",  "renaud",  "aube",     "belanger",
};
static const char *const first_names[] = {
    "Zoé",    "Léa",     "Chloé",    "Noémie",   "Théo",     "Jérôme", "Anaïs",    "Maël",
    "Loïc",   "Hélène",  "François", "Raphaël",  "Inès",     "Célia",  "Gaëlle",   "Joël",
    "Élodie", "Benoît",  "Clémence", "Aurélien", "Maëlys",   "Noé",    "Océane",   "Jérémy",
    "Lucas",  "Emma",    "Louise",   "Hugo",     "Arthur",   "Jade",   "Léon",     "Zoë",
    "Adèle",  "Gabriel", "Mathéo",   "Ambre",    "Timothée", "Solène", "Bérénice", "Cédric",
};
static const char *const first_ascii[] = {
    "zoe",    "lea",     "chloe",    "noemie",   "theo",     "jerome", "anais",    "mael",
    "loic",   "helene",  "francois", "raphael",  "ines",     "celia",  "gaelle",   "joel",
    "elodie", "benoit",  "clemence", "aurelien", "maelys",   "noe",    "oceane",   "jeremy",
    "lucas",  "emma",    "louise",   "hugo",     "arthur",   "jade",   "leon",     "zoe",
    "adele",  "gabriel", "matheo",   "ambre",    "timothee", "solene", "berenice", "cedric",
};
static const char *const schools[] = {
    "École Jules-Ferry",   "École Jean-Jaurès",     "École Marie-Curie",   "École Victor-Hugo",
    "École Louise-Michel", "École Jacques-Prévert", "École Saint-Exupéry", "École Pasteur",
    "École Condorcet",     "École George-Sand",     "École Paul-Éluard",   "École Jean-Macé",
};
static const char *const domains[] = {
    "orange.fr", "free.fr", "laposte.net", "gmail.com", "wanadoo.fr", "sfr.fr", "exemple.org",
};
#define NLAST (sizeof(last_names) / sizeof(last_names[0]))
#define NFIRST (sizeof(first_names) / sizeof(first_names[0]))
#define NSCHOOLNAMES (sizeof(schools) / sizeof(schools[0]))
#define NDOMAINS (sizeof(domains) / sizeof(domains[0]))

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

static void
die(const char *fmt, ...)
{
	va_list ap;

	fputs("towngen: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static void *
xcalloc_or_die(size_t n, size_t size)
{
	void *p = calloc(n, size);

	if (p == NULL)
		die("%s", "out of memory");
	return p;
}

/* splitmix64: small, fast, good enough, and the same everywhere. */
static uint64_t
rnd(struct town *t)
{
	uint64_t z = (t->rng += 0x9E3779B97F4A7C15ULL);

	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}

/* Uniform in [0, n). */
static uint64_t
below(struct town *t, uint64_t n)
{
	return n ? rnd(t) % n : 0;
}

/* Days since 1970-01-01 of a civil date (H. Hinnant's algorithm). */
static int32_t
days_from_civil(int y, int m, int d)
{
	int era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static void
civil_from_days(int32_t z, int *y, int *m, int *d)
{
	int era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	*y = yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp + (mp < 10 ? 3 : -9);
	*y += *m <= 2;
}

static void
put_date(FILE *f, int32_t day)
{
	int y, m, d;

	civil_from_days(day, &y, &m, &d);
	fprintf(f, "%04d-%02d-%02d", y, m, d);
}

static void
put_datetime(FILE *f, int64_t t)
{
	int64_t day = t >= 0 ? t / DAY_SECS : -((-t + DAY_SECS - 1) / DAY_SECS);
	int64_t s = t - day * DAY_SECS;

	put_date(f, (int32_t)day);
	fprintf(f, " %02d:%02d:%02d", (int)(s / 3600), (int)(s / 60 % 60), (int)(s % 60));
}

static void
put_time(FILE *f, int minutes)
{
	fprintf(f, "%02d:%02d", minutes / 60, minutes % 60);
}

/* The last instant a request for day is on time for activity a. */
static int64_t
last_on_time(const struct activity *a, int32_t day)
{
	return ((int64_t)day - a->deadline_days) * DAY_SECS + (int64_t)a->deadline_time * 60 - 1;
}

static FILE *
open_out(const char *dir, const char *name, char *path, size_t size)
{
	FILE *f;

	if ((size_t)snprintf(path, size, "%s/%s", dir, name) >= size)
		die("%s: path too long", dir);
	f = fopen(path, "w");
	if (f == NULL)
		die("cannot write %s", path);
	setvbuf(f, NULL, _IOFBF, 1 << 20);
	return f;
}

static void
close_out(FILE *f, const char *path)
{
	if (ferror(f) || fclose(f) != 0)
		die("write error on %s", path);
}

static void
make_calendar(struct town *t)
{
	int w, i = 0;

	t->start = days_from_civil(2024, 9, 2); /* a Monday */
	for (w = 0; w < NWEEKS; w++) {
		int32_t mon = t->start + 7 * w;

		t->school_day[i++] = mon;
		t->school_day[i++] = mon + 1;
		t->school_day[i++] = mon + 3;
		t->school_day[i++] = mon + 4;
		t->wed_day[w] = mon + 2;
	}
	/* The batch runs on the Sunday evening before the first day; the
	 * portal opened for reservations four weeks earlier. */
	t->now = ((int64_t)t->start - 1) * DAY_SECS + 22 * 3600;
	t->window = ((int64_t)t->start - 28) * DAY_SECS + 7 * 3600;
}

/* Average reservations per open slot of a kind, from the request mix. */
static double
demand(const struct town *t, enum kind k)
{
	static const double share[NKINDS] = {0.55, 0.30, 0.15};
	double nres = (double)t->nreq * 0.95;

	switch (k) {
	case K_CANTEEN:
		return nres * share[k] / (t->nschools * (double)NSCHOOL_DAYS);
	case K_CARE:
		return nres * share[k] / (t->nschools * (double)NSCHOOL_DAYS);
	default:
		return nres * share[k] / (t->ncentres * (double)NWED);
	}
}

static void
make_activities(struct town *t)
{
	int s, i = 0;

	t->ncentres = (t->nschools + SCHOOLS_PER_CENTRE - 1) / SCHOOLS_PER_CENTRE;
	t->nacts = 2 * t->nschools + t->ncentres;
	t->acts = xcalloc_or_die((size_t)t->nacts, sizeof(*t->acts));
	for (s = 0; s < t->nschools; s++) {
		struct activity *c = &t->acts[i++], *m = &t->acts[i++];

		snprintf(c->id, sizeof(c->id), "CANT-%02d", s + 1);
		c->kind = K_CANTEEN;
		c->capacity = (int)(demand(t, K_CANTEEN) * 0.85);
		c->waitlist = -1;
		c->deadline_days = 2;
		c->deadline_time = 10 * 60;
		snprintf(m->id, sizeof(m->id), "MATIN-%02d", s + 1);
		m->kind = K_CARE;
		m->capacity = (int)(demand(t, K_CARE) * 1.10);
		m->deadline_days = 1;
		m->deadline_time = 18 * 60;
	}
	for (s = 0; s < t->ncentres; s++) {
		struct activity *w = &t->acts[i++];

		snprintf(w->id, sizeof(w->id), "CLSH-%d", s + 1);
		w->kind = K_WED;
		w->capacity = (int)(demand(t, K_WED) * 0.70);
		w->waitlist = w->capacity / 20;
		w->promote_days = 2;
		w->deadline_days = 7;
		w->deadline_time = 12 * 60;
	}
	for (i = 0; i < t->nacts; i++) {
		if (t->acts[i].capacity < 1)
			t->acts[i].capacity = 1;
		if (t->acts[i].kind == K_WED && t->acts[i].waitlist < 1)
			t->acts[i].waitlist = 1;
	}
}

static int
canteen_of(const struct town *t, unsigned school)
{
	(void)t;
	return 2 * (int)school;
}

static int
care_of(const struct town *t, unsigned school)
{
	(void)t;
	return 2 * (int)school + 1;
}

static int
centre_of(const struct town *t, unsigned school)
{
	return 2 * t->nschools + (int)school / SCHOOLS_PER_CENTRE;
}

static void
make_people(struct town *t)
{
	unsigned long c, f;

	t->child_family = xcalloc_or_die(t->nchild, sizeof(*t->child_family));
	t->child_school = xcalloc_or_die(t->nchild, sizeof(*t->child_school));
	/* Every family has a first child; the others go to random families. */
	for (c = 0; c < t->nchild; c++)
		t->child_family[c] = (uint32_t)(c < t->nfam ? c : below(t, t->nfam));
	for (c = 0; c < t->nchild; c++) {
		f = t->child_family[c];
		/* Siblings share a school, the family's. */
		t->child_school[c] =
		    (uint16_t)((f * 2654435761UL >> 7) % (unsigned long)t->nschools);
	}
}

static int
take_key(struct town *t, uint32_t child, int key)
{
	size_t bit = (size_t)child * KEYS_PER_CHILD + (size_t)key;

	if (t->seen[bit >> 3] & (1u << (bit & 7)))
		return 0;
	t->seen[bit >> 3] |= (uint8_t)(1u << (bit & 7));
	return 1;
}

static struct req *
new_req(struct town *t)
{
	struct req *r = &t->reqs[t->n];

	memset(r, 0, sizeof(*r));
	r->gen = (uint32_t)t->n++;
	r->arrival = r->departure = -1;
	return r;
}

/* A time submitted on time for r's slot, inside the reservation window. */
static int64_t
on_time(struct town *t, const struct req *r)
{
	int64_t last = last_on_time(&t->acts[r->act], r->day);

	if (last > t->now - 60)
		last = t->now - 60;
	if (last <= t->window)
		return t->window;
	return t->window + (int64_t)below(t, (uint64_t)(last - t->window));
}

static void
set_times(struct town *t, struct req *r)
{
	unsigned p = (unsigned)below(t, 1000);

	r->arrival = (int16_t)(7 * 60 + 30 + 5 * below(t, 13)); /* 07:30 .. 08:30 */
	if (below(t, 10) == 0)
		r->departure = (int16_t)(8 * 60 + 20 + 5 * below(t, 3)); /* 08:20 .. 08:30 */
	if (p < 10) { /* arrival before the care opens or after it closes */
		r->arrival = (int16_t)(p & 1 ? 6 * 60 + 45 : 9 * 60 + 10);
		r->departure = -1;
		t->n_badtime++;
	} else if (p < 13) { /* arrival missing */
		r->arrival = -1;
		r->departure = -1;
		t->n_badtime++;
	} else if (p < 16) { /* departure not after arrival */
		r->arrival = 8 * 60;
		r->departure = 7 * 60 + 45;
		t->n_badtime++;
	}
}

/* One new reservation: a child, an activity of the child's school, a day. */
static void
reserve_one(struct town *t)
{
	for (;;) {
		uint32_t child = (uint32_t)below(t, t->nchild);
		unsigned school = t->child_school[child];
		unsigned p = (unsigned)below(t, 1000);
		struct req *r;
		int key, act, di;
		int32_t day;

		if (p < 550) {
			if (below(t, 1000) < 3) { /* a canteen on a Wednesday: closed */
				di = (int)below(t, NWED);
				key = KEY_CANT_WED + di;
				day = t->wed_day[di];
				t->n_closed++;
			} else {
				di = (int)below(t, NSCHOOL_DAYS);
				key = KEY_CANT + di;
				day = t->school_day[di];
			}
			act = canteen_of(t, school);
		} else if (p < 850) {
			di = (int)below(t, NSCHOOL_DAYS);
			key = KEY_CARE + di;
			day = t->school_day[di];
			act = care_of(t, school);
		} else {
			di = (int)below(t, NWED);
			key = KEY_WED + di;
			day = t->wed_day[di];
			act = centre_of(t, school);
		}
		if (!take_key(t, child, key)) {
			if (key >= KEY_CANT_WED && key < KEY_CARE)
				t->n_closed--;
			continue;
		}
		r = new_req(t);
		r->child = child;
		r->act = (uint16_t)act;
		r->day = day;
		if (t->acts[act].kind == K_CARE)
			set_times(t, r);
		r->submitted = on_time(t, r);
		return;
	}
}

/* A reservation submitted after its deadline (but before now). */
static int
reserve_late(struct town *t)
{
	const int32_t *days[NKINDS] = {t->school_day, t->school_day, t->wed_day};
	const int ndays[NKINDS] = {NSCHOOL_DAYS, NSCHOOL_DAYS, NWED};
	int tries;

	for (tries = 0; tries < 64; tries++) {
		uint32_t child = (uint32_t)below(t, t->nchild);
		unsigned school = t->child_school[child];
		enum kind k = (enum kind)below(t, NKINDS);
		int act = k == K_CANTEEN ? canteen_of(t, school)
		          : k == K_CARE  ? care_of(t, school)
		                         : centre_of(t, school);
		int di = (int)below(t, 3); /* late is only possible early on */
		int key = (k == K_CANTEEN ? KEY_CANT : k == K_CARE ? KEY_CARE : KEY_WED) + di;
		int64_t deadline;
		struct req *r;

		if (di >= ndays[k])
			continue;
		deadline = last_on_time(&t->acts[act], days[k][di]) + 1;
		if (deadline >= t->now || !take_key(t, child, key))
			continue;
		r = new_req(t);
		r->child = child;
		r->act = (uint16_t)act;
		r->day = days[k][di];
		if (k == K_CARE) {
			r->arrival = 8 * 60;
		}
		r->submitted = deadline + (int64_t)below(t, (uint64_t)(t->now - deadline));
		t->n_late++;
		return 1;
	}
	return 0;
}

static void
generate(struct town *t)
{
	unsigned long nres, ncancel, nnothing, i, nfirst;
	size_t bits = (size_t)t->nchild * KEYS_PER_CHILD;

	ncancel = t->nreq * 45 / 1000;
	nnothing = t->nreq * 5 / 1000;
	nres = t->nreq - ncancel - nnothing;
	if ((double)nres > 0.6 * (double)bits)
		die("%s", "too many requests for so few children: raise -c");
	t->seen = xcalloc_or_die(bits / 8 + 1, 1);
	t->reqs = xcalloc_or_die(t->nreq, sizeof(*t->reqs));

	for (i = 0; i < nres; i++) {
		unsigned p = (unsigned)below(t, 10000);

		if (p < 150 && reserve_late(t))
			continue;
		if (p >= 150 && p < 180 && t->n > 0) { /* the same reservation again */
			struct req *orig = &t->reqs[below(t, t->n)], *r;

			if (!orig->cancel) {
				r = new_req(t);
				*r = *orig;
				r->gen = (uint32_t)(t->n - 1);
				r->submitted = orig->submitted + (int64_t)below(t, 3 * 3600);
				if (r->submitted > last_on_time(&t->acts[r->act], r->day) ||
				    r->submitted > t->now)
					r->submitted = orig->submitted;
				t->n_dup++;
				continue;
			}
		}
		reserve_one(t);
	}
	nfirst = t->n;
	for (i = 0; i < ncancel; i++) { /* cancel an earlier reservation */
		const struct req *orig = &t->reqs[below(t, nfirst)];
		int64_t last = last_on_time(&t->acts[orig->act], orig->day);
		struct req *r = new_req(t);

		r->child = orig->child;
		r->act = orig->act;
		r->day = orig->day;
		r->cancel = 1;
		if (last > t->now - 1)
			last = t->now - 1;
		r->submitted = orig->submitted + 3600 + (int64_t)below(t, 5 * DAY_SECS);
		if (r->submitted > last)
			r->submitted = orig->submitted + 1 > last ? orig->submitted + 1 : last;
		if (r->submitted > t->now)
			r->submitted = t->now;
		t->n_cancel++;
	}
	for (i = 0; i < nnothing; i++) { /* cancel what was never reserved */
		struct req *r;
		uint32_t child;
		int di;

		do {
			child = (uint32_t)below(t, t->nchild);
			di = (int)below(t, NSCHOOL_DAYS);
		} while (!take_key(t, child, KEY_CANT + di));
		r = new_req(t);
		r->child = child;
		r->act = (uint16_t)canteen_of(t, t->child_school[child]);
		r->day = t->school_day[di];
		r->cancel = 1;
		r->submitted = on_time(t, r);
		t->n_nothing++;
	}
}

static int
by_submission(const void *a, const void *b)
{
	const struct req *x = a, *y = b;

	if (x->submitted != y->submitted)
		return x->submitted < y->submitted ? -1 : 1;
	return x->gen < y->gen ? -1 : x->gen > y->gen;
}

static void
write_families(struct town *t, const char *dir)
{
	char path[4096];
	FILE *f = open_out(dir, "families.csv", path, sizeof(path));
	unsigned long i;

	fputs("family_id;name;emails;balance\n", f);
	for (i = 0; i < t->nfam; i++) {
		unsigned ln = (unsigned)below(t, NLAST), fn = (unsigned)below(t, NFIRST);
		unsigned ln2 = (unsigned)below(t, NLAST), fn2 = (unsigned)below(t, NFIRST);
		unsigned p = (unsigned)below(t, 1000);
		long cents = (long)below(t, 20000);

		fprintf(f, "F%05lu;%s %s;\"", i + 1, last_names[ln], first_names[fn]);
		if (!t->clean_mail && p < 10) {
			/* no address at all */
		} else if (!t->clean_mail && p < 20) {
			fprintf(f, "%s.%s@", first_ascii[fn], last_ascii[ln]); /* invalid */
		} else {
			fprintf(f, "%s.%s%lu@%s", first_ascii[fn], last_ascii[ln], i + 1,
			        domains[below(t, NDOMAINS)]);
			if (p % 3 != 0)
				fprintf(f, "; %s.%s@%s", first_ascii[fn2], last_ascii[ln2],
				        domains[below(t, NDOMAINS)]);
			if (p % 7 == 0)
				fprintf(f, ";famille.%s%lu@exemple.org", last_ascii[ln], i + 1);
		}
		if (below(t, 100) < 8)
			cents = -cents; /* a debt */
		fprintf(f, "\";%s%ld,%02ld\n", cents < 0 ? "-" : "", labs(cents) / 100,
		        labs(cents) % 100);
	}
	close_out(f, path);
}

static void
write_children(struct town *t, const char *dir)
{
	char path[4096];
	FILE *f = open_out(dir, "children.csv", path, sizeof(path));
	unsigned long c;

	fputs("child_id;family_id;first_name;last_name\n", f);
	for (c = 0; c < t->nchild; c++)
		fprintf(f, "E%06lu;F%05lu;%s;%s\n", c + 1, (unsigned long)t->child_family[c] + 1,
		        first_names[below(t, NFIRST)], last_names[t->child_family[c] % NLAST]);
	close_out(f, path);
}

static void
write_activities(struct town *t, const char *dir)
{
	char path[4096];
	FILE *f = open_out(dir, "activities.csv", path, sizeof(path));
	int i;

	fputs("activity_id;name;structure;capacity;waitlist;promote_days;hours;deadline_days;"
	      "deadline_time\n",
	      f);
	for (i = 0; i < t->nacts; i++) {
		const struct activity *a = &t->acts[i];
		int s = i / 2;

		if (a->kind == K_CANTEEN)
			fprintf(f, "%s;Restauration scolaire;%s;%d;oui;0;;%d;", a->id,
			        schools[s % NSCHOOLNAMES], a->capacity, a->deadline_days);
		else if (a->kind == K_CARE)
			fprintf(f, "%s;Accueil périscolaire du matin;%s;%d;non;0;07:30-08:30;%d;",
			        a->id, schools[s % NSCHOOLNAMES], a->capacity, a->deadline_days);
		else
			fprintf(
			    f,
			    "%s;Centre de loisirs du mercredi;Accueil de loisirs « Les Écureuils »;"
			    "%d;%d;%d;;%d;",
			    a->id, a->capacity, a->waitlist, a->promote_days, a->deadline_days);
		put_time(f, a->deadline_time);
		fputc('\n', f);
	}
	close_out(f, path);
}

static void
write_openings(struct town *t, const char *dir)
{
	char path[4096];
	FILE *f = open_out(dir, "openings.csv", path, sizeof(path));
	int i, d;

	fputs("activity_id;date;capacity\n", f);
	for (i = 0; i < t->nacts; i++) {
		const struct activity *a = &t->acts[i];
		int n = a->kind == K_WED ? NWED : NSCHOOL_DAYS;

		for (d = 0; d < n; d++) {
			fprintf(f, "%s;", a->id);
			put_date(f, a->kind == K_WED ? t->wed_day[d] : t->school_day[d]);
			/* A school trip day: the canteen serves fewer meals. */
			if (a->kind == K_CANTEEN && d % 10 == 7)
				fprintf(f, ";%d\n", a->capacity * 9 / 10);
			else
				fputs(";\n", f);
		}
	}
	close_out(f, path);
}

static void
write_requests(struct town *t, const char *dir)
{
	char path[4096];
	FILE *f = open_out(dir, "requests.csv", path, sizeof(path));
	uint32_t *id = xcalloc_or_die(t->n, sizeof(*id));
	unsigned long i;

	/* The ids in no particular order, as a portal's export sorted by child
	 * or by date delivers them: a random permutation of 1..n, drawn after
	 * everything else so the rest of the town is unchanged. */
	for (i = 0; i < t->n; i++)
		id[i] = (uint32_t)i + 1;
	for (i = t->n; i > 1; i--) {
		unsigned long j = (unsigned long)below(t, i);
		uint32_t x = id[i - 1];

		id[i - 1] = id[j];
		id[j] = x;
	}
	fputs("request_id;child_id;activity_id;date;action;arrival;departure;submitted_at\n", f);
	for (i = 0; i < t->n; i++) {
		const struct req *r = &t->reqs[i];

		fprintf(f, "R%07lu;E%06lu;%s;", (unsigned long)id[i], (unsigned long)r->child + 1,
		        t->acts[r->act].id);
		put_date(f, r->day);
		fputs(r->cancel ? ";cancel;" : ";reserve;", f);
		if (r->arrival >= 0)
			put_time(f, r->arrival);
		fputc(';', f);
		if (r->departure >= 0)
			put_time(f, r->departure);
		fputc(';', f);
		put_datetime(f, r->submitted);
		fputc('\n', f);
	}
	free(id);
	close_out(f, path);
}

static void
write_info(struct town *t, const char *dir)
{
	char path[4096];
	FILE *f = open_out(dir, "town.info", path, sizeof(path));
	unsigned long i, waitlists = 0;

	for (i = 0; i < (unsigned long)t->nacts; i++)
		waitlists += t->acts[i].waitlist != 0;
	fputs("now=", f);
	put_datetime(f, t->now);
	fprintf(f,
	        "\nfamilies=%lu\nchildren=%lu\nactivities=%d\nwaitlisted_activities=%lu\n"
	        "requests=%lu\ncancel=%lu\nnothing_to_cancel=%lu\nlate=%lu\nduplicate=%lu\n"
	        "closed=%lu\nbad_times=%lu\ncanteen_capacity=%d\ncanteen_demand=%.1f\n"
	        "centre_capacity=%d\ncentre_demand=%.1f\n",
	        t->nfam, t->nchild, t->nacts, waitlists, t->n, t->n_cancel, t->n_nothing, t->n_late,
	        t->n_dup, t->n_closed, t->n_badtime, t->acts[0].capacity, demand(t, K_CANTEEN),
	        t->acts[2 * t->nschools].capacity, demand(t, K_WED));
	close_out(f, path);
}

static unsigned long
number(const char *s, const char *what)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *s == '\0' || *end != '\0' || v == 0 || v > 50000000UL)
		die("bad %s: %s", what, s);
	return v;
}

static void
usage(void)
{
	fputs("usage: towngen -o DIR [-r REQUESTS] [-f FAMILIES] [-c CHILDREN] [-k SCHOOLS]"
	      " [-s SEED] [-m]\n",
	      stderr);
	exit(64);
}

int
main(int argc, char **argv)
{
	struct town t;
	const char *dir = NULL;
	unsigned long seed = 1;
	int c;

	memset(&t, 0, sizeof(t));
	t.nreq = 100000;
	t.nfam = 12000;
	t.nchild = 20000;
	t.nschools = 12;
	while ((c = getopt(argc, argv, "o:r:f:c:k:s:m")) != -1) {
		switch (c) {
		case 'o':
			dir = optarg;
			break;
		case 'r':
			t.nreq = number(optarg, "request count (-r)");
			break;
		case 'f':
			t.nfam = number(optarg, "family count (-f)");
			break;
		case 'c':
			t.nchild = number(optarg, "child count (-c)");
			break;
		case 'k':
			t.nschools = (int)number(optarg, "school count (-k)");
			break;
		case 's':
			seed = number(optarg, "seed (-s)");
			break;
		case 'm':
			t.clean_mail = 1;
			break;
		default:
			usage();
		}
	}
	if (dir == NULL || optind != argc)
		usage();
	if (t.nchild < t.nfam)
		die("%s", "fewer children than families");
	if (t.nschools > 1000 || t.nfam > 99999 || t.nchild > 999999 || t.nreq > 9999999)
		die("%s", "too big for the id formats (F99999, E999999, R9999999)");
	if (mkdir(dir, 0777) != 0 && errno != EEXIST)
		die("cannot create %s: %s", dir, strerror(errno));
	t.rng = seed * 0x2545F4914F6CDD1DULL;

	make_calendar(&t);
	make_activities(&t);
	make_people(&t);
	generate(&t);
	qsort(t.reqs, t.n, sizeof(*t.reqs), by_submission);
	write_families(&t, dir);
	write_children(&t, dir);
	write_activities(&t, dir);
	write_openings(&t, dir);
	write_requests(&t, dir);
	write_info(&t, dir);

	free(t.acts);
	free(t.child_family);
	free(t.child_school);
	free(t.seen);
	free(t.reqs);
	return 0;
}
