/* The leaf modules: parse, money, text, buf. */
#include "parse.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "money.h"
#include "t.h"
#include "text.h"

static void
test_money_parse(void)
{
	int64_t c = 7;

	CHECK_INT(money_parse("12.50", &c), 0);
	CHECK_INT(c, 1250);
	CHECK_INT(money_parse("12,5", &c), 0);
	CHECK_INT(c, 1250);
	CHECK_INT(money_parse("-3,20", &c), 0);
	CHECK_INT(c, -320);
	CHECK_INT(money_parse("+4", &c), 0);
	CHECK_INT(c, 400);
	CHECK_INT(money_parse("0", &c), 0);
	CHECK_INT(c, 0);
	CHECK_INT(money_parse("15,00 €", &c), 0);
	CHECK_INT(c, 1500);
	CHECK_INT(money_parse("-0.05€", &c), 0);
	CHECK_INT(c, -5);
	CHECK_INT(money_parse("999999999999.99", &c), 0);
	CHECK_INT(c, 99999999999999LL);
	c = 7;
	CHECK_INT(money_parse("1000000000000", &c), -1);
	CHECK_INT(money_parse("1.234", &c), -1);
	CHECK_INT(money_parse("1.", &c), -1);
	CHECK_INT(money_parse(".5", &c), -1);
	CHECK_INT(money_parse("1 234", &c), -1);
	CHECK_INT(money_parse("abc", &c), -1);
	CHECK_INT(money_parse("", &c), -1);
	CHECK_INT(money_parse("-", &c), -1);
	CHECK_INT(money_parse("€", &c), -1);
	CHECK_INT(money_parse("1e3", &c), -1);
	CHECK_INT(c, 7);
}

static void
test_bool(void)
{
	static const char *const yes[] = {"yes", "YES", "oui", "Oui", "true", "1"};
	static const char *const no[] = {"no", "Non", "non", "FALSE", "0"};
	int v;

	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		v = -5;
		CHECK_INT(parse_bool(yes[i], 0, &v), 0);
		CHECK_INT(v, 1);
	}
	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++) {
		v = -5;
		CHECK_INT(parse_bool(no[i], 0, &v), 0);
		CHECK_INT(v, 0);
	}
	CHECK_INT(parse_bool("y", 0, &v), -1);
	CHECK_INT(parse_bool("2", 0, &v), -1);
	CHECK_INT(parse_bool("", 0, &v), -1);
	CHECK_INT(parse_bool("yess", 0, &v), -1);
	/* "on"/"off" only where asked (the configuration's switches) */
	CHECK_INT(parse_bool("on", 0, &v), -1);
	v = -5;
	CHECK_INT(parse_bool("On", PARSE_ON_OFF, &v), 0);
	CHECK_INT(v, 1);
	CHECK_INT(parse_bool("OFF", PARSE_ON_OFF, &v), 0);
	CHECK_INT(v, 0);
	CHECK_INT(parse_bool("non", PARSE_ON_OFF, &v), 0);
	CHECK_INT(v, 0);
}

static void
test_uint(void)
{
	long long v = -5;

	CHECK_INT(parse_uint("0", 10, &v), 0);
	CHECK_INT(v, 0);
	CHECK_INT(parse_uint("10", 10, &v), 0);
	CHECK_INT(v, 10);
	CHECK_INT(parse_uint("11", 10, &v), -1);
	CHECK_INT(parse_uint("-1", 10, &v), -1);
	CHECK_INT(parse_uint("+1", 10, &v), -1);
	CHECK_INT(parse_uint("1.5", 10, &v), -1);
	CHECK_INT(parse_uint("99999999999999999999", 10, &v), -1);
	CHECK_INT(parse_uint("", 10, &v), -1);

	CHECK_INT(parse_uint("0587", 1000, &v), 0); /* decimal, never octal */
	CHECK_INT(v, 587);
}

static void
test_money_format(void)
{
	char m[MONEY_LEN];

	CHECK_STR(money_format(m, sizeof(m), 1250), "12.50");
	CHECK_STR(money_format(m, sizeof(m), -5), "-0.05");
	CHECK_STR(money_format(m, sizeof(m), 0), "0.00");
	CHECK_STR(money_format(m, sizeof(m), INT64_MIN), "-92233720368547758.08");
}

