#include "mail.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "french.h"
#include "ical.h"
#include "mime.h"
#include "when.h"

char *
mail_message_id(enum mail_kind kind, long long ref, int64_t t, uint64_t random, const char *from)
{
	char *name = NULL, *addr = NULL, stamp[WHEN_DATETIME_LEN], digits[16];
	const char *domain = "localhost";
	struct buf b = {0};
	size_t j = 0;

	if (from != NULL && mime_parse_mailbox(from, &name, &addr) == 0)
		domain = strchr(addr, '@') + 1;
	when_format_datetime(t, stamp);
	for (size_t i = 0; stamp[i] && j + 1 < sizeof(digits); i++)
		if (stamp[i] >= '0' && stamp[i] <= '9')
			digits[j++] = stamp[i];
	digits[j] = '\0';
	buf_addf(&b, "<%s.%s.%lld.%016llx@%s>", digits, kind == MAIL_NOTICE ? "notice" : "report",
	         ref, (unsigned long long)random, domain);
	free(name);
	free(addr);
	return buf_detach(&b, NULL);
}

/* Everything one composition builds: the two bodies side by side, the calendar. */
struct body {
	struct buf text, html, cal;
	size_t events;
	const struct mail_head *h;
	const char *domain; /* of the from address: the calendar UIDs' */
};

static void
html_escape(struct buf *b, const char *s)
{
	for (;;) {
		size_t n = strcspn(s, "&<>\"'");

		if (n > 0)
			buf_add(b, s, n);
		s += n;
		switch (*s) {
		case '\0':
			return;
		case '&':
			buf_add(b, "&amp;", 5);
			break;
		case '<':
			buf_add(b, "&lt;", 4);
			break;
		case '>':
			buf_add(b, "&gt;", 4);
			break;
		case '"':
			buf_add(b, "&quot;", 6);
			break;
		default: /* '\'' */
			buf_add(b, "&#39;", 5);
		}
		s++;
	}
}

/* A paragraph in both parts (escaped in HTML); strong: in bold there. */
static void
paragraph(struct body *bd, const char *s, int strong)
{
	buf_adds(&bd->text, s);
	buf_add(&bd->text, "\n\n", 2);
	buf_adds(&bd->html, strong ? "<p><strong>" : "<p>");
	html_escape(&bd->html, s);
	buf_adds(&bd->html, strong ? "</strong></p>\n" : "</p>\n");
}

/* "Pour réserver ou annuler : URL", the URL a link in HTML (clean input). */
static void
link_paragraph(struct body *bd, const char *lead, const char *url)
{
	buf_addf(&bd->text, "%s%s\n\n", lead, url);
	buf_adds(&bd->html, "<p>");
	html_escape(&bd->html, lead);
	buf_adds(&bd->html, "<a href=\"");
	html_escape(&bd->html, url);
	buf_adds(&bd->html, "\">");
	html_escape(&bd->html, url);
	buf_adds(&bd->html, "</a></p>\n");
}

static int
is(const char *s, const char *what)
{
	return s != NULL && strcmp(s, what) == 0;
}

/* The summary's kind of outcome for an item, or -1 (pending: not counted). */
static int
outcome_kind(const struct mail_item *it)
{
	if (is(it->state, "accepted") || is(it->state, "cancelled"))
		return FRENCH_ACCEPTED;
	if (is(it->state, "waitlisted"))
		return FRENCH_WAITLISTED;
	if (is(it->state, "refused"))
		return FRENCH_REFUSED;
	if (is(it->state, "expired"))
		return FRENCH_EXPIRED;
	return -1;
}

static int
same_child(const struct mail_item *a, const struct mail_item *b)
{
	return strcmp(a->child_key ? a->child_key : "", b->child_key ? b->child_key : "") == 0;
}

/* The child's name as shown: with its id when another child of the family has the same. */
static char *
child_label(const struct mail_item *items, size_t n, size_t at)
{
	const char *raw = items[at].child_name ? items[at].child_name : "";
	char *name = mime_clean(raw);
	struct buf b = {0};

	/* Children come one after the other: look at each other child's first item. */
	for (size_t i = 0; i < n; i++) {
		char *other;
		int twin;

		if ((i > 0 && same_child(&items[i], &items[i - 1])) ||
		    same_child(&items[i], &items[at]))
			continue;
		if (items[i].child_name != NULL && strcmp(items[i].child_name, raw) == 0) {
			twin = 1;
		} else {
			other = mime_clean(items[i].child_name);
			twin = strcmp(other, name) == 0;
			free(other);
		}
		if (twin) {
			char *key = mime_clean(items[at].child_key);
			french_twin(&b, name, key);
			free(key);
			free(name);
			return buf_detach(&b, NULL);
		}
	}
	return name;
}

