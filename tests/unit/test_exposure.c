/*
 * test_exposure.c - exposure.c MUST 1 (a lookup in DIR, before or after
 * a symlink, or the path in DIR, is exposed; a missing name counts where
 * it would be made), MUST 2 (loops and overlong paths are errors), MUST 3
 * (every PATH dir of a bare word; a program's loader and interpreter).
 */
#define TEST_MODULE "exposure"
#include <sys/stat.h>

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "exposure.h"
#include "test.h"

static char base[256], dir[PATH_MAX];

static void
mk(const char *rel)
{
	char p[PATH_MAX * 2];

	snprintf(p, sizeof(p), "%s/%s", base, rel);
	if (mkdir(p, 0755) == -1)
		perror(p);
}

static void
ln(const char *target, const char *rel)
{
	char p[PATH_MAX * 2];

	snprintf(p, sizeof(p), "%s/%s", base, rel);
	if (symlink(target, p) == -1)
		perror(p);
}

static void
file(const char *rel, const char *text)
{
	char p[PATH_MAX * 2];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", base, rel);
	if ((f = fopen(p, "w")) == NULL) {
		perror(p);
		return;
	}
	fputs(text, f);
	fclose(f);
	chmod(p, 0755);
}

/* One path against dir: 1, 0 or -1. */
static int
one(const char *rel, int real)
{
	struct exposure_list l;
	char p[PATH_MAX * 2];
	const char *es = NULL;
	size_t w;
	int r;

	snprintf(p, sizeof(p), "%s/%s", base, rel);
	exposure_init(&l);
	if (exposure_add(&l, rel[0] == '/' ? rel : p, EXPOSURE_RUN, real,
	    "test", &es) == -1)
		return -2;
	r = exposure_find(&l, dir, EXPOSURE_RUN, &w, &es);
	exposure_free(&l);
	return r;
}

static void
test_walk(void)
{
	static const struct {
		const char	*rel;
		int		 want;
	} cases[] = {
		{ "d/prog", 1 },		/* in DIR */
		{ "d/missing", 1 },		/* would be made in DIR */
		{ "d/sub/missing/x", 1 },
		{ "d", 1 },			/* DIR itself */
		{ "out/prog", 0 },
		{ "out/missing", 0 },		/* missing outside DIR */
		{ "out/missing/deeper", 0 },
		{ "into/prog", 1 },		/* link outside -> into DIR */
		{ "into", 1 },
		{ "d/outlink/prog", 1 },	/* link in DIR -> outside */
		{ "d/outlink", 1 },
		{ "abs/prog", 1 },		/* absolute link into DIR */
		{ "out/../d/prog", 1 },		/* .. lexically */
		{ "into/../out/prog", 0 },	/* .. after a link: from d, not DIR/.. */
		{ "out2/up/d/prog", 1 },	/* out2/up -> .. */
		{ "chain/prog", 1 },		/* link -> link -> DIR */
		{ "dd/prog", 0 },		/* "d" prefix only */
		{ "out/./prog", 0 },
		{ "loop/x", -1 },		/* MUST 2 */
	};
	char t[PATH_MAX * 2];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		ASSERT_INT_EQ_CTX(one(cases[i].rel, 0), cases[i].want,
		    cases[i].rel);
	/* real paths: a string check only */
	snprintf(t, sizeof(t), "%s/d/prog", base);
	ASSERT_INT_EQ(one(t, 1), 1);
	snprintf(t, sizeof(t), "%s/dd/prog", base);
	ASSERT_INT_EQ(one(t, 1), 0);
	/* DIR "/" holds everything */
	snprintf(dir, sizeof(dir), "/");
	ASSERT_INT_EQ(one("out/prog", 0), 1);
	snprintf(dir, sizeof(dir), "%s/d", base);
}

static void
test_limits(void)
{
	struct exposure_list l;
	char longp[PATH_MAX + 16];
	const char *es = NULL;
	size_t i, w;

	exposure_init(&l);
	ASSERT_INT_EQ(exposure_add(&l, "relative", EXPOSURE_RUN, 0, "t",
	    &es), -1);
	for (i = 0; i < MAX_EXPOSURE; i++)
		ASSERT_INT_EQ(exposure_add(&l, "/x", EXPOSURE_RUN, 0, "t",
		    &es), 0);
	ASSERT_INT_EQ(exposure_add(&l, "/x", EXPOSURE_RUN, 0, "t", &es), -1);
	exposure_free(&l);
	memset(longp, 'a', sizeof(longp) - 1);
	longp[0] = '/';
	longp[sizeof(longp) - 1] = '\0';
	ASSERT_INT_EQ(exposure_add(&l, longp, EXPOSURE_RUN, 0, "t", &es), 0);
	ASSERT_INT_EQ(exposure_find(&l, dir, EXPOSURE_RUN, &w, &es), -1);
	exposure_free(&l);
}

/* Kinds: --allow-home leaves EXPOSURE_HOME out, never EXPOSURE_RUN. */
static void
test_kinds(void)
{
	struct exposure_list l;
	char p[PATH_MAX * 2];
	const char *es = NULL;
	size_t w = 99;

	exposure_init(&l);
	snprintf(p, sizeof(p), "%s/out/prog", base);
	exposure_add(&l, p, EXPOSURE_RUN, 0, "t", &es);
	snprintf(p, sizeof(p), "%s/d/.bashrc", base);
	exposure_add(&l, p, EXPOSURE_HOME, 0, "t", &es);
	snprintf(p, sizeof(p), "%s/d/bin/rsync", base);
	exposure_add(&l, p, EXPOSURE_RUN, 0, "t", &es);
	ASSERT_INT_EQ(exposure_find(&l, dir, EXPOSURE_RUN | EXPOSURE_HOME,
	    &w, &es), 1);
	ASSERT_INT_EQ(w, 1);
	ASSERT_INT_EQ(exposure_find(&l, dir, EXPOSURE_RUN, &w, &es), 1);
	ASSERT_INT_EQ(w, 2);
	ASSERT_INT_EQ(exposure_find(&l, dir, EXPOSURE_HOME, &w, &es), 1);
	ASSERT_INT_EQ(w, 1);
	exposure_free(&l);
}

