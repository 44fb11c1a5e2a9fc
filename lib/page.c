#include "page.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db_batch.h"
#include "db_bounce.h"
#include "db_status.h"
#include "french.h"
#include "returns.h"
#include "when.h"

#define RECENT 7

/* Colours of the bars; the numbers beside them say the same in words. */
#define C_OK "#2e7d32"
#define C_WAIT "#ef8f00"
#define C_BAD "#c62828"
#define C_INFO "#1565c0"
#define C_EMPTY "#e0e0e0"

/* s with & < > " ' escaped; NULL prints nothing. */
static void
esc(FILE *out, const char *s)
{
	for (; s != NULL && *s; s++) {
		switch (*s) {
		case '&':
			fputs("&amp;", out);
			break;
		case '<':
			fputs("&lt;", out);
			break;
		case '>':
			fputs("&gt;", out);
			break;
		case '"':
			fputs("&quot;", out);
			break;
		case '\'':
			fputs("&#39;", out);
			break;
		default:
			/* control characters never reach the page */
			putc((unsigned char)*s < 0x20 ? ' ' : *s, out);
		}
	}
}

/* A bar of value out of max: a table of two cells, the filled one width%. */
static void
bar(FILE *out, long long value, long long max, const char *colour)
{
	int pct = max > 0 ? (int)(value * 100 / max) : 0;

	if (pct > 100)
		pct = 100;
	if (value > 0 && pct == 0)
		pct = 1;
	fputs("<table role=\"presentation\" style=\"width:100%;border-collapse:collapse;"
	      "table-layout:fixed\"><tr>",
	      out);
	if (pct > 0)
		fprintf(out, "<td style=\"width:%d%%;background:%s;height:14px;padding:0\"></td>",
		        pct, colour);
	if (pct < 100)
		fprintf(out, "<td style=\"background:%s;height:14px;padding:0\"></td>", C_EMPTY);
	fputs("</tr></table>", out);
}

static const char *const table_open =
    "<table style=\"width:100%;border-collapse:collapse;table-layout:fixed;"
    "margin:0 0 12px 0\">";
static const char *const label_td =
    "<td style=\"width:42%;padding:3px 6px 3px 0;overflow-wrap:anywhere;word-break:break-word;"
    "vertical-align:middle\">";
static const char *const num_td =
    "<td style=\"width:18%;padding:3px 6px;text-align:right;white-space:nowrap;"
    "vertical-align:middle\">";
static const char *const bar_td = "<td style=\"padding:3px 0;vertical-align:middle\">";

/* One row: label, number, bar. */
static void
row(FILE *out, const char *label, long long value, long long max, const char *colour)
{
	fprintf(out, "<tr>%s", label_td);
	esc(out, label);
	fprintf(out, "</td>%s%lld</td>%s", num_td, value, bar_td);
	bar(out, value, max, colour);
	fputs("</td></tr>\n", out);
}

static void
h2(FILE *out, const char *title)
{
	fputs("<h2 style=\"font-size:17px;margin:20px 0 8px 0;border-bottom:1px solid #bbb\">",
	      out);
	esc(out, title);
	fputs("</h2>\n", out);
}

static void
para(FILE *out, const char *text)
{
	fputs("<p style=\"margin:4px 0 10px 0\">", out);
	esc(out, text);
	fputs("</p>\n", out);
}

/* The last batch, copied out of the row callback. */
struct last {
	int found;
	struct db_status_batch b;
};

static int
take_last(const struct db_status_batch *b, void *arg)
{
	struct last *l = arg;

	l->found = 1;
	l->b = *b;
	l->b.delivery = NULL; /* the texts die with the row */
	l->b.delivery_error = NULL;
	return 0;
}

