/*
 * test_robust_secret - hostile secret files (found by fuzz/fuzz_config):
 * a password or token file made of NUL bytes used to be accepted as an empty
 * secret, and one with a NUL inside was silently cut short. Both are refused
 * now, and no refusal ever quotes the secret.
 */
#include "config.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "t.h"

static char dir[] = "/tmp/nocturne-secret.XXXXXX";

static const char *
put(const char *name, const char *data, size_t n, mode_t mode)
{
	static char path[128];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || write(fd, data, n) != (ssize_t)n)
		abort();
	fchmod(fd, mode);
	close(fd);
	return path;
}

static void
test_nul_only_refused(void)
{
	char *s = NULL;
	struct err e;
	const char *p = put("nul", "\0\0\0\0\n", 5, 0600);

	err_clear(&e);
	CHECK_INT(config_read_secret(p, "[smtp] password_file", &s, &e), -1);
	CHECK(s == NULL);
	CHECK_INT(e.kind, ERR_CONFIG);
	CHECK(strstr(e.msg, "NUL") != NULL);
}

static void
test_nul_inside_refused(void)
{
	char *s = NULL;
	struct err e;
	const char *p = put("cut", "abc\0defghij\n", 12, 0600);

	err_clear(&e);
	CHECK_INT(config_read_secret(p, "[backoffice] token_file", &s, &e), -1);
	CHECK(s == NULL);
	CHECK(strstr(e.msg, "[backoffice] token_file") != NULL);
}

static void
test_refusals_never_quote_the_secret(void)
{
	static const mode_t modes[] = {0640, 0604, 0660, 0644, 0666};
	char *s = NULL;
	struct err e;

	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		const char *p = put("pw", "Hunter2-s3cr3t\n", 15, modes[i]);

		err_clear(&e);
		CHECK_INT(config_read_secret(p, "[smtp] password_file", &s, &e), -1);
		CHECK(s == NULL);
		CHECK(strstr(e.msg, "refused") != NULL);
		CHECK(strstr(e.msg, "Hunter2") == NULL);
	}
	put("pw2", "Hunter2-s3cr3t\nsecond line\n", 27, 0600);
	err_clear(&e);
	CHECK_INT(config_read_secret(put("pw2", "Hunter2-s3cr3t\nsecond\n", 22, 0600), "k", &s, &e),
		  -1);
	CHECK(strstr(e.msg, "Hunter2") == NULL);
	/* and the good one is read exactly */
	err_clear(&e);
	CHECK_INT(config_read_secret(put("ok", "Hunter2-s3cr3t\r\n", 16, 0600), "k", &s, &e), 0);
	CHECK_STR(s, "Hunter2-s3cr3t");
	free(s);
}

int
main(void)
{
	char path[128];

	if (mkdtemp(dir) == NULL)
		return 1;
	T_RUN(test_nul_only_refused);
	T_RUN(test_nul_inside_refused);
	T_RUN(test_refusals_never_quote_the_secret);
	for (const char *const *n = (const char *const[]){"nul", "cut", "pw", "pw2", "ok", NULL};
	     *n; n++) {
		snprintf(path, sizeof(path), "%s/%s", dir, *n);
		unlink(path);
	}
	rmdir(dir);
	return t_status();
}