/* The hours of an event: the request's, else the activity's; -1: all day. */
static void
event_hours(const struct mail_item *it, int arrival, int departure, int *start, int *end)
{
	*start = arrival >= 0 ? arrival : it->hours_from;
	*end = departure >= 0 ? departure : it->hours_to;
	if (*start < 0)
		*end = -1;
}

/* One calendar event for item it (a reservation held, or the one a cancellation undid). */
static void
add_event(struct body *bd, const struct mail_item *it, const char *child, int cancelled)
{
	struct ical_event ev;
	struct buf uid = {0}, summary = {0};
	char *activity = mime_clean(it->activity), *structure = mime_clean(it->structure);
	char *url = mime_clean(bd->h->portal_url);

	memset(&ev, 0, sizeof(ev));
	buf_addf(&uid, "nocturne-request-%lld@%s", cancelled ? it->undoes : it->seq, bd->domain);
	buf_addf(&summary, "%s — %s", activity, child);
	ev.uid = uid.p;
	ev.sequence = cancelled ? 1 : 0;
	ev.cancelled = cancelled;
	ev.day = it->day;
	if (cancelled)
		event_hours(it, it->undone_arrival, it->undone_departure, &ev.start, &ev.end);
	else
		event_hours(it, it->arrival, it->departure, &ev.start, &ev.end);
	ev.zone_minutes = it->zone_minutes;
	ev.summary = summary.p;
	ev.location = structure;
	ev.description = url;
	if (bd->events++ == 0)
		ical_begin(&bd->cal);
	ical_event(&bd->cal, bd->h->date - (int64_t)bd->h->zone_minutes * 60, &ev);
	buf_release(&uid);
	buf_release(&summary);
	free(activity);
	free(structure);
	free(url);
}

/* The lines under an item's heading line: outcome, why, until when to cancel. */
static void
item_details(struct body *bd, enum mail_kind kind, const struct mail_item *it)
{
	struct buf line = {0};
	char outcome[96];

	if (kind == MAIL_REPORT) {
		french_outcome(it->state, it->reason, it->position, outcome, sizeof(outcome));
		buf_addf(&bd->text, "    %s — %s\n", french_action(it->action), outcome);
		buf_adds(&bd->html, "<br>");
		html_escape(&bd->html, french_action(it->action));
		buf_adds(&bd->html, " — <strong>");
		html_escape(&bd->html, outcome);
		buf_adds(&bd->html, "</strong>");
	}
	if (kind == MAIL_REPORT && is(it->state, "refused")) {
		struct french_why w;

		memset(&w, 0, sizeof(w));
		w.reason = it->reason;
		w.hours_from = it->hours_from;
		w.hours_to = it->hours_to;
		w.arrival = it->arrival;
		w.waitlist = it->waitlist;
		w.deadline = it->deadline == MAIL_NO_DEADLINE ? FRENCH_NO_MOMENT : it->deadline;
		w.submitted_at = it->submitted_at;
		w.holder_state = it->holder_state;
		w.holder_position = it->holder_position;
		w.holder_submitted = it->holder_submitted;
		french_why(&line, &w);
	}
	if ((kind == MAIL_NOTICE || it->waitlisted) && it->deadline != MAIL_NO_DEADLINE)
		french_cancel_until(&line, it->deadline, bd->h->date);
	if (line.len > 0) {
		buf_addf(&bd->text, "    %s\n", line.p);
		buf_adds(&bd->html, "<br>");
		html_escape(&bd->html, line.p);
	}
	buf_release(&line);
}

/* One request: a line with its date and activity, then its details. */
static void
item(struct body *bd, enum mail_kind kind, const struct mail_item *it, int accepted)
{
	char date[FRENCH_DATE_LEN];
	char *activity = mime_clean(it->activity), *structure = mime_clean(it->structure);
	struct buf what = {0};

	french_date(it->day, date);
	french_describe(&what, activity, structure, it->arrival, it->departure);
	buf_addf(&bd->text, "  - %s : %s\n", date, what.p);
	buf_adds(&bd->html, accepted ? "<li>" : "<li class=\"no\">");
	buf_adds(&bd->html, "<strong>");
	html_escape(&bd->html, date);
	buf_adds(&bd->html, "</strong><br>");
	html_escape(&bd->html, what.p);
	item_details(bd, kind, it);
	buf_adds(&bd->html, "</li>\n");
	buf_release(&what);
	free(activity);
	free(structure);
}

