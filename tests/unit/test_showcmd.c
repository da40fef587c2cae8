/* test_showcmd.c - showcmd's pure parts: remote detection, ssh's join,
 * protect-args detection, the authorized_keys fragment. */
#define TEST_MODULE "showcmd"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "showcmd.h"
#include "test.h"

static char buf[1024], *v[32];

/* Words separated by '|' into v (a writable argv); returns their count. */
static int
split(const char *s)
{
	int n = 0;
	char *p;

	snprintf(buf, sizeof(buf), "%s", s);
	for (p = buf; n < 31; n++) {
		v[n] = p;
		if ((p = strchr(p, '|')) == NULL) {
			n++;
			break;
		}
		*p++ = '\0';
	}
	v[n] = NULL;
	return n;
}

static int
remote(const char *words)
{
	char line[1024];
	int n;

	snprintf(line, sizeof(line), "rsync|%s", words);
	n = split(line);
	return showcmd_has_remote(n, v);
}

int
main(void)
{
	const char *es;
	char *s;
	int n;

	/* MUST 2: local-only command lines are recognised. */
	ASSERT_INT_EQ(remote("-a|src/|dst/"), 0);
	ASSERT_INT_EQ(remote("-a|h:src/|dst/"), 1);
	ASSERT_INT_EQ(remote("-a|src/|u@h:/dst"), 1);
	ASSERT_INT_EQ(remote("rsync://h/m|d/"), 1);
	ASSERT_INT_EQ(remote("./a:b|d/"), 0);
	ASSERT_INT_EQ(remote("--exclude|a:b|s/|d/"), 0);
	ASSERT_INT_EQ(remote("--exclude=a:b|s/|d/"), 0);
	ASSERT_INT_EQ(remote("-avf|- a:b|s/|d/"), 0);
	ASSERT_INT_EQ(remote("-fa:b|s/|d/"), 0);
	ASSERT_INT_EQ(remote("--|h:x|d/"), 1);
	ASSERT_INT_EQ(remote("-e|ssh h:x|s/|d/"), 0);

	/* MUST 1: words after the host, single spaces, as ssh sends them. */
	n = split("-l|bob|host|rsync|--server|.|a\\ b");
	s = showcmd_join(n, v, &es);
	ASSERT_STR_EQ(s, "rsync --server . a\\ b");
	free(s);
	n = split("host");
	ASSERT_NULL(showcmd_join(n, v, &es));
	ASSERT_STR_EQ(es, "no command after the host");
	n = split("-l|bob");
	ASSERT_NULL(showcmd_join(n, v, &es));
	ASSERT_STR_EQ(es, "no host among the remote shell's arguments");

	ASSERT_INT_EQ(showcmd_protect_args(
	    "rsync --server --sender -slogDtpre.iLsfxCIvu"), 1);
	ASSERT_INT_EQ(showcmd_protect_args(
	    "rsync --server --sender -logDtpre.iLsfxCIvu . s"), 0);
	ASSERT_INT_EQ(showcmd_protect_args("rsync --server -e.s . x"), 0);

	s = showcmd_fragment("/bin/rsguard",
	    "rsync --server --sender -e.Ls . it\\'s \"q\"", "/srv/x");
	ASSERT_STR_EQ(s, "restrict,command=\"'/bin/rsguard' serve --exact="
	    "'rsync --server --sender -e.Ls . it\\'\\''s \\\"q\\\"' -ro "
	    "'/srv/x'\"");
	free(s);
	s = showcmd_fragment("/r", "rsync --server -e.Ls . in/", "/d");
	ASSERT_STR_EQ(s, "restrict,command=\"'/r' serve --exact="
	    "'rsync --server -e.Ls . in/' -wo '/d'\"");
	free(s);
	return test_summary();
}
