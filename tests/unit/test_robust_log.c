/*
 * test_robust_log - a message quoting hostile data (a config key or CSV
 * value holding CR, LF, ESC) still prints as exactly one stderr line
 * (found by fuzz/fuzz_config: an unknown key "ron\xdb\r\r" was echoed raw).
 */
#include "log.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "err.h"
#include "t.h"

static void
test_one_line(void)
{
	char path[] = "/tmp/nocturne-log.XXXXXX", buf[512];
	int fd = mkstemp(path), saved = dup(2);
	struct err e;
	size_t n;
	FILE *f;

	CHECK(fd >= 0 && saved >= 0);
	err_set(&e, ERR_CONFIG, "x.ini: [transmit] %s: unknown key", "ro\r\nn\x1b[2J\x7f");
	fflush(stderr);
	dup2(fd, 2);
	log_init("nocturne-test", LOG_LEVEL_WARN);
	log_error("%s", e.msg);
	log_warn("second %s", "a\nb");
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	f = fdopen(fd, "r");
	rewind(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	unlink(path);
	CHECK_STR(buf, "nocturne-test: x.ini: [transmit] ro??n?[2J?: unknown key\n"
		       "nocturne-test: second a?b\n");
}

int
main(void)
{
	T_RUN(test_one_line);
	return t_status();
}