/* The calendar's share of one item. */
static void
item_events(struct body *bd, enum mail_kind kind, const struct mail_item *it, const char *child)
{
	if (is(it->action, "reserve") && is(it->now_state, "accepted") &&
	    (kind == MAIL_NOTICE || is(it->state, "accepted")))
		add_event(bd, it, child, 0);
	else if (kind == MAIL_REPORT && is(it->action, "cancel") && is(it->state, "accepted") &&
	         it->undoes > 0 && it->undone_was_accepted)
		add_event(bd, it, child, 1);
}

/* The items, child by child; each child's requests not accepted first. */
static void
items_list(struct body *bd, enum mail_kind kind, const struct mail_item *items, size_t n)
{
	for (size_t a = 0, b; a < n; a = b) {
		char *child = child_label(items, n, a);

		for (b = a + 1; b < n && same_child(&items[b], &items[a]); b++)
			;
		buf_addf(&bd->text, "%s\n", child);
		buf_adds(&bd->html, "<h2>");
		html_escape(&bd->html, child);
		buf_adds(&bd->html, "</h2>\n<ul>\n");
		for (int pass = 0; pass < 2; pass++)
			for (size_t i = a; i < b; i++) {
				int acc = kind == MAIL_NOTICE ||
				          outcome_kind(&items[i]) == FRENCH_ACCEPTED;
				if (acc == pass)
					item(bd, kind, &items[i], acc);
			}
		buf_adds(&bd->html, "</ul>\n");
		buf_add(&bd->text, "\n", 1);
		if (bd->h->calendar)
			for (size_t i = a; i < b; i++)
				item_events(bd, kind, &items[i], child);
		free(child);
	}
}

static void
signature(struct body *bd, const char *sig)
{
	char *s =
	    mime_clean(sig != NULL && sig[0] != '\0' ? sig : french_phrase(FRENCH_SIGNATURE, 1));
	const char *p = s;

	buf_addf(&bd->text, "%s\n\n", french_phrase(FRENCH_REGARDS, 1));
	buf_adds(&bd->html, "<p>");
	html_escape(&bd->html, french_phrase(FRENCH_REGARDS, 1));
	buf_adds(&bd->html, "</p>\n<p>");
	for (;;) {
		const char *nl = strstr(p, "\\n");
		size_t n = nl ? (size_t)(nl - p) : strlen(p);

		buf_add(&bd->text, p, n);
		buf_add(&bd->text, "\n", 1);
		{
			char *line = xmalloc(n + 1);
			memcpy(line, p, n);
			line[n] = '\0';
			html_escape(&bd->html, line);
			free(line);
		}
		if (nl == NULL)
			break;
		buf_adds(&bd->html, "<br>\n");
		p = nl + 2;
	}
	buf_adds(&bd->html, "</p>\n");
	free(s);
}

/* The subject: what happened, and to whom. */
static void
subject(struct buf *b, enum mail_kind kind, const struct mail_head *h,
        const struct mail_item *items, size_t n)
{
	if (kind == MAIL_NOTICE && n > 0) {
		size_t first = 0;
		char *name, *activity;

		for (size_t i = 1; i < n; i++)
			if (items[i].day < items[first].day)
				first = i;
		name = mime_clean(items[first].child_first);
		activity = mime_clean(items[first].activity);
		french_notice_subject(b, name, items[first].day, activity, n - 1);
		free(name);
		free(activity);
		return;
	}
	{
		const char **firsts = xcalloc(n + 1, sizeof(*firsts));
		char **owned = xcalloc(n + 1, sizeof(*owned));
		size_t k = 0;

		for (size_t i = 0; i < n; i++)
			if (i == 0 || !same_child(&items[i], &items[i - 1])) {
				owned[k] = mime_clean(items[i].child_first);
				firsts[k] = owned[k];
				if (firsts[k][0] != '\0')
					k++;
				else
					free(owned[k]);
			}
		french_report_subject(b, when_day_of(h->date), firsts, k);
		for (size_t i = 0; i < k; i++)
			free(owned[i]);
		free(owned);
		free(firsts);
	}
}

