/*
 * money.h - amounts in euros, kept as whole cents (int64_t): read from the
 * families file, written in messages and in nocturne-status. Leaf: libc.
 */
#ifndef NOCTURNE_MONEY_H
#define NOCTURNE_MONEY_H

#include <stddef.h>
#include <stdint.h>

/*
 * An amount as a French spreadsheet writes it: an optional sign, up to 12
 * digits of euros, optionally '.' or ',' and one or two digits of cents,
 * optionally a trailing '€' (a space before it allowed): "12.50", "-3,20",
 * "15,00 €". 0 and *cents, or -1 (*cents untouched).
 */
int money_parse(const char *s, int64_t *cents);

/* Longest money_format() text, with its NUL. */
#define MONEY_LEN 32

/* cents as "[-]EUROS.CC" in buf (n >= MONEY_LEN for any value); returns buf. */
char *money_format(char *buf, size_t n, int64_t cents);

#endif
