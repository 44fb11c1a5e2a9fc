/*
 * fuzz_bounce - the bounce reader (lib/bounce.h) and its MIME reader
 * (lib/mime_read.h) with hostile messages. Whatever the bytes: a verdict in
 * range, a reason for the log, every text field NUL-terminated inside its
 * array and printable on one line, a status of the form D.D.D, a
 * Message-ID "<...>" of printable ASCII, and a failure always with a class
 * 5 status. The same bytes give the same result.
 *
 * Input: byte 0 selects the envelope recipient (none, or a VERP address),
 * the rest is the message.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bounce.h"
#include "fuzz_util.h"
#include "mime_read.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_line(const char *s, size_t cap)
{
	size_t n = strnlen(s, cap);

	FUZZ_ASSERT(n < cap);
	for (size_t i = 0; i < n; i++)
		FUZZ_ASSERT((unsigned char)s[i] >= 32 && s[i] != 127);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bounce_env env = {"bounces@mairie.example", NULL};
	struct bounce_result r, r2;
	const char *msg;
	size_t len;

	if (size < 1)
		return 0;
	if (data[0] & 1)
		env.recipient = "bounces+m7@mairie.example";
	if (data[0] & 2)
		env.return_path = NULL;
	msg = (const char *)data + 1;
	len = size - 1;

	bounce_parse(msg, len, &env, &r);
	FUZZ_ASSERT(r.verdict >= BOUNCE_NOT && r.verdict <= BOUNCE_AUTOREPLY);
	FUZZ_ASSERT(r.why[0] != '\0');
	check_line(r.why, sizeof(r.why));
	check_line(r.diagnostic, sizeof(r.diagnostic));
	check_line(r.recipient, sizeof(r.recipient));
	check_line(r.format, sizeof(r.format));
	check_line(r.message_id, sizeof(r.message_id));
	FUZZ_ASSERT(r.ref >= 0);
	if (env.recipient != NULL && env.return_path != NULL)
		FUZZ_ASSERT(r.ref == 7);
	if (env.return_path == NULL)
		FUZZ_ASSERT(r.ref == 0);
	if (r.message_id[0] != '\0') {
		size_t n = strlen(r.message_id);
		FUZZ_ASSERT(n >= 3 && r.message_id[0] == '<' && r.message_id[n - 1] == '>');
		for (size_t i = 0; i < n; i++)
			FUZZ_ASSERT((unsigned char)r.message_id[i] > 32 &&
			            (unsigned char)r.message_id[i] < 127);
	}
	if (r.status[0] != '\0') {
		int a, b, c, k = 0;
		FUZZ_ASSERT(sscanf(r.status, "%1d.%3d.%3d%n", &a, &b, &c, &k) == 3);
		FUZZ_ASSERT((size_t)k == strlen(r.status));
	}
	if (r.verdict == BOUNCE_FAILED)
		FUZZ_ASSERT(r.status[0] == '5');
	bounce_parse(msg, len, &env, &r2);
	FUZZ_ASSERT(memcmp(&r, &r2, sizeof(r)) == 0);

	/* the decoders on their own: bounded, NUL-terminated */
	{
		static const char *const ctes[] = {NULL, "base64", "quoted-printable", "7bit"};
		size_t n;
		char *d = mime_decode(msg, len, ctes[(data[0] >> 2) & 3], 100, &n);
		FUZZ_ASSERT(n <= 100 && d[n] == '\0');
		free(d);
	}
	return 0;
}
