#include "parse.h"

#include <stddef.h>

static int
lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

int
parse_same(const char *a, const char *b)
{
	for (; *a && *b; a++, b++)
		if (lower((unsigned char)*a) != lower((unsigned char)*b))
			return 0;
	return *a == *b;
}

int
parse_bool(const char *s, int flags, int *v)
{
	static const char *const yes[] = {"yes", "oui", "true", "1", "on"};
	static const char *const no[] = {"no", "non", "false", "0", "off"};
	size_t n = sizeof(yes) / sizeof(yes[0]) - ((flags & PARSE_ON_OFF) ? 0 : 1);

	for (size_t i = 0; i < n; i++) {
		if (parse_same(s, yes[i])) {
			*v = 1;
			return 0;
		}
		if (parse_same(s, no[i])) {
			*v = 0;
			return 0;
		}
	}
	return -1;
}

int
parse_uint(const char *s, long long max, long long *v)
{
	long long n = 0;

	if (*s == '\0')
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		n = n * 10 + (*s - '0');
		if (n > max)
			return -1;
	}
	*v = n;
	return 0;
}