static void
outcomes(FILE *out, const struct db_status_batch *b)
{
	long long max = b->n_requests > 0 ? b->n_requests : 1;
	const struct {
		const char *label;
		long long n;
		const char *colour;
	} rows[] = {
	    {"Acceptées", b->n_accepted, C_OK},
	    {"En liste d'attente", b->n_waitlisted, C_WAIT},
	    {"Refusées", b->n_refused, C_BAD},
	    {"Promues depuis la liste d'attente", b->n_promoted, C_OK},
	    {"Listes d'attente closes (expirées)", b->n_expired, C_INFO},
	    {"Réservations annulées", b->n_cancelled, C_INFO},
	};
	const struct {
		const char *label;
		long long n;
	} reasons[] = {
	    {"activité complète", b->n_full},
	    {"activité non ouverte ce jour", b->n_closed},
	    {"hors délai", b->n_deadline},
	    {"horaires incompatibles", b->n_times},
	    {"compte débiteur", b->n_debtor},
	    {"déjà demandée", b->n_duplicate},
	    {"aucune réservation à annuler", b->n_nothing_to_cancel},
	};
	char text[160];

	h2(out, "Résultats du lot");
	snprintf(text, sizeof(text), "%lld demande(s) traitée(s).", b->n_requests);
	para(out, text);
	fputs(table_open, out);
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		row(out, rows[i].label, rows[i].n, max, rows[i].colour);
	fputs("</table>\n", out);
	h2(out, "Motifs de refus");
	if (b->n_refused == 0) {
		para(out, "Aucun refus.");
		return;
	}
	fputs(table_open, out);
	for (size_t i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++)
		row(out, reasons[i].label, reasons[i].n, b->n_refused, C_BAD);
	fputs("</table>\n", out);
}

struct slots_ctx {
	FILE *out;
	char activity[256]; /* the activity of the open table */
	long long n;
};

static int
slot(const struct db_status_slot *s, void *arg)
{
	struct slots_ctx *c = arg;
	FILE *out = c->out;
	char date[FRENCH_DATE_LEN], num[64];
	int full = s->has_capacity && s->taken >= s->capacity;

	if (c->n++ == 0 || strcmp(c->activity, s->activity_id ? s->activity_id : "") != 0) {
		if (c->n > 1)
			fputs("</table>\n", out);
		snprintf(c->activity, sizeof(c->activity), "%s",
		         s->activity_id ? s->activity_id : "");
		fputs("<h3 style=\"font-size:15px;margin:12px 0 4px 0;overflow-wrap:anywhere\">",
		      out);
		esc(out, s->activity_name);
		fputs(" <span style=\"font-weight:normal;color:#555\">(", out);
		esc(out, s->activity_id);
		fputs(")</span></h3>\n", out);
		fputs(table_open, out);
	}
	french_date(s->day, date);
	fprintf(out, "<tr%s>%s", full ? " style=\"background:#fdecea\"" : "", label_td);
	esc(out, date);
	if (full)
		fputs(" <strong style=\"color:" C_BAD "\">COMPLET</strong>", out);
	fprintf(out, "</td>%s", num_td);
	if (s->has_capacity)
		snprintf(num, sizeof(num), "%lld / %lld", s->taken, s->capacity);
	else
		snprintf(num, sizeof(num), "%lld (sans limite)", s->taken);
	esc(out, num);
	if (s->waiting > 0)
		fprintf(out, "<br>liste&nbsp;: %lld", s->waiting);
	fprintf(out, "</td>%s", bar_td);
	bar(out, s->taken, s->has_capacity ? s->capacity : s->taken, full ? C_BAD : C_OK);
	if (s->waiting > 0 && s->has_capacity)
		bar(out, s->waiting, s->capacity, C_WAIT);
	fputs("</td></tr>\n", out);
	return 0;
}

struct undeliv {
	FILE *out;
	int limit;
	long long n;
};

/* A family the page counts unreachable: its first address bounced limit times. */
static int
unreachable(const struct db_bounce_family *f, int limit)
{
	return returns_is_first(f->emails, f->address) && f->count >= limit;
}

static int
undeliverable(const struct db_bounce_family *f, void *arg, struct err *e)
{
	struct undeliv *u = arg;
	char at[WHEN_DATETIME_LEN];

	(void)e;
	if (!unreachable(f, u->limit))
		return 0;
	if (u->n++ == 0)
		fputs("<ul style=\"margin:4px 0 10px 0;padding-left:20px\">\n", u->out);
	when_format_datetime(f->at, at);
	fputs("<li style=\"overflow-wrap:anywhere;word-break:break-word\">", u->out);
	esc(u->out, f->family_id);
	fputs(" — ", u->out);
	esc(u->out, f->name);
	fputs(" — ", u->out);
	esc(u->out, f->address);
	fprintf(u->out, " — %s ", at);
	esc(u->out, f->status);
	fputs(" ", u->out);
	esc(u->out, f->diagnostic);
	fputs("</li>\n", u->out);
	return 0;
}

