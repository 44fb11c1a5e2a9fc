/*
 * import_parse.c - the values of the CSV files that only the import reads
 * (waiting list, opening hours, action); numbers, yes/no and amounts are
 * parse.h's and money.h's.
 */
#include "import.h"

#include <string.h>

#include "import_int.h"
#include "parse.h"
#include "when.h"

static int
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* A whole number 0..max (digits only). */
static int
parse_count(const char *s, int max, int *v)
{
	long long n;

	if (parse_uint(s, max, &n) < 0)
		return -1;
	*v = (int)n;
	return 0;
}

int
import_parse_waitlist(const char *s, int *v)
{
	int b;

	if (is_digit(s[0]))
		return parse_count(s, CAP_MAX, v);
	if (parse_bool(s, 0, &b) < 0)
		return -1;
	*v = b ? -1 : 0;
	return 0;
}

int
import_parse_hours(const char *s, int *from, int *to)
{
	char a[6], b[6];
	const char *dash = strchr(s, '-');
	size_t la, lb;

	if (dash == NULL)
		return -1;
	la = (size_t)(dash - s);
	lb = strlen(dash + 1);
	/* Spaces around the dash are allowed: "08:30 - 18:00". */
	while (la > 0 && s[la - 1] == ' ')
		la--;
	dash++;
	while (*dash == ' ') {
		dash++;
		lb--;
	}
	if (la != 5 || lb != 5)
		return -1;
	memcpy(a, s, 5);
	a[5] = '\0';
	memcpy(b, dash, 5);
	b[5] = '\0';
	if (when_parse_time(a, 0, from) < 0 || when_parse_time(b, 1, to) < 0 || *from >= *to)
		return -1;
	return 0;
}

int
import_parse_action(const char *s, const char **action)
{
	if (parse_same(s, "reserve") || parse_same(s, "reservation") ||
	    parse_same(s, "réservation") || parse_same(s, "rÉservation")) {
		*action = "reserve";
		return 0;
	}
	if (parse_same(s, "cancel") || parse_same(s, "annulation")) {
		*action = "cancel";
		return 0;
	}
	return -1;
}
