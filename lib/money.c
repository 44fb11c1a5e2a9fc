#include "money.h"

#include <stdio.h>
#include <string.h>

static int
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

int
money_parse(const char *s, int64_t *cents)
{
	int64_t euros = 0, frac = 0;
	int neg = 0, nd = 0, nf = 0;
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
	for (; s < end && is_digit(*s); s++, nd++) {
		if (nd == 12)
			return -1;
		euros = euros * 10 + (*s - '0');
	}
	if (nd == 0)
		return -1;
	if (s < end && (*s == '.' || *s == ',')) {
		s++;
		for (; s < end && is_digit(*s); s++, nf++) {
			if (nf == 2)
				return -1;
			frac = frac * 10 + (*s - '0');
		}
		if (nf == 0)
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