/* Does collect(ctx) + find name rel (under base) as exposed? */
static int
collect_names(const struct exposure_ctx *c, const char *rel, int kinds)
{
	struct exposure_list l;
	char p[PATH_MAX * 2];
	const char *es = NULL;
	size_t w = 0;
	int r;

	snprintf(p, sizeof(p), "%s/%s", base, rel);
	exposure_init(&l);
	if (exposure_collect(&l, c, &es) == -1) {
		fprintf(stderr, "collect: %s\n", es);
		return -2;
	}
	r = exposure_find(&l, dir, kinds, &w, &es);
	if (r == 1 && strcmp(l.v[w].path, rel[0] == '/' ? rel : p) != 0) {
		fprintf(stderr, "exposed: %s\n", l.v[w].path);
		r = 2;
	}
	exposure_free(&l);
	return r;
}

static void
test_collect(void)
{
	struct exposure_ctx c;
	char pathenv[PATH_MAX * 3], home[PATH_MAX], sh[PATH_MAX];
	char rs[PATH_MAX];

	/* bare word: each PATH dir (MUST 3), even one after the match */
	memset(&c, 0, sizeof(c));
	c.word = "rrsync";
	snprintf(pathenv, sizeof(pathenv), "%s/out:%s/d/bin", base, base);
	c.pathenv = pathenv;
	c.path_exact = 1;
	ASSERT_INT_EQ(collect_names(&c, "d/bin/rrsync", EXPOSURE_RUN), 1);
	snprintf(pathenv, sizeof(pathenv), "%s/out", base);
	ASSERT_INT_EQ(collect_names(&c, "", EXPOSURE_RUN), 0);
	/* a relative PATH entry is taken from home */
	snprintf(home, sizeof(home), "%s/out", base);
	c.home = home;
	c.pathenv = "../d/bin";
	ASSERT_INT_EQ(collect_names(&c, "out/../d/bin/rrsync", EXPOSURE_RUN),
	    1);
	c.home = NULL;
	/* the word with a slash, through a link into DIR */
	memset(&c, 0, sizeof(c));
	snprintf(rs, sizeof(rs), "%s/into/prog", base);
	c.word = rs;
	ASSERT_INT_EQ(collect_names(&c, "into/prog", EXPOSURE_RUN), 1);
	/* a #! script outside DIR whose interpreter is in DIR */
	snprintf(sh, sizeof(sh), "#!%s/d/interp -x\n", base);
	file("out/script", sh);
	memset(&c, 0, sizeof(c));
	snprintf(rs, sizeof(rs), "%s/out/script", base);
	c.rsync = rs;
	ASSERT_INT_EQ(collect_names(&c, "d/interp", EXPOSURE_RUN), 1);
	/* an ELF binary: its loader is checked (here the system's: clean) */
	c.rsync = "/bin/sh";
	ASSERT_INT_EQ(collect_names(&c, "", EXPOSURE_RUN), 0);
	/* home start-up files: home kind; and ~/.ssh/rc through a link */
	memset(&c, 0, sizeof(c));
	snprintf(home, sizeof(home), "%s/home", base);
	c.home = home;
	ASSERT_INT_EQ(collect_names(&c, "", EXPOSURE_RUN | EXPOSURE_HOME), 0);
	ln("../../d/rc", "home/.ssh/rc");
	ASSERT_INT_EQ(collect_names(&c, "home/.ssh/rc", EXPOSURE_HOME), 1);
	ASSERT_INT_EQ(collect_names(&c, "", EXPOSURE_RUN), 0);
	/* the authorized_keys file in question */
	memset(&c, 0, sizeof(c));
	snprintf(rs, sizeof(rs), "%s/d/keys", base);
	c.keys = rs;
	ASSERT_INT_EQ(collect_names(&c, "d/keys", EXPOSURE_HOME), 1);
}

int
main(void)
{
	char tmpl[] = "/tmp/test_exposure.XXXXXX", *t, rp[PATH_MAX];

	if ((t = mkdtemp(tmpl)) == NULL || realpath(t, rp) == NULL ||
	    strlen(rp) >= sizeof(base)) {
		perror("mkdtemp");
		return 1;
	}
	memcpy(base, rp, strlen(rp) + 1);
	snprintf(dir, sizeof(dir), "%s/d", base);
	mk("d");
	mk("d/sub");
	mk("d/bin");
	mk("dd");
	mk("out");
	mk("out2");
	mk("home");
	mk("home/.ssh");
	file("d/prog", "x");
	file("dd/prog", "x");
	file("out/prog", "x");
	ln("d", "into");
	ln("../out", "d/outlink");
	ln(dir, "abs");
	ln("..", "out2/up");
	ln("into", "chain");
	ln("loop", "loop");
	test_walk();
	test_limits();
	test_kinds();
	test_collect();
	{
		char cmd[PATH_MAX + 16];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", base);
		if (system(cmd) != 0)
			fprintf(stderr, "cleanup of %s failed\n", base);
	}
	return test_summary();
}