/* The text and HTML bodies (and the calendar) of the message. */
static void
bodies(struct body *bd, enum mail_kind kind, const struct mail_item *items, size_t n,
       const char *title)
{
	const struct mail_head *h = bd->h;
	long counts[FRENCH_NOUTCOMES] = {0};
	long waiting = 0, not_accepted = 0;
	struct buf line = {0};
	char *url = mime_clean(h->portal_url), *contact = mime_clean(h->contact);

	for (size_t i = 0; i < n; i++) {
		int k = outcome_kind(&items[i]);
		if (k >= 0)
			counts[k]++;
		waiting += items[i].waitlisted != 0;
		not_accepted += k != FRENCH_ACCEPTED;
	}
	buf_adds(&bd->html,
	         "<!DOCTYPE html>\n<html lang=\"fr\">\n<head>\n<meta charset=\"utf-8\">\n"
	         "<meta name=\"viewport\" content=\"width=device-width, "
	         "initial-scale=1\">\n<title>");
	html_escape(&bd->html, title);
	/* Once in the head, not on every line: webmails keep a head style. The
	 * outcome is in words beside each colour. */
	buf_adds(&bd->html, "</title>\n<style>\n"
	                    "body{margin:0;padding:12px;font-family:sans-serif;font-size:16px;"
	                    "line-height:1.45;color:#1a1a1a;overflow-wrap:break-word;"
	                    "word-wrap:break-word}\n"
	                    "h2{font-size:1.15em;margin:1.2em 0 .5em}\n"
	                    "ul{list-style:none;margin:0;padding:0}\n"
	                    "li{margin:0 0 .8em;padding:.3em .6em;border-left:4px solid #2e7d32}\n"
	                    "li.no{border-left-color:#c62828;background:#fdf1f1}\n"
	                    "</style>\n</head>\n<body>\n");
	paragraph(bd, french_phrase(FRENCH_HELLO, 1), 0);
	if (kind == MAIL_REPORT) {
		french_summary(&line, counts);
		paragraph(bd, line.p, 1);
		paragraph(bd, french_phrase(FRENCH_REPORT_INTRO, 1), 0);
		if (not_accepted > 0 && counts[FRENCH_ACCEPTED] > 0)
			paragraph(bd, french_phrase(FRENCH_NOT_ACCEPTED_FIRST, 1), 0);
	} else {
		french_notice_summary(&line, (long)n);
		paragraph(bd, line.p, 1);
		paragraph(bd, french_phrase(FRENCH_NOTICE_INTRO, (long)n), 0);
	}
	buf_release(&line);
	items_list(bd, kind, items, n);
	if (kind == MAIL_REPORT && waiting > 0)
		paragraph(bd, french_phrase(FRENCH_WAITLIST_REMINDER, waiting), 0);
	if (kind == MAIL_NOTICE)
		paragraph(bd, french_phrase(FRENCH_NOTICE_CANCEL, (long)n), 0);
	if (url[0] != '\0')
		link_paragraph(bd, french_phrase(FRENCH_PORTAL, 1), url);
	if (contact[0] != '\0') {
		buf_addf(&line, "%s%s", french_phrase(FRENCH_CONTACT, 1), contact);
		paragraph(bd, line.p, 0);
		buf_release(&line);
	}
	signature(bd, h->signature);
	buf_adds(&bd->html, "</body>\n</html>\n");
	if (bd->events > 0)
		ical_end(&bd->cal);
	free(url);
	free(contact);
}

/* The two alternative parts, between boundary lines of b. */
static void
alternative(struct buf *msg, const struct body *bd, const char *b)
{
	buf_addf(msg,
	         "--%s\r\n"
	         "Content-Type: text/plain; charset=UTF-8\r\n"
	         "Content-Transfer-Encoding: quoted-printable\r\n\r\n",
	         b);
	mime_qp_encode(msg, bd->text.p, bd->text.len);
	buf_addf(msg,
	         "\r\n--%s\r\n"
	         "Content-Type: text/html; charset=UTF-8\r\n"
	         "Content-Transfer-Encoding: quoted-printable\r\n\r\n",
	         b);
	mime_qp_encode(msg, bd->html.p, bd->html.len);
	buf_addf(msg, "\r\n--%s--\r\n", b);
}

