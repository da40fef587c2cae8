/* test_shword.c - shell quoting and simple-command splitting. */
#define TEST_MODULE "shword"
#include <stdlib.h>
#include <string.h>

#include "test.h"
#include "shword.h"

static const struct {
	const char	*in;
	int		 ok;
	const char	*joined;	/* words joined by "|" */
} cases[] = {
	{ "a b  c", 1, "a|b|c" },
	{ "", 1, "" },
	{ "'a b' \"c d\" e\\ f", 1, "a b|c d|e f" },
	{ "'' x", 1, "|x" },
	{ "'it'\\''s'", 1, "it's" },
	{ "\"a\\\"b\\\\c\\d\"", 1, "a\"b\\c\\d" },
	{ "~/x ~ a", 1, "/h/x|/h|a" },
	{ "a~b", 0, NULL },		/* bash: ~ after = or : expands */
	{ "a --log=~/x", 0, NULL },
	{ "~root/x", 0, NULL },
	{ "a 'b=c' d=e", 1, "a|b=c|d=e" },
	{ "'X=1' a", 1, "X=1|a" },
	{ "X=1 a", 0, NULL },		/* sets the environment of a */
	{ "LD_PRELOAD=/t/x.so a", 0, NULL },
	{ "_x9=1 a", 0, NULL },
	{ "9x=1 a", 1, "9x=1|a" },	/* not a NAME: a command word */
	{ "! a", 0, NULL },
	{ "a !b", 1, "a|!b" },
	{ "a && b", 0, NULL },
	{ "a || b", 0, NULL },
	{ "a & b", 0, NULL },
	{ "a &", 0, NULL },
	{ "a 2>f", 0, NULL },
	{ "a >> f", 0, NULL },
	{ "a < f", 0, NULL },
	{ "a <<E", 0, NULL },
	{ "${x}", 0, NULL },
	{ "$X", 0, NULL },
	{ "$1", 0, NULL },
	{ "a{b,c}", 0, NULL },		/* bash brace expansion */
	{ "{ a; }", 0, NULL },
	{ "(a)", 0, NULL },
	{ "a # c", 0, NULL },
	{ "a?", 0, NULL },
	{ "a[b]", 0, NULL },
	{ "a\rb", 0, NULL },		/* control character */
	{ "a\\;b 'c;d' \\\\", 1, "a;b|c;d|\\" },
	{ "a\tb", 1, "a|b" },
	{ "$HOME/bin/rrsync -ro ${HOME}/b", 1, "/h/bin/rrsync|-ro|/h/b" },
	{ "'~/x' '$HOME'", 1, "~/x|$HOME" },
	{ "$HOMEX", 0, NULL },
	{ "a;b", 0, NULL },
	{ "a | b", 0, NULL },
	{ "a > f", 0, NULL },
	{ "`id`", 0, NULL },
	{ "$(id)", 0, NULL },
	{ "\"$x\"", 0, NULL },
	{ "a*", 0, NULL },
	{ "'open", 0, NULL },
	{ "\"open", 0, NULL },
	{ "a\\", 0, NULL },
	{ "a\nb", 0, NULL },
};

static void
test_split(void)
{
	struct strvec v;
	const char *e;
	char buf[256];
	size_t i, j;
	int r;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(&v, 0, sizeof(v));
		r = shword_split(cases[i].in, "/h", &v, &e);
		ASSERT_INT_EQ_CTX(r, cases[i].ok ? 0 : -1, cases[i].in);
		if (r == 0) {
			buf[0] = '\0';
			for (j = 0; j < v.n; j++) {
				if (j)
					strcat(buf, "|");
				strcat(buf, v.v[j]);
			}
			ASSERT_STR_EQ_CTX(buf, cases[i].joined, cases[i].in);
		}
		strvec_free(&v);
	}
}

/* authorize.c MUST 1: quote then split gives the word back. */
static void
test_quote(void)
{
	static const char *w[] = { "plain", "/a/b-c_d.e", "", "a b", "it's",
	    "'", "\"$HOME\"", "a\\b", "--exact=rsync --server . x", "~/x",
	    "*", "a;b" };
	struct strvec v;
	const char *e;
	char *q;
	size_t i;

	for (i = 0; i < sizeof(w) / sizeof(w[0]); i++) {
		memset(&v, 0, sizeof(v));
		q = shword_quote(w[i]);
		ASSERT_INT_EQ_CTX(shword_split(q, "/h", &v, &e), 0, q);
		ASSERT_INT_EQ_CTX(v.n, 1, q);
		if (v.n == 1)
			ASSERT_STR_EQ_CTX(v.v[0], w[i], q);
		strvec_free(&v);
		free(q);
	}
	ASSERT_STR_EQ(q = shword_quote("/usr/bin/x"), "/usr/bin/x");
	free(q);
	ASSERT_STR_EQ(q = shword_quote("it's"), "'it'\\''s'");
	free(q);
}

/* The word bound at N and N+1. */
static void
test_limits(void)
{
	struct strvec v;
	const char *e;
	char *s = malloc(2 * (MAX_SHWORDS + 1) + 1);
	size_t i;

	for (i = 0; i < MAX_SHWORDS + 1; i++)
		memcpy(s + 2 * i, "a ", 2);
	s[2 * MAX_SHWORDS] = '\0';
	memset(&v, 0, sizeof(v));
	ASSERT_INT_EQ(shword_split(s, "/h", &v, &e), 0);
	ASSERT_INT_EQ(v.n, MAX_SHWORDS);
	strvec_free(&v);
	s[2 * MAX_SHWORDS] = 'a';
	s[2 * MAX_SHWORDS + 1] = '\0';
	memset(&v, 0, sizeof(v));
	ASSERT_INT_EQ(shword_split(s, "/h", &v, &e), -1);
	strvec_free(&v);
	free(s);
}

int
main(void)
{
	test_split();
	test_quote();
	test_limits();
	return test_summary();
}
