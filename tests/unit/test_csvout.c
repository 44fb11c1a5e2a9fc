#include "csvout.h"

#include <stdlib.h>

#include "t.h"

static void
test_fields(void)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct csvout w;

	csvout_init(&w, f, ';', CSVOUT_SAFE);
	csvout_field(&w, "a");
	csvout_field(&w, "b;c");
	csvout_field(&w, "say \"hi\"");
	csvout_field(&w, NULL);
	csvout_int(&w, 42);
	csvout_end_row(&w);
	csvout_field(&w, "=HYPERLINK(\"x\")");
	csvout_field(&w, "-5");
	csvout_field(&w, "@SUM");
	csvout_field(&w, "x-1");
	csvout_end_row(&w);
	fclose(f);
	CHECK_STR(buf, "a;\"b;c\";\"say \"\"hi\"\"\";;42\n"
		       "\"'=HYPERLINK(\"\"x\"\")\";\"'-5\";\"'@SUM\";x-1\n");
	free(buf);
}

int
main(void)
{
	T_RUN(test_fields);
	return t_status();
}
