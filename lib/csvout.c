#include "csvout.h"

#include <csv.h>
#include <stdlib.h>
#include <string.h>

void
csvout_init(struct csvout *w, FILE *fp, char sep, int flags)
{
	w->fp = fp;
	w->sep = sep;
	w->flags = flags;
	w->nfields = 0;
}

static int
needs_quotes(const char *s, char sep)
{
	for (; *s; s++)
		if (*s == sep || *s == '"' || *s == '\r' || *s == '\n')
			return 1;
	return 0;
}

static int
formula_like(const char *s)
{
	return s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@' || s[0] == '\t' ||
	       s[0] == '\r';
}

int
csvout_field(struct csvout *w, const char *s)
{
	if (s == NULL)
		s = "";
	if (w->nfields++ > 0 && putc_unlocked(w->sep, w->fp) == EOF)
		return -1;
	if ((w->flags & CSVOUT_SAFE) && formula_like(s)) {
		/* Quote it, with a leading apostrophe inside the quotes. */
		size_t n = strlen(s);
		char *tmp = NULL;
		int rc;

		tmp = malloc(n + 2);
		if (tmp == NULL)
			return -1;
		tmp[0] = '\'';
		memcpy(tmp + 1, s, n + 1);
		rc = csv_fwrite(w->fp, tmp, n + 1);
		free(tmp);
		return rc == 0 ? 0 : -1;
	}
	if (needs_quotes(s, w->sep))
		return csv_fwrite(w->fp, s, strlen(s)) == 0 ? 0 : -1;
	return fputs_unlocked(s, w->fp) == EOF ? -1 : 0;
}

/* What "%lld" writes, without snprintf's cost (a million rows each). */
int
csvout_int(struct csvout *w, long long v)
{
	char buf[32], *p = buf + sizeof(buf);
	unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;

	*--p = '\0';
	do {
		*--p = (char)('0' + u % 10u);
		u /= 10u;
	} while (u > 0);
	if (v < 0)
		*--p = '-';
	return csvout_field(w, p);
}

int
csvout_end_row(struct csvout *w)
{
	w->nfields = 0;
	if (w->flags & CSVOUT_CRLF)
		return fputs_unlocked("\r\n", w->fp) == EOF ? -1 : 0;
	return putc_unlocked('\n', w->fp) == EOF ? -1 : 0;
}
