#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "t.h"

static char dir[] = "/tmp/nocturne-test-config.XXXXXX";

static const char *
write_file(const char *name, const char *text, mode_t mode)
{
	static char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	fputs(text, f);
	fclose(f);
	chmod(path, mode);
	return path;
}

static int
load(const char *text, struct config *cfg, struct err *e)
{
	const char *p = write_file("c.ini", text, 0644);
	config_defaults(cfg);
	return config_load_file(cfg, p, e);
}

static void
test_defaults(void)
{
	struct config cfg;
	struct err e;

	unsetenv("NOCTURNE_CONFIG");
	CHECK_INT(config_load(&cfg, NULL, &e), 0);
	CHECK_STR(cfg.db_path, "./nocturne.db");
	CHECK_INT(cfg.transport, TRANSPORT_FILE);
	CHECK_STR(cfg.mail_dir, "./outbox");
	CHECK_INT(cfg.expire_waitlist, 1);
	CHECK_INT(cfg.refuse_debtor, 0);
	config_release(&cfg);
}

static void
test_values(void)
{
	struct config cfg;
	struct err e;

	CHECK_INT(load("[database]\npath = /x/y.db\n[smtp]\nport = 0587\ntls = tls\n"
	               "password_file = \"/p#1\"\n[transmit]\nrefuse_debtor = oui\n"
	               "[mail]\ntransport = smtp\n",
	               &cfg, &e),
	          0);
	CHECK_STR(cfg.db_path, "/x/y.db");
	CHECK_INT(cfg.smtp_port, 587);
	CHECK_INT(cfg.smtp_tls, TLS_IMPLICIT);
	CHECK_STR(cfg.smtp_password_file, "/p#1");
	CHECK_INT(cfg.refuse_debtor, 1);
	CHECK_INT(cfg.transport, TRANSPORT_SMTP);
	config_release(&cfg);

	CHECK_INT(load("[log]\nsyslog = on\n[transmit]\nexpire_waitlist = non\n", &cfg, &e), 0);
	CHECK_INT(cfg.syslog, 1);
	CHECK_INT(cfg.expire_waitlist, 0);
	/* Operations keys: defaults when unset. */
	CHECK_STR(cfg.backup_dir, "");
	CHECK_INT(cfg.backup_keep, 7);
	CHECK_STR(cfg.metrics_file, "");
	config_release(&cfg);

	CHECK_INT(load("[database]\nbackup_dir = /b\nbackup_keep = 030\n[log]\nmetrics_file = "
	               "/m/n.prom\n",
	               &cfg, &e),
	          0);
	CHECK_STR(cfg.backup_dir, "/b");
	CHECK_INT(cfg.backup_keep, 30);
	CHECK_STR(cfg.metrics_file, "/m/n.prom");
	config_release(&cfg);
}

/* An empty value means the key's default, as nocturne(5) shows it. */
static void
test_empty_values(void)
{
	struct config cfg;
	struct err e;

	CHECK_INT(load("[database]\npath =\nbusy_timeout_ms =\n[smtp]\nport =\ntls = \n"
	               "timeout =\nhost =\n[mail]\ntransport =\ndirectory =\nfrom =\n"
	               "max_attempts =\n[backoffice]\nurl =\n[log]\nsyslog =\n",
	               &cfg, &e),
	          0);
	CHECK_STR(cfg.db_path, "./nocturne.db");
	CHECK_INT(cfg.busy_timeout_ms, 5000);
	CHECK_INT(cfg.smtp_port, 0); /* 25, or 465 with tls = tls */
	CHECK_INT(cfg.smtp_tls, TLS_STARTTLS);
	CHECK_INT(cfg.smtp_timeout, 60);
	CHECK_STR(cfg.smtp_host, "localhost");
	CHECK_INT(cfg.transport, TRANSPORT_FILE);
	CHECK_STR(cfg.mail_dir, "./outbox");
	CHECK_STR(cfg.from, "Portail Famille <no-reply@localhost>");
	CHECK_INT(cfg.max_attempts, 6);
	CHECK_STR(cfg.bo_url, "");
	CHECK_INT(cfg.syslog, 0);
	config_release(&cfg);
}

