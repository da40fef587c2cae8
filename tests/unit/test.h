/*
 * test.h - a tiny assertion harness for the rsguard unit tests.
 *
 * Define TEST_MODULE ("cmdline", ...) before including.  Every ASSERT_*
 * counts one check; a failure prints "file:line: ..." to stderr and the
 * test goes on.  main() ends with "return test_summary();", which prints
 * exactly one line "<module>: N passed, M failed" and returns non-zero if
 * anything failed.
 */
#ifndef RSGUARD_TEST_H
#define RSGUARD_TEST_H

#include <stdio.h>
#include <string.h>

#ifndef TEST_MODULE
#error "define TEST_MODULE before including test.h"
#endif

static int test_passed, test_failed;

static inline int
test_check(int ok, const char *file, int line, const char *what)
{
	if (ok)
		test_passed++;
	else {
		test_failed++;
		fprintf(stderr, "%s:%d: FAIL: %s\n", file, line, what);
	}
	return ok;
}

static inline int
test_int_eq(long long a, long long b, const char *file, int line,
    const char *ea, const char *eb)
{
	if (a == b)
		return test_check(1, file, line, "");
	test_failed++;
	fprintf(stderr, "%s:%d: FAIL: %s == %s (got %lld, want %lld)\n",
	    file, line, ea, eb, a, b);
	return 0;
}

static inline int
test_str_eq(const char *a, const char *b, const char *file, int line,
    const char *ea, const char *eb)
{
	if ((a == NULL && b == NULL) ||
	    (a != NULL && b != NULL && strcmp(a, b) == 0))
		return test_check(1, file, line, "");
	test_failed++;
	fprintf(stderr, "%s:%d: FAIL: %s == %s (got \"%s\", want \"%s\")\n",
	    file, line, ea, eb, a ? a : "(null)", b ? b : "(null)");
	return 0;
}

static inline int
test_str_prefix(const char *a, const char *p, const char *file, int line,
    const char *ea)
{
	if (a != NULL && strncmp(a, p, strlen(p)) == 0)
		return test_check(1, file, line, "");
	test_failed++;
	fprintf(stderr, "%s:%d: FAIL: %s starts with \"%s\" (got \"%s\")\n",
	    file, line, ea, p, a ? a : "(null)");
	return 0;
}

static inline int
test_summary(void)
{
	printf("%s: %d passed, %d failed\n", TEST_MODULE, test_passed,
	    test_failed);
	fflush(stdout);
	return test_failed != 0;
}

#define ASSERT_TRUE(e)		test_check(!!(e), __FILE__, __LINE__, #e)
#define ASSERT_FALSE(e)		test_check(!(e), __FILE__, __LINE__, "!(" #e ")")
#define ASSERT_INT_EQ(a, b)	test_int_eq((long long)(a), (long long)(b), \
				    __FILE__, __LINE__, #a, #b)
#define ASSERT_INT_NE(a, b)	test_check((long long)(a) != (long long)(b), \
				    __FILE__, __LINE__, #a " != " #b)
#define ASSERT_STR_EQ(a, b)	test_str_eq((a), (b), __FILE__, __LINE__, \
				    #a, #b)
#define ASSERT_STR_PREFIX(a, p)	test_str_prefix((a), (p), __FILE__, \
				    __LINE__, #a)
#define ASSERT_NULL(p)		test_check((p) == NULL, __FILE__, __LINE__, \
				    #p " == NULL")
#define ASSERT_NOT_NULL(p)	test_check((p) != NULL, __FILE__, __LINE__, \
				    #p " != NULL")
/* Context for table-driven loops: prints the row on failure. */
#define ASSERT_INT_EQ_CTX(a, b, ctx) \
	(test_int_eq((long long)(a), (long long)(b), __FILE__, __LINE__, \
	    #a, #b) || (fprintf(stderr, "    (case: \"%s\")\n", (ctx)), 0))
#define ASSERT_STR_EQ_CTX(a, b, ctx) \
	(test_str_eq((a), (b), __FILE__, __LINE__, #a, #b) || \
	    (fprintf(stderr, "    (case: \"%s\")\n", (ctx)), 0))

#endif
