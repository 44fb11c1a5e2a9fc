/*
 * parse.h - the number and yes/no words of the configuration and the CSV
 * files, read the same way everywhere. Leaf: libc only.
 *
 * Numbers are decimal whatever their leading zeros ("0587" is 587, where
 * iniparser's getint would read octal), with no sign, no spaces.
 */
#ifndef NOCTURNE_PARSE_H
#define NOCTURNE_PARSE_H

/* parse_bool flags. */
enum {
	PARSE_ON_OFF = 1, /* also "on" / "off" (the configuration's switches) */
};

/*
 * "yes", "oui", "true", "1" -> *v = 1; "no", "non", "false", "0" -> *v = 0,
 * in any ASCII case (and "on"/"off" with PARSE_ON_OFF). 0, or -1 for any
 * other word (*v untouched).
 */
int parse_bool(const char *s, int flags, int *v);

/*
 * A whole number 0..max written with decimal digits only. 0 and *v, or -1
 * (empty, a sign, another character, over max; *v untouched).
 */
int parse_uint(const char *s, long long max, long long *v);

/* 1 if a and b are equal but for ASCII case (no locale), else 0. */
int parse_same(const char *a, const char *b);

#endif