/* A CA file that cannot be read names the configuration file and the key. */
static void
test_check_file(void)
{
	struct config cfg;
	struct err e;
	char want[1024];

	CHECK_INT(load("[smtp]\nca_file = /nonexistent/ca.pem\n", &cfg, &e), 0);
	err_clear(&e);
	CHECK_INT(config_check_file(&cfg, "[smtp] ca_file", cfg.smtp_ca_file, &e), -1);
	CHECK_INT(e.kind, ERR_CONFIG);
	snprintf(want, sizeof(want),
	         "%s/c.ini: [smtp] ca_file /nonexistent/ca.pem: cannot read: No such file or "
	         "directory",
	         dir);
	CHECK_STR(e.msg, want);
	CHECK_INT(config_check_file(&cfg, "[smtp] ca_file", "", &e), 0);
	CHECK_INT(config_check_file(&cfg, "[smtp] ca_file", "/", &e), -1);
	CHECK(strstr(e.msg, "not a regular file") != NULL);
	config_release(&cfg);
}

static void
test_errors(void)
{
	struct config cfg;
	struct err e;
	char want[1024];

	CHECK_INT(load("[smtp]\nport = abc\n", &cfg, &e), -1);
	CHECK_INT(e.kind, ERR_CONFIG);
	CHECK(strstr(e.msg, "[smtp] port = 'abc'") != NULL);
	config_release(&cfg);

	CHECK_INT(load("[smtp]\ntls = maybe\n", &cfg, &e), -1);
	CHECK(strstr(e.msg, "[smtp] tls = 'maybe'") != NULL);
	config_release(&cfg);

	CHECK_INT(load("[smtp]\nprot = 25\n", &cfg, &e), -1);
	CHECK(strstr(e.msg, "[smtp] prot: unknown key") != NULL);
	config_release(&cfg);

	CHECK_INT(load("[smpt]\nport = 25\n", &cfg, &e), -1);
	CHECK(strstr(e.msg, "unknown section [smpt]") != NULL);
	config_release(&cfg);

	CHECK_INT(load("[log]\nsyslog = maybe\n", &cfg, &e), -1);
	CHECK(strstr(e.msg, "[log] syslog = 'maybe': not yes or no") != NULL);
	config_release(&cfg);

	CHECK_INT(load("[smtp]\nport = 70000\n", &cfg, &e), -1);
	config_release(&cfg);

	/* Keeping no backup at all is not a number of backups to keep. */
	CHECK_INT(load("[database]\nbackup_keep = 0\n", &cfg, &e), -1);
	CHECK(
	    strstr(e.msg, "[database] backup_keep = '0': not a whole number between 1 and 10000") !=
	    NULL);
	config_release(&cfg);

	CHECK_INT(load("[smtp\nport = 25\n", &cfg, &e), -1);
	CHECK_INT(e.kind, ERR_CONFIG);
	snprintf(want, sizeof(want),
	         "%s/c.ini:1: '[smtp' is not a section header: it must end with ']'", dir);
	CHECK_STR(e.msg, want);
	CHECK(strstr(e.msg, "->") == NULL);
	config_release(&cfg);

	/* Unknown sections and keys, and lines that are neither, name file and line. */
	CHECK_INT(load("[smtp]\nport = 25\n\n[database]\n; c\nbogus = 1\n", &cfg, &e), -1);
	snprintf(want, sizeof(want), "%s/c.ini:6: [database] bogus: unknown key", dir);
	CHECK_STR(e.msg, want);
	config_release(&cfg);
	CHECK_INT(load("[smtp]\nport = 25\n[Smpt]\n", &cfg, &e), -1);
	snprintf(want, sizeof(want), "%s/c.ini:3: unknown section [smpt]", dir);
	CHECK_STR(e.msg, want);
	config_release(&cfg);
	CHECK_INT(load("[smtp]\nport 25\n", &cfg, &e), -1);
	CHECK_INT(e.kind, ERR_CONFIG);
	snprintf(want, sizeof(want), "%s/c.ini:2: 'port 25': expected 'key = value' or '[section]'",
	         dir);
	CHECK_STR(e.msg, want);
	config_release(&cfg);
	CHECK_INT(load("[smtp] ; relay\nport = 25\n", &cfg, &e), -1);
	snprintf(want, sizeof(want),
	         "%s/c.ini:1: '[smtp] ; relay' is not a section header: it must end with ']'", dir);
	CHECK_STR(e.msg, want);
	config_release(&cfg);
	/* Upper case is iniparser's lower case; a continued line is one line. */
	CHECK_INT(load("[SMTP]\nHost = a\\\nb\nport = 26\n", &cfg, &e), 0);
	CHECK_INT(cfg.smtp_port, 26);
	config_release(&cfg);

	/* A key before any section would be dropped by iniparser: refused, with its line. */
	CHECK_INT(load("; nocturne\n\n# comment\nport = 2525\n[smtp]\nport = 25\n", &cfg, &e), -1);
	CHECK_INT(e.kind, ERR_CONFIG);
	snprintf(want, sizeof(want),
	         "%s/c.ini:4: 'port' is outside any section (put it under [section])", dir);
	CHECK_STR(e.msg, want);
	config_release(&cfg);
	CHECK_INT(load("  \tport=1\n", &cfg, &e), -1);
	snprintf(want, sizeof(want),
	         "%s/c.ini:1: 'port' is outside any section (put it under [section])", dir);
	CHECK_STR(e.msg, want);
	config_release(&cfg);
	CHECK_INT(load("; only comments\n[smtp]\nport = 25\n", &cfg, &e), 0);
	CHECK_INT(cfg.smtp_port, 25);
	config_release(&cfg);

	CHECK_INT(load("\xEF\xBB\xBF[smtp]\nport = 25\n", &cfg, &e), -1);
	CHECK(strstr(e.msg, "byte order mark") != NULL);
	config_release(&cfg);

	CHECK_INT(config_load(&cfg, "/nonexistent/n.ini", &e), -1);
	CHECK_INT(e.kind, ERR_CONFIG);
	config_release(&cfg);
}

