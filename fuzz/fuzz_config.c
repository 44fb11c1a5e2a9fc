/*
 * fuzz_config - the INI loader (config_load_file) and the secret reader
 * (config_read_secret) on any file content. No crash, no leak, and:
 * a loaded configuration never holds CR or LF in a string value, integers
 * stay in their documented ranges; an accepted secret is one line of at most
 * 4 KiB, equal to the file minus its trailing newlines.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char path[64];

static void
remove_file(void)
{
	unlink(path);
}

static void
write_file(const uint8_t *data, size_t size)
{
	int fd;

	if (path[0] == '\0') {
		snprintf(path, sizeof(path), "/tmp/nocturne-fuzz-config.%ld", (long)getpid());
		atexit(remove_file);
	}
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || (size > 0 && write(fd, data, size) != (ssize_t)size))
		abort();
	fchmod(fd, 0600);
	close(fd);
}

static void
no_crlf(const char *s)
{
	FUZZ_ASSERT(s != NULL);
	FUZZ_ASSERT(strchr(s, '\r') == NULL && strchr(s, '\n') == NULL);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config cfg;
	struct err e;
	char *secret = NULL;

	write_file(data, size);
	config_defaults(&cfg);
	err_clear(&e);
	if (config_load_file(&cfg, path, &e) == 0) {
		const char *strs[] = {cfg.db_path,      cfg.mail_dir,     cfg.from,
				      cfg.reply_to,     cfg.signature,    cfg.smtp_host,
				      cfg.smtp_ca_file, cfg.smtp_user,    cfg.smtp_password_file,
				      cfg.bo_url,       cfg.bo_token_file, cfg.bo_ca_file};

		for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++)
			no_crlf(strs[i]);
		FUZZ_ASSERT(cfg.busy_timeout_ms >= 0 && cfg.busy_timeout_ms <= 3600000);
		FUZZ_ASSERT(cfg.max_attempts >= 1 && cfg.max_attempts <= 1000);
		FUZZ_ASSERT(cfg.smtp_port >= 0 && cfg.smtp_port <= 65535);
		FUZZ_ASSERT(cfg.smtp_timeout >= 1 && cfg.bo_timeout >= 1);
		FUZZ_ASSERT(cfg.smtp_max_per_session >= 1);
		FUZZ_ASSERT(e.kind == ERR_NONE);
	} else {
		FUZZ_ASSERT(e.kind == ERR_CONFIG);
		/* The message may quote data; log.c makes it one line when printed. */
		FUZZ_ASSERT(e.msg[0] != '\0');
	}
	config_release(&cfg);

	err_clear(&e);
	if (config_read_secret(path, "[smtp] password_file", &secret, &e) == 0) {
		size_t n = size;

		while (n > 0 && (data[n - 1] == '\n' || data[n - 1] == '\r'))
			n--;
		/* A NUL byte inside is refused (it would cut the secret short). */
		FUZZ_ASSERT(memchr(data, '\0', n) == NULL);
		FUZZ_ASSERT(secret != NULL && strlen(secret) == n);
		FUZZ_ASSERT(n > 0 && n <= 4096 && memcmp(secret, data, n) == 0);
		no_crlf(secret);
		free(secret);
	} else {
		FUZZ_ASSERT(secret == NULL && e.kind == ERR_CONFIG);
	}
	return 0;
}
