#include "text.h"

#include <string.h>

size_t
text_utf8_len(const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	unsigned c = u[0];
	size_t k;
	unsigned long cp;

	if (c < 0x80)
		return 1;
	if (c >= 0xC2 && c <= 0xDF)
		k = 2, cp = c & 0x1F;
	else if (c >= 0xE0 && c <= 0xEF)
		k = 3, cp = c & 0x0F;
	else if (c >= 0xF0 && c <= 0xF4)
		k = 4, cp = c & 0x07;
	else
		return 0;
	if (n < k)
		return 0;
	for (size_t i = 1; i < k; i++) {
		if ((u[i] & 0xC0) != 0x80)
			return 0;
		cp = (cp << 6) | (u[i] & 0x3F);
	}
	if ((k == 3 && cp < 0x800) || (k == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
	    (cp >= 0xD800 && cp <= 0xDFFF))
		return 0;
	return k;
}

int
text_utf8_check(const char *s, size_t n, size_t *bad)
{
	size_t i = 0;

	while (i < n) {
		size_t k = text_utf8_len(s + i, n - i);
		if (k == 0) {
			*bad = i;
			return -1;
		}
		i += k;
	}
	return 0;
}

int
text_is_control(unsigned char c)
{
	return c < 0x20 || c == 0x7F;
}

size_t
text_oneline(char *dst, size_t cap, const char *src, size_t len, int flags)
{
	char ctl = (flags & TEXT_CONTROL_SPACE) ? ' ' : '?';
	size_t i = 0, j = 0, start = 0;

	while (i < len) {
		unsigned char c = (unsigned char)src[i];
		size_t k = 1;

		if (c >= 0x80 && (flags & TEXT_BAD_UTF8)) {
			k = text_utf8_len(src + i, len - i);
			if (k == 0) {
				if (j + 1 >= cap)
					break;
				dst[j++] = '?';
				i++;
				continue;
			}
		} else if (c >= 0x80) {
			/* Keep whole sequences together when cutting. */
			while (i + k < len && ((unsigned char)src[i + k] & 0xC0) == 0x80 && k < 4)
				k++;
		}
		if (j + k >= cap)
			break;
		if (k == 1) {
			dst[j++] = text_is_control(c) ? ctl : (char)c;
		} else {
			memmove(dst + j, src + i, k);
			j += k;
		}
		i += k;
	}
	if (flags & TEXT_TRIM) {
		while (start < j && dst[start] == ' ')
			start++;
		while (j > start && dst[j - 1] == ' ')
			j--;
		memmove(dst, dst + start, j - start);
		j -= start;
	}
	if (cap > 0)
		dst[j] = '\0';
	return j;
}