static void
test_secret(void)
{
	struct err e;
	char *s = NULL;
	const char *p;

	p = write_file("pw", "s3cret\n", 0600);
	CHECK_INT(config_read_secret(p, "[smtp] password_file", &s, &e), 0);
	CHECK_STR(s, "s3cret");
	free(s);
	p = write_file("pw2", "s3cret\n", 0640);
	CHECK_INT(config_read_secret(p, "[smtp] password_file", &s, &e), -1);
	CHECK(strstr(e.msg, "readable by group or others") != NULL);
	CHECK(strstr(e.msg, "s3cret") == NULL);
	CHECK(s == NULL);
}

/* The shipped sample configurations must load as they are. */
static void
test_shipped_samples(void)
{
	const char *top = getenv("NOCTURNE_TOP");
	const char *names[] = {"conf/nocturne.ini", "conf/demo.ini"};
	char path[1024];
	struct config cfg;
	struct err e;

	if (top == NULL)
		top = ".";
	for (size_t i = 0; i < 2; i++) {
		snprintf(path, sizeof(path), "%s/%s", top, names[i]);
		config_defaults(&cfg);
		CHECK_INT(config_load_file(&cfg, path, &e), 0);
		if (i == 0) {
			CHECK_STR(cfg.db_path, "/var/lib/nocturne/nocturne.db");
			CHECK_INT(cfg.transport, TRANSPORT_SMTP);
			CHECK_INT(cfg.smtp_port, 25);
			CHECK_STR(cfg.signature, "");
			CHECK_INT(cfg.smtp_max_per_session, 200);
		} else {
			CHECK_INT(cfg.transport, TRANSPORT_FILE);
		}
		config_release(&cfg);
	}
}