struct count_unreachable {
	int limit;
	long long n;
};

static int
count_unreachable(const struct db_bounce_family *f, void *arg, struct err *e)
{
	struct count_unreachable *c = arg;

	(void)e;
	c->n += unreachable(f, c->limit);
	return 0;
}

int
page_attention_read(struct db *db, int bounce_limit, struct page_attention *t, struct err *e)
{
	struct count_unreachable c = {bounce_limit, 0};
	long long *ids = NULL;
	size_t n = 0;

	memset(t, 0, sizeof(*t));
	if (db_batch_undelivered(db, &ids, &n, e) < 0 || db_status_mail(db, &t->mail, e) < 0 ||
	    db_bounce_families(db, count_unreachable, &c, e) < 0) {
		free(ids);
		return -1;
	}
	t->undelivered = (long long)n;
	t->oldest_undelivered = n > 0 ? ids[0] : 0;
	free(ids);
	t->failed = t->mail.failed;
	t->no_address = t->mail.skipped;
	t->unreachable = c.n;
	return 0;
}

void
page_attention_line(const struct page_attention *t, struct buf *out)
{
	struct buf items = {0};

	if (t->undelivered == 1)
		buf_addf(&items, "le lot %lld n'est pas livré au back office",
		         t->oldest_undelivered);
	else if (t->undelivered > 1)
		buf_addf(&items,
		         "%lld lots ne sont pas livrés au back office (le plus ancien : lot %lld)",
		         t->undelivered, t->oldest_undelivered);
	if (t->failed > 0)
		buf_addf(&items, "%s%lld %s (refus du serveur ou trop d'essais)",
		         items.len ? " ; " : "", t->failed,
		         t->failed > 1 ? "courriels abandonnés" : "courriel abandonné");
	if (t->unreachable > 0)
		buf_addf(&items, "%s%lld %s par courriel", items.len ? " ; " : "", t->unreachable,
		         t->unreachable > 1 ? "familles injoignables" : "famille injoignable");
	if (t->no_address > 0)
		buf_addf(&items, "%s%lld %s faute d'adresse valable", items.len ? " ; " : "",
		         t->no_address,
		         t->no_address > 1 ? "courriels non envoyés" : "courriel non envoyé");
	if (items.len == 0)
		buf_adds(out, "Rien à traiter : tout est livré, aucun courriel en échec.");
	else
		buf_addf(out, "À traiter : %s.", items.p);
	buf_release(&items);
}

/* The to-do line, first on the page: red when something waits, green when not. */
static void
attention(FILE *out, const struct page_attention *t)
{
	struct buf line = {0};
	int any = t->undelivered || t->failed || t->unreachable || t->no_address;

	page_attention_line(t, &line);
	fprintf(out,
	        "<p style=\"margin:8px 0 12px 0;padding:8px 10px;border-left:4px solid %s;"
	        "background:%s;font-weight:bold;overflow-wrap:anywhere\">",
	        any ? C_BAD : C_OK, any ? "#fdecea" : "#edf7ed");
	esc(out, line.p);
	fputs("</p>\n", out);
	buf_release(&line);
}

static int
mail(struct db *db, const struct db_status_mail *m, int limit, FILE *out, struct err *e)
{
	struct undeliv u = {out, limit, 0};
	long long total;

	total = m->pending + m->sent + m->failed + m->skipped + m->bounced;
	h2(out, "Courriels aux familles");
	fputs(table_open, out);
	row(out, "Envoyés", m->sent, total, C_OK);
	row(out, "En attente d'envoi", m->pending, total, C_WAIT);
	row(out, "Échoués", m->failed, total, C_BAD);
	row(out, "Non envoyés (pas d'adresse valable)", m->skipped, total, C_INFO);
	row(out, "Revenus en erreur (bounces)", m->bounced, total, C_BAD);
	fputs("</table>\n", out);
	h2(out, "Familles injoignables par courriel");
	if (db_bounce_families(db, undeliverable, &u, e) < 0)
		return -1;
	if (u.n == 0)
		para(out, "Aucune.");
	else
		fputs("</ul>\n", out);
	return 0;
}

