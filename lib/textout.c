#include "textout.h"

#include <stdarg.h>

#include "money.h"
#include "text.h"

int
textout_cols(const char *s)
{
	int n = 0;

	for (; *s; s++)
		if (((unsigned char)*s & 0xC0) != 0x80)
			n++;
	return n;
}

int
textout_put(FILE *out, const char *s, int max)
{
	int cols = 0, total;

	if (s == NULL)
		s = "";
	total = textout_cols(s);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		int starts = (c & 0xC0) != 0x80;

		if (starts && max > 0 && total > max && cols == max - 1) {
			putc('~', out);
			return cols + 1;
		}
		if (starts)
			cols++;
		putc(text_is_control(c) ? '?' : c, out);
	}
	return cols;
}

void
textout_cell(FILE *out, const char *s, int width)
{
	for (int n = textout_put(out, s, width); n < width; n++)
		putc(' ', out);
}

void
textout_field(FILE *out, const char *label, const char *fmt, ...)
{
	va_list ap;
	int n;

	n = fprintf(out, "  %s:", label);
	for (; n < 17; n++)
		putc(' ', out);
	putc(' ', out);
	va_start(ap, fmt);
	vfprintf(out, fmt, ap);
	va_end(ap);
}

void
textout_money(FILE *out, long long cents)
{
	char m[MONEY_LEN];

	fprintf(out, "%s €", money_format(m, sizeof(m), cents));
}
