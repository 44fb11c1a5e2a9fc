#include "money.h"

#include <stdio.h>
#include <string.h>

/*
 * Read 1 to max digits at *s (before end) into *v, moving *s past them:
 * the number of digits, or -1 for none or more than max.
 */
static int
digits(const char **s, const char *end, int max, int64_t *v)
{
	int n = 0;

	for (*v = 0; *s < end && **s >= '0' && **s <= '9'; (*s)++, n++) {
		if (n == max)
			return -1;
		*v = *v * 10 + (**s - '0');
	}
	return n == 0 ? -1 : n;
}

int
money_parse(const char *s, int64_t *cents)
{
	int64_t euros = 0, frac = 0;
	int neg = 0, nf;
	const char *end;
	size_t n = strlen(s);

	/* An optional trailing euro sign, with or without a space before it. */
	if (n >= 3 && memcmp(s + n - 3, "\xE2\x82\xAC", 3) == 0) {
		n -= 3;
		while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
			n--;
	}
	end = s + n;
	if (s < end && (*s == '+' || *s == '-'))
		neg = *s++ == '-';
	if (digits(&s, end, 12, &euros) < 0)
		return -1;
	if (s < end && (*s == '.' || *s == ',')) {
		s++;
		nf = digits(&s, end, 2, &frac);
		if (nf < 0)
			return -1;
		if (nf == 1)
			frac *= 10;
	}
	if (s != end)
		return -1;
	*cents = (neg ? -1 : 1) * (euros * 100 + frac);
	return 0;
}

char *
money_format(char *buf, size_t n, int64_t cents)
{
	/* The magnitude without overflow, even for INT64_MIN. */
	unsigned long long a =
	    cents < 0 ? 0ULL - (unsigned long long)cents : (unsigned long long)cents;

	snprintf(buf, n, "%s%llu.%02llu", cents < 0 ? "-" : "", a / 100, a % 100);
	return buf;
}