static int
delivery_row(const struct db_status_batch *b, void *arg)
{
	FILE *out = arg;
	char at[WHEN_DATETIME_LEN];
	const char *d = b->delivery ? b->delivery : "";

	when_format_datetime(b->ran_at, at);
	fprintf(out, "<tr>%sLot %lld<br><span style=\"color:#555\">%s</span></td>", label_td,
	        b->batch_id, at);
	fprintf(out, "<td style=\"padding:3px 0;overflow-wrap:anywhere\">%s",
	        strcmp(d, "delivered") == 0 ? "livré"
	        : strcmp(d, "pending") == 0 ? "<strong style=\"color:" C_BAD
	                                      "\">NON LIVRÉ</strong> (nouvel essai au prochain "
	                                      "passage)"
	                                    : "sans objet (pas de back office)");
	if (b->delivery_error != NULL && strcmp(d, "pending") == 0) {
		fputs("<br>", out);
		esc(out, b->delivery_error);
	}
	fputs("</td></tr>\n", out);
	return 0;
}

int
page_write(struct db *db, int64_t now, int bounce_limit, FILE *out, struct err *e)
{
	struct last last;
	struct slots_ctx sc;
	struct page_attention t;
	char at[WHEN_DATETIME_LEN], title[128];

	memset(&last, 0, sizeof(last));
	if (db_status_batches(db, 0, 1, take_last, &last, e) < 0)
		return -1;
	if (last.found) {
		when_format_datetime(last.b.ran_at, at);
		snprintf(title, sizeof(title), "Portail Famille : la nuit du lot %lld (%s)",
		         last.b.batch_id, at);
	} else {
		snprintf(title, sizeof(title), "Portail Famille : aucun lot encore");
	}
	fputs("<!DOCTYPE html>\n<html lang=\"fr\">\n<head>\n<meta charset=\"utf-8\">\n"
	      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>",
	      out);
	esc(out, title);
	fputs("</title>\n</head>\n<body style=\"margin:0;padding:10px;font-family:Arial,Helvetica,"
	      "sans-serif;font-size:14px;line-height:1.35;color:#212121;background:#ffffff\">\n"
	      "<div style=\"max-width:900px;margin:0 auto\">\n"
	      "<h1 style=\"font-size:20px;margin:0 0 4px 0;overflow-wrap:anywhere\">",
	      out);
	esc(out, title);
	fputs("</h1>\n", out);
	when_format_datetime(now, at);
	fprintf(out, "<p style=\"margin:0 0 8px 0;color:#555\">Page produite le %s.</p>\n", at);
	if (page_attention_read(db, bounce_limit, &t, e) < 0)
		return -1;
	attention(out, &t);
	if (last.found) {
		outcomes(out, &last.b);
		h2(out, "Places par activité et par jour");
		para(out, "Places prises / capacité pour chaque jour décidé par ce lot ; "
		          "« liste » : demandes en liste d'attente.");
		memset(&sc, 0, sizeof(sc));
		sc.out = out;
		if (db_status_batch_slots(db, last.b.batch_id, slot, &sc, e) < 0)
			return -1;
		if (sc.n > 0)
			fputs("</table>\n", out);
		else
			para(out, "Aucun jour décidé par ce lot.");
	}
	if (mail(db, &t.mail, bounce_limit, out, e) < 0)
		return -1;
	h2(out, "Livraison au back office");
	fputs(table_open, out);
	if (db_status_batches(db, 0, RECENT, delivery_row, out, e) < 0)
		return -1;
	fputs("</table>\n</div>\n</body>\n</html>\n", out);
	if (ferror(out))
		return err_set(e, ERR_IO, "cannot write the page: %s", strerror(errno));
	return 0;
}
