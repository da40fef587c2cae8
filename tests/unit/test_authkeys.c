/* test_authkeys.c - authorized_keys line parser and emitter. */
#define TEST_MODULE "authkeys"
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <strings.h>

#include "test.h"
#include "authkeys.h"

#define ED "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKbXih4hygggjwmqdk/d3yA5hFYz1n97rwfuCaz+dFX5"
#define ED_B64 "AAAAC3NzaC1lZDI1NTE5AAAAIKbXih4hygggjwmqdk/d3yA5hFYz1n97rwfuCaz+dFX5"
#define EC "ecdsa-sha2-nistp256 " EC_B64
#define EC_B64 "AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBLWq+6lEzrcK1vvmiX9DRsTYDPyqUXaBZV5hkjgBx8hE9kJSoCwsYm+HkZT1FFDd8Jc4FVnWOEcIFIykRFAFguc="
#define RSA_B64 "AAAAB3NzaC1yc2EAAAADAQABAAAAgQDHUGpAiy1cfm707jKpB9AWUCKbu81vRz7IyUOx5e7tQ2sh9RNBUkdt7BAnMs0JGxadYgoOucMfeTPBu3M9CBKqJ8qntPKWnrzh6zgoqSssi+PBM/bX167lohDyjRVCxG35z3JA1A5kwUlekiE8oaNM8xh1RosVl6uwsR1FIpisjQ=="

static const struct {
	const char	*line;
	int		 ok;
	enum ak_err	 err;	/* when refused */
	int		 nopts;	/* when accepted; -1 blank */
} cases[] = {
	{ "", 1, 0, -1 },
	{ "   \t ", 1, 0, -1 },
	{ "# comment " ED, 1, 0, -1 },
	{ "  #x", 1, 0, -1 },
	{ ED, 1, 0, 0 },
	{ ED " backup@client", 1, 0, 0 },
	{ "  " ED "  two words ", 1, 0, 0 },
	{ EC " c", 1, 0, 0 },
	{ "ssh-rsa " RSA_B64 " r", 1, 0, 0 },
	{ "rsa-sha2-512 " RSA_B64 " r", 1, 0, 0 },
	{ "restrict " ED, 1, 0, 1 },
	{ "RESTRICT,No-Pty " ED, 1, 0, 2 },
	{ "restrict,from=\"10.0.0.1\",command=\"rsguard serve -ro /srv\" "
	    ED " c", 1, 0, 3 },
	{ "command=\"a b\\\"c\" " ED, 1, 0, 1 },
	{ "command=\"a\\b\" " ED, 1, 0, 1 },
	{ "command=\"\" " ED, 1, 0, 1 },
	{ "environment=\"A_1=x y\" " ED, 1, 0, 1 },
	{ "expiry-time=\"20300101\",expiry-time=\"203001011200Z\" " ED,
	    1, 0, 2 },
	{ "tunnel=\"any\",tunnel=\"5\" " ED, 1, 0, 2 },
	{ "permitopen=\"h:22\",permitlisten=\"8080\" " ED, 1, 0, 2 },
	{ "no-agent-forwarding,no-port-forwarding,no-pty,no-user-rc,"
	    "no-X11-forwarding " ED, 1, 0, 5 },
	{ "cert-authority,principals=\"a,b\" " ED, 1, 0, 2 },
	{ "no-touch-required,verify-required " ED, 1, 0, 2 },
	/* refusals */
	{ "bogus " ED, 0, AKE_OPTIONS, 0 },
	{ "restrict, " ED, 0, AKE_OPTIONS, 0 },
	{ "restrict,,pty " ED, 0, AKE_OPTIONS, 0 },
	{ "ptyx " ED, 0, AKE_OPTIONS, 0 },
	{ "no-restrict " ED, 0, AKE_OPTIONS, 0 },
	{ "restrict=\"x\" " ED, 0, AKE_OPTIONS, 0 },
	{ "command " ED, 0, AKE_OPTIONS, 0 },
	{ "command=x " ED, 0, AKE_OPTIONS, 0 },
	{ "command=\"x " ED, 0, AKE_OPTIONS, 0 },
	{ "command=\"x\\\" " ED, 0, AKE_OPTIONS, 0 },
	{ "command=\"x\"y " ED, 0, AKE_OPTIONS, 0 },
	{ "command=\"a\",command=\"b\" " ED, 0, AKE_OPTIONS, 0 },
	{ "from=\"a\",from=\"b\" " ED, 0, AKE_OPTIONS, 0 },
	{ "environment=\"=x\" " ED, 0, AKE_OPTIONS, 0 },
	{ "environment=\"A-B=x\" " ED, 0, AKE_OPTIONS, 0 },
	{ "expiry-time=\"2030\" " ED, 0, AKE_OPTIONS, 0 },
	{ "tunnel=\"x\" " ED, 0, AKE_OPTIONS, 0 },
	{ "permitopen=\"nocolon\" " ED, 0, AKE_OPTIONS, 0 },
	{ "restrict", 0, AKE_KEYTYPE, 0 },
	{ "restrict ", 0, AKE_KEYTYPE, 0 },
	{ "restrict ssh-foo " ED_B64, 0, AKE_KEYTYPE, 0 },
	{ "ssh-ed25519", 0, AKE_BASE64, 0 },
	{ "restrict ssh-ed25519", 0, AKE_BASE64, 0 },
	/* MUST 3: strict base64, whole blob, its own type; a key broken
	 * across lines: both halves */
	{ "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKbXih4hyg", 0, AKE_BASE64, 0 },
	{ "restrict ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKbXih4hyg",
	    0, AKE_BASE64, 0 },
	{ "ggjwmqdk/d3yA5hFYz1n97rwfuCaz+dFX5 t", 0, AKE_OPTIONS, 0 },
	{ "restrict ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKbXih4h",
	    0, AKE_BLOB, 0 },
	{ "restrict ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKbXih4hygggjwmqdk/"
	    "d3yA5hFYz1n97rwfuCaz+dFX=", 0, AKE_BASE64, 0 },
	{ "restrict ssh-rsa " ED_B64, 0, AKE_MISMATCH, 0 },
	{ "restrict ecdsa-sha2-nistp384 " EC_B64, 0, AKE_MISMATCH, 0 },
	{ "restrict ssh-ed25519 " RSA_B64, 0, AKE_MISMATCH, 0 },
	{ "restrict ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKbXih4hygggjwmqdk/"
	    "d3yA5hFYz1n97rwfuCaz+dFX5\r", 0, AKE_BASE64, 0 },
};