int
mail_compose(enum mail_kind kind, const struct mail_head *h, const struct mail_item *items,
             size_t n, struct mail_out *out, struct err *e)
{
	char *from_name = NULL, *from_addr = NULL, *rt_name = NULL, *rt_addr = NULL, *id;
	char date[MIME_DATE_LEN], alt[96], mixed[96];
	struct body bd;
	struct buf subj = {0}, msg = {0};
	int rc = -1;
	size_t idlen;

	memset(out, 0, sizeof(*out));
	memset(&bd, 0, sizeof(bd));
	if (mime_parse_mailbox(h->from, &from_name, &from_addr) < 0) {
		err_set(e, ERR_CONFIG, "[mail] from '%s' is not a valid mailbox", h->from);
		goto done;
	}
	if (h->reply_to != NULL && h->reply_to[0] != '\0' &&
	    mime_parse_mailbox(h->reply_to, &rt_name, &rt_addr) < 0) {
		err_set(e, ERR_CONFIG, "[mail] reply_to '%s' is not a valid mailbox", h->reply_to);
		goto done;
	}
	bd.h = h;
	bd.domain = strchr(from_addr, '@') + 1;
	subject(&subj, kind, h, items, n);
	bodies(&bd, kind, items, n, subj.p);

	id = mime_clean(h->message_id ? h->message_id : "<nocturne@localhost>");
	/* "=_" never occurs in quoted-printable or base64 text: safe boundaries. */
	idlen = strcspn(id + 1, "@>");
	snprintf(alt, sizeof(alt), "=_nocturne_%.*s", (int)(idlen > 60 ? 60 : idlen), id + 1);
	snprintf(mixed, sizeof(mixed), "=_nocturne_m_%.*s", (int)(idlen > 60 ? 60 : idlen), id + 1);

	mime_date(h->date, h->zone_minutes, date);
	buf_addf(&msg, "Date: %s\r\n", date);
	mime_header_mailbox(&msg, "From", from_name, from_addr);
	if (rt_addr != NULL)
		mime_header_mailbox(&msg, "Reply-To", rt_name, rt_addr);
	if (h->to_addr != NULL && mime_addr_valid(h->to_addr, 0))
		mime_header_mailbox(&msg, "To", h->to_name ? h->to_name : "", h->to_addr);
	mime_header_text(&msg, "Subject", subj.p, 0);
	buf_addf(&msg, "Message-ID: %s\r\n", id);
	free(id);
	buf_adds(&msg, "MIME-Version: 1.0\r\n"
	               "Content-Language: fr\r\n"
	               "Auto-Submitted: auto-generated\r\n"
	               "X-Auto-Response-Suppress: All\r\n");
	buf_addf(&msg, "X-Nocturne-Kind: %s\r\n", kind == MAIL_NOTICE ? "notice" : "report");
	if (bd.events == 0) {
		buf_addf(&msg, "Content-Type: multipart/alternative;\r\n boundary=\"%s\"\r\n\r\n",
		         alt);
		alternative(&msg, &bd, alt);
	} else {
		buf_addf(&msg, "Content-Type: multipart/mixed;\r\n boundary=\"%s\"\r\n\r\n", mixed);
		buf_addf(&msg,
		         "--%s\r\nContent-Type: multipart/alternative;\r\n boundary=\"%s\"\r\n\r\n",
		         mixed, alt);
		alternative(&msg, &bd, alt);
		buf_addf(&msg,
		         "\r\n--%s\r\n"
		         "Content-Type: text/calendar; charset=UTF-8; method=PUBLISH;\r\n"
		         " name=\"reservations.ics\"\r\n"
		         "Content-Disposition: attachment; filename=\"reservations.ics\"\r\n"
		         "Content-Transfer-Encoding: base64\r\n\r\n",
		         mixed);
		mime_base64_lines(&msg, bd.cal.p, bd.cal.len);
		buf_addf(&msg, "\r\n--%s--\r\n", mixed);
	}

	out->subject = buf_detach(&subj, NULL);
	out->text = buf_detach(&bd.text, NULL);
	out->html = buf_detach(&bd.html, NULL);
	out->content = buf_detach(&msg, &out->length);
	rc = 0;
done:
	buf_release(&subj);
	buf_release(&msg);
	buf_release(&bd.text);
	buf_release(&bd.html);
	buf_release(&bd.cal);
	free(from_name);
	free(from_addr);
	free(rt_name);
	free(rt_addr);
	return rc;
}

void
mail_out_release(struct mail_out *out)
{
	free(out->subject);
	free(out->text);
	free(out->html);
	free(out->content);
	memset(out, 0, sizeof(*out));
}