static void
test_utf8(void)
{
	size_t bad = 99;

	CHECK_INT(text_utf8_check("Élodie ça 😀", strlen("Élodie ça 😀"), &bad), 0);
	CHECK_INT(text_utf8_check("ab\xC3", 3, &bad), -1);
	CHECK_INT(bad, 2);
	CHECK_INT(text_utf8_check("\xC0\xAF", 2, &bad), -1);         /* overlong */
	CHECK_INT(text_utf8_check("\xE0\x80\xAF", 3, &bad), -1);     /* overlong */
	CHECK_INT(text_utf8_check("\xED\xA0\x80", 3, &bad), -1);     /* surrogate */
	CHECK_INT(text_utf8_check("\xF4\x90\x80\x80", 4, &bad), -1); /* > U+10FFFF */
	CHECK_INT(text_utf8_check("x\xE9y", 3, &bad), -1);
	CHECK_INT(bad, 1);
	CHECK_INT(text_utf8_len("\xF0\x9F\x98\x80", 4), 4);
	CHECK_INT(text_utf8_len("\xF0\x9F\x98", 3), 0); /* cut short */
	CHECK_INT(text_utf8_len("\xC3\xA9", 2), 2);
}

static void
test_oneline(void)
{
	char d[64];
	const char *s = "  a\r\nb\tc\x1b\x7f\xE9 \xC3\xA9  ";

	CHECK_INT(text_oneline(d, sizeof(d), s, strlen(s), 0), strlen(s));
	CHECK_STR(d, "  a??b?c??\xE9 \xC3\xA9  ");
	text_oneline(d, sizeof(d), s, strlen(s), TEXT_CONTROL_SPACE | TEXT_BAD_UTF8 | TEXT_TRIM);
	CHECK_STR(d, "a  b c  ? \xC3\xA9");
	/* cut to fit, never inside a sequence */
	CHECK_INT(text_oneline(d, 5, "abc\xC3\xA9", 5, 0), 3);
	CHECK_STR(d, "abc");
	CHECK_INT(text_oneline(d, 6, "abc\xC3\xA9", 5, 0), 5);
	/* in place */
	strcpy(d, "x\ny");
	text_oneline(d, sizeof(d), d, 3, 0);
	CHECK_STR(d, "x?y");
}

static void
test_buf(void)
{
	struct buf b = {0};
	size_t n;
	char *p;

	buf_adds(&b, "ab");
	buf_add(&b, "cdef", 2);
	buf_addf(&b, "%d-%s", 42, "x");
	for (int i = 0; i < 100; i++)
		buf_addf(&b, "%s", "0123456789");
	CHECK_INT(b.len, 8 + 1000);
	CHECK(memcmp(b.p, "abcd42-x0123", 12) == 0);
	CHECK_INT(b.p[b.len], '\0');
	p = buf_detach(&b, &n);
	CHECK_INT(n, 1008);
	CHECK(b.p == NULL && b.len == 0);
	free(p);
	p = buf_detach(&b, NULL);
	CHECK_STR(p, "");
	free(p);

	buf_add_base64(&b, (const unsigned char *)"", 0);
	buf_add_base64(&b, (const unsigned char *)"f", 1);
	buf_adds(&b, " ");
	buf_add_base64(&b, (const unsigned char *)"fo", 2);
	buf_adds(&b, " ");
	buf_add_base64(&b, (const unsigned char *)"foobar", 6);
	buf_adds(&b, " ");
	buf_add_base64(&b, (const unsigned char *)"\xC3\xA9t\xC3\xA9", 5);
	CHECK_STR(b.p, "Zg== Zm8= Zm9vYmFy w6l0w6k=");
	buf_release(&b);
}

int
main(void)
{
	T_RUN(test_money_parse);
	T_RUN(test_bool);
	T_RUN(test_uint);
	T_RUN(test_money_format);
	T_RUN(test_utf8);
	T_RUN(test_oneline);
	T_RUN(test_buf);
	return t_status();
}
