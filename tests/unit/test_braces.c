/* test_braces.c - brace expansion as rrsync's braceexpand does it. */
#define TEST_MODULE "braces"
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "braces.h"
#include "test.h"

#define MAXOUT 8

static void
test_table(void)
{
	static const struct {
		const char *in;
		size_t n;
		const char *out[MAXOUT];
	} t[] = {
		{ "plain", 1, { "plain" } },
		{ "", 1, { "" } },
		{ "{a,b}c", 2, { "ac", "bc" } },
		{ "x{a,b}", 2, { "xa", "xb" } },
		{ "{a,b}{1,2}", 4, { "a1", "a2", "b1", "b2" } },
		{ "x{a,{b,c}}y", 3, { "xay", "xby", "xcy" } },
		{ "{a,b{1,2}}", 3, { "a", "b1", "b2" } },
		{ "{,a}", 2, { "", "a" } },
		{ "{a,}", 2, { "a", "" } },
		{ "{1..3}", 3, { "1", "2", "3" } },
		{ "{3..1}", 3, { "3", "2", "1" } },
		{ "f{1..3}.txt", 3, { "f1.txt", "f2.txt", "f3.txt" } },
		{ "{a..c}", 3, { "a", "b", "c" } },
		{ "{c..a}", 3, { "c", "b", "a" } },
		{ "{03..5}", 3, { "03", "04", "05" } },
		{ "{1..10..3}", 4, { "1", "4", "7", "10" } },
		{ "{1..10..-3}", 4, { "1", "4", "7", "10" } },
		{ "{-1..1}", 3, { "-1", "0", "1" } },
		{ "{a..c..2}", 2, { "a", "c" } },
		/* escapes are literal and removed */
		{ "\\{a,b\\}", 1, { "{a,b}" } },
		{ "{a\\,b}", 1, { "{a,b}" } },
		{ "{a\\,b,c}", 2, { "a,b", "c" } },
		{ "a\\ b", 1, { "a b" } },
		{ "\\*.txt", 1, { "*.txt" } },
		/* unbalanced: only unescaped */
		{ "{a,b", 1, { "{a,b" } },
		{ "a,b}", 1, { "a,b}" } },
		{ "}{a,b}", 1, { "}{a,b}" } },
		{ "\\{{a,b}", 1, { "\\{{a,b}" } },	/* see below */
		{ "a\\ {b", 1, { "a {b" } },
		/* literal braces */
		{ "{a}", 1, { "{a}" } },
		{ "{}", 1, { "{}" } },
		{ "{a}{b,c}", 2, { "{a}b", "{a}c" } },
		{ "{1..}", 1, { "{1..}" } },
		{ "{..3}", 1, { "{..3}" } },
		{ "{1..3..0}", 1, { "{1..3..0}" } },
		{ "{1..x}", 1, { "{1..x}" } },
	};
	struct strvec out;
	size_t i, j, budget;
	const char *err;
	int r;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		/* "\{{a,b}" is balanced once the escape is honoured. */
		if (strcmp(t[i].in, "\\{{a,b}") == 0)
			continue;
		memset(&out, 0, sizeof(out));
		budget = 100;
		err = NULL;
		r = braces_expand(t[i].in, &out, &budget, &err);
		ASSERT_INT_EQ_CTX(r, 0, t[i].in);
		ASSERT_INT_EQ_CTX(out.n, t[i].n, t[i].in);
		ASSERT_INT_EQ_CTX(budget, 100 - out.n, t[i].in);
		for (j = 0; j < out.n && j < t[i].n; j++)
			ASSERT_STR_EQ_CTX(out.v[j], t[i].out[j], t[i].in);
		strvec_free(&out);
	}
	/* An escaped brace before a real group: "{a" "{b" literal. */
	memset(&out, 0, sizeof(out));
	budget = 10;
	ASSERT_INT_EQ(braces_expand("\\{{a,b}", &out, &budget, &err), 0);
	ASSERT_INT_EQ(out.n, 2);
	if (out.n == 2) {
		ASSERT_STR_EQ(out.v[0], "{a");
		ASSERT_STR_EQ(out.v[1], "{b");
	}
	strvec_free(&out);
}

static void
test_budget(void)
{
	struct strvec out;
	size_t budget;
	const char *err;
	char pat[256];
	clock_t t0;
	int i;

	/* exactly enough */
	memset(&out, 0, sizeof(out));
	budget = 3;
	ASSERT_INT_EQ(braces_expand("{1..3}", &out, &budget, &err), 0);
	ASSERT_INT_EQ(budget, 0);
	strvec_free(&out);
	/* one short */
	memset(&out, 0, sizeof(out));
	budget = 2;
	err = NULL;
	ASSERT_INT_EQ(braces_expand("{1..3}", &out, &budget, &err), -1);
	ASSERT_NOT_NULL(err);
	ASSERT_TRUE(out.n <= 2);
	strvec_free(&out);
	/* zero budget: even a plain word needs one */
	memset(&out, 0, sizeof(out));
	budget = 0;
	ASSERT_INT_EQ(braces_expand("plain", &out, &budget, &err), -1);
	ASSERT_INT_EQ(out.n, 0);
	strvec_free(&out);
	/* budget carries across calls */
	memset(&out, 0, sizeof(out));
	budget = 5;
	ASSERT_INT_EQ(braces_expand("{a,b,c}", &out, &budget, &err), 0);
	ASSERT_INT_EQ(braces_expand("{a,b,c}", &out, &budget, &err), -1);
	ASSERT_TRUE(out.n <= 5);
	strvec_free(&out);

	/* 2^20 words: fails with the budget, quickly */
	pat[0] = '\0';
	for (i = 0; i < 20; i++)
		strcat(pat, "{a,b}");
	memset(&out, 0, sizeof(out));
	budget = MAX_EXPANSIONS;
	err = NULL;
	t0 = clock();
	ASSERT_INT_EQ(braces_expand(pat, &out, &budget, &err), -1);
	ASSERT_TRUE((double)(clock() - t0) / CLOCKS_PER_SEC < 5.0);
	ASSERT_STR_EQ(err, "brace expansion produces too many arguments");
	ASSERT_INT_EQ(out.n, MAX_EXPANSIONS);
	ASSERT_INT_EQ(budget, 0);
	strvec_free(&out);

	/* a huge range: also bounded */
	memset(&out, 0, sizeof(out));
	budget = MAX_EXPANSIONS;
	t0 = clock();
	ASSERT_INT_EQ(braces_expand("{1..1000000}{1..1000000}", &out, &budget,
	    &err), -1);
	ASSERT_TRUE((double)(clock() - t0) / CLOCKS_PER_SEC < 5.0);
	ASSERT_INT_EQ(out.n, MAX_EXPANSIONS);
	strvec_free(&out);

	/* deep nesting is refused, not a stack overflow */
	memset(&out, 0, sizeof(out));
	pat[0] = '\0';
	for (i = 0; i < 40; i++)
		strcat(pat, "{a,");
	for (i = 0; i < 40; i++)
		strcat(pat, "}");
	budget = MAX_EXPANSIONS;
	err = NULL;
	ASSERT_INT_EQ(braces_expand(pat, &out, &budget, &err), -1);
	ASSERT_STR_EQ(err, "braces nested too deeply");
	strvec_free(&out);
}

int
main(void)
{
	test_table();
	test_budget();
	return test_summary();
}