static void
test_table(void)
{
	struct ak_line l;
	const char *err;
	size_t i;
	int r;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		r = authkeys_parse_line(cases[i].line, strlen(cases[i].line),
		    &l, &err);
		ASSERT_INT_EQ_CTX(r, cases[i].ok ? 0 : -1, cases[i].line);
		if (r == 0) {
			if (cases[i].nopts < 0)
				ASSERT_INT_EQ_CTX(l.blank, 1, cases[i].line);
			else
				ASSERT_INT_EQ_CTX(l.nopts, cases[i].nopts,
				    cases[i].line);
			authkeys_free(&l);
		} else {
			ASSERT_INT_EQ_CTX(l.err, cases[i].err, cases[i].line);
			ASSERT_NOT_NULL(err);
		}
	}
}

/* MUST 2: the option table is sorted and lookups are exact. */
static void
test_opttab(void)
{
	int i;

	for (i = 1; i < AKO_COUNT; i++)
		ASSERT_TRUE(strcasecmp(authkeys_opttab[i - 1].name,
		    authkeys_opttab[i].name) < 0);
	for (i = 0; i < AKO_COUNT; i++)
		ASSERT_INT_EQ(authkeys_opt_lookup(authkeys_opttab[i].name,
		    strlen(authkeys_opttab[i].name)), i);
	ASSERT_INT_EQ(authkeys_opt_lookup("No-X11-Forwarding", 17),
	    AKO_NO_X11_FWD);
	ASSERT_INT_EQ(authkeys_opt_lookup("pt", 2), -1);
	ASSERT_INT_EQ(authkeys_opt_lookup("ptyy", 4), -1);
	ASSERT_INT_EQ(authkeys_opt_lookup("", 0), -1);
	ASSERT_TRUE(authkeys_keytype("sk-ssh-ed25519@openssh.com", 26, NULL));
	ASSERT_FALSE(authkeys_keytype("ssh-ed2551", 10, NULL));
}

static void
test_values(void)
{
	struct ak_line l;
	const char *err;
	const char *line = "command=\"a \\\"b\\\" c\\d\",from=\"x\" " ED " cm";

	ASSERT_INT_EQ(authkeys_parse_line(line, strlen(line), &l, &err), 0);
	ASSERT_STR_EQ(authkeys_opt_get(&l, AKO_COMMAND)->value,
	    "a \"b\" c\\d");
	ASSERT_STR_EQ(authkeys_opt_get(&l, AKO_FROM)->value, "x");
	ASSERT_NULL(authkeys_opt_get(&l, AKO_RESTRICT));
	ASSERT_STR_EQ(l.type, "ssh-ed25519");
	ASSERT_STR_EQ(l.b64, ED_B64);
	ASSERT_STR_EQ(l.comment, "cm");
	ASSERT_INT_EQ(l.bloblen, 51);
	authkeys_free(&l);
}