/* The keys of the mail a parent can act on (contract 6.1). */
static void
test_mail_keys(void)
{
	static const struct {
		const char *ini, *key;
	} bad[] = {
	    {"[mail]\nportal_url = portail.example\n", "[mail] portal_url = 'portail.example'"},
	    {"[mail]\nportal_url = ftp://portail.example/\n", "[mail] portal_url"},
	    {"[mail]\nportal_url = https://\n", "[mail] portal_url"},
	    {"[mail]\nportal_url = https://portail.example/a b\n", "[mail] portal_url"},
	    {"[mail]\nportal_url = javascript:alert(1)\n", "[mail] portal_url"},
	    {"[mail]\nportal_url = https://x.example/\"><script>\n", "[mail] portal_url"},
	    {"[mail]\ncontact = Service\tEnfance\n", "[mail] contact: a control character at byte 8"},
	    {"[mail]\ncontact = Service\x1b[31mEnfance\n", "[mail] contact: a control character"},
	    {"[mail]\ncontact = Mairie \xe9t\xe9\n", "[mail] contact: not UTF-8 at byte 8"},
	    {"[mail]\nreturn_path = bounces\n", "[mail] return_path = 'bounces': not an address"},
	    {"[mail]\nreturn_path = Bounces <b@mairie.example>\n", "[mail] return_path"},
	    {"[mail]\nreturn_path = b@@mairie.example\n", "[mail] return_path"},
	    {"[mail]\ncalendar = peut-être\n", "[mail] calendar = 'peut-être': not yes or no"},
	};
	struct config cfg;
	struct err e;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CHECK_INT(load(bad[i].ini, &cfg, &e), -1);
		CHECK_INT(e.kind, ERR_CONFIG);
		if (strstr(e.msg, bad[i].key) == NULL)
			printf("  %s: got '%s', expected '%s'\n", bad[i].ini, e.msg, bad[i].key);
		CHECK(strstr(e.msg, bad[i].key) != NULL);
		config_release(&cfg);
	}
	CHECK_INT(load("[mail]\nportal_url = \"https://portail.mairie.example/famille?id=1#x\"\n"
	               "contact = Service Enfance — 01 23 45 67 89 (lundi–vendredi)\n"
	               "return_path = bounces@mairie.example\ncalendar = oui\n",
	               &cfg, &e),
	          0);
	CHECK_STR(cfg.portal_url, "https://portail.mairie.example/famille?id=1#x");
	CHECK_STR(cfg.contact, "Service Enfance — 01 23 45 67 89 (lundi–vendredi)");
	CHECK_STR(cfg.return_path, "bounces@mairie.example");
	CHECK_INT(cfg.calendar, 1);
	config_release(&cfg);
	config_defaults(&cfg);
	CHECK_STR(cfg.portal_url, "");
	CHECK_STR(cfg.contact, "");
	CHECK_STR(cfg.return_path, "");
	CHECK_INT(cfg.calendar, 0);
	config_release(&cfg);
}

int
main(void)
{
	if (mkdtemp(dir) == NULL)
		return 1;
	/* No configuration named: /etc/nocturne/nocturne.ini, if any, is read. */
	if (access("/etc/nocturne/nocturne.ini", F_OK) == 0)
		printf("SKIP: test_defaults /etc/nocturne/nocturne.ini exists here\n");
	else
		T_RUN(test_defaults);
	T_RUN(test_values);
	T_RUN(test_errors);
	T_RUN(test_mail_keys);
	T_RUN(test_empty_values);
	T_RUN(test_check_file);
	T_RUN(test_secret);
	T_RUN(test_shipped_samples);
	{
		char cmd[300];
		snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
		if (system(cmd) != 0)
			return 1;
	}
	return t_status();
}