/* MUST 4: quoting is what sshd dequotes back; unrepresentable refused. */
static void
test_quote(void)
{
	static const char *ok[] = { "", "a", "a b", "\"", "a\"b", "\\",
	    "\\\"", "x\\\\\"y", "'q' \"w\" \\e", "\\x", "a\rb" };
	static const char *bad[] = { "a\\", "\\\\", "a\nb", "\n" };
	struct ak_line l;
	const char *err;
	char *q, *line;
	size_t i;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		q = authkeys_quote(ok[i], &err);
		if (ok[i][0] != '\0' && ok[i][strlen(ok[i]) - 1] == '\\') {
			ASSERT_NULL(q);
			continue;
		}
		if (!ASSERT_NOT_NULL(q))
			continue;
		line = malloc(strlen(q) + 200);
		strcpy(line, "command=");
		strcat(line, q);
		strcat(line, " " ED);
		ASSERT_INT_EQ_CTX(authkeys_parse_line(line, strlen(line), &l,
		    &err), 0, line);
		if (l.nopts == 1)
			ASSERT_STR_EQ_CTX(l.opts[0].value, ok[i], line);
		authkeys_free(&l);
		free(line);
		free(q);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ASSERT_NULL(authkeys_quote(bad[i], &err));
	ASSERT_STR_EQ(q = authkeys_quote("a\"b", &err), "\"a\\\"b\"");
	free(q);
}

static void
test_roundtrip(void)
{
	const char *lines[] = {
		"RESTRICT,From=\"a,b\",command=\"x \\\"y\\\" z\\w\" " ED " c d",
		"no-pty,environment=\"A=1\"   " EC,
		ED,
	};
	struct ak_line a, b;
	const char *err;
	char *s, *t;
	size_t i;

	for (i = 0; i < 3; i++) {
		ASSERT_INT_EQ(authkeys_parse_line(lines[i], strlen(lines[i]),
		    &a, &err), 0);
		s = authkeys_format(&a, &err);
		if (!ASSERT_NOT_NULL(s))
			continue;
		ASSERT_INT_EQ(authkeys_parse_line(s, strlen(s), &b, &err), 0);
		t = authkeys_format(&b, &err);
		ASSERT_STR_EQ(s, t);
		ASSERT_TRUE(authkeys_same_key(&a, &b));
		authkeys_free(&a);
		authkeys_free(&b);
		free(s);
		free(t);
	}
}

/* MUST 1: every bound is tested at N and N+1. */
static void
test_limits(void)
{
	struct ak_line l;
	const char *err;
	char *buf;
	size_t n, i;

	buf = malloc(MAX_AUTHKEYS_LINE + 64);
	/* line length */
	strcpy(buf, ED " ");
	n = strlen(buf);
	memset(buf + n, 'c', MAX_AUTHKEYS_LINE - n);
	buf[MAX_AUTHKEYS_LINE] = 'c';
	ASSERT_INT_EQ(authkeys_parse_line(buf, MAX_AUTHKEYS_LINE, &l, &err),
	    0);
	authkeys_free(&l);
	ASSERT_INT_EQ(authkeys_parse_line(buf, MAX_AUTHKEYS_LINE + 1, &l,
	    &err), -1);
	ASSERT_INT_EQ(l.err, AKE_LIMIT);
	/* option count */
	for (n = MAX_AUTHKEYS_OPTS; n <= MAX_AUTHKEYS_OPTS + 1; n++) {
		buf[0] = '\0';
		for (i = 0; i < n; i++)
			strcat(buf, i ? ",no-pty" : "no-pty");
		strcat(buf, " " ED);
		ASSERT_INT_EQ(authkeys_parse_line(buf, strlen(buf), &l, &err),
		    n == MAX_AUTHKEYS_OPTS ? 0 : -1);
		if (n == MAX_AUTHKEYS_OPTS)
			authkeys_free(&l);
		else
			ASSERT_INT_EQ(l.err, AKE_LIMIT);
	}
	/* value length */
	for (n = MAX_AUTHKEYS_VALUE; n <= MAX_AUTHKEYS_VALUE + 1; n++) {
		strcpy(buf, "from=\"");
		memset(buf + 6, 'h', n);
		strcpy(buf + 6 + n, "\" " ED);
		ASSERT_INT_EQ(authkeys_parse_line(buf, strlen(buf), &l, &err),
		    n == MAX_AUTHKEYS_VALUE ? 0 : -1);
		if (n == MAX_AUTHKEYS_VALUE)
			authkeys_free(&l);
		else
			ASSERT_INT_EQ(l.err, AKE_LIMIT);
		buf[6 + n] = '\0';
		buf[6 + n - 1] = '\0';
	}
	memset(buf, 'v', MAX_AUTHKEYS_VALUE + 1);
	buf[MAX_AUTHKEYS_VALUE] = '\0';
	ASSERT_NOT_NULL(err = authkeys_quote(buf, &err));
	free((void *)(uintptr_t)err);
	buf[MAX_AUTHKEYS_VALUE] = 'v';
	buf[MAX_AUTHKEYS_VALUE + 1] = '\0';
	ASSERT_NULL(authkeys_quote(buf, &err));
	/* NUL inside the line */
	ASSERT_INT_EQ(authkeys_parse_line(ED "\0x", sizeof(ED) + 1, &l, &err),
	    -1);
	free(buf);
}

int
main(void)
{
	test_table();
	test_opttab();
	test_values();
	test_quote();
	test_roundtrip();
	test_limits();
	return test_summary();
}
