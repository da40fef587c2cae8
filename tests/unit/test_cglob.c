/*
 * test_cglob.c - confine_glob's work and results (cglob.c MUST 1-3).
 *
 * The work is counted, never timed: readdir() is interposed here, so
 * every directory entry confine_glob examines is counted whatever the
 * implementation does.  The results are compared with rrsync's own
 * globbing (Python's glob.glob, run on the same tree) where python3 is
 * installed, and with a fixed table everywhere.
 */
#define TEST_MODULE "cglob"
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <dirent.h>
#include <dlfcn.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "confine.h"
#include "test.h"

#define M	3000	/* files in big/ */
#define N	1000	/* patterns over big/ */

static char root[PATH_MAX];
static struct confine C;
static unsigned long nread;	/* entries readdir() returned */

/* Every entry read from any directory, counted (the work, MUST 1). */
struct dirent *
readdir(DIR *dp)
{
	static struct dirent *(*real)(DIR *);
	struct dirent *de;

	if (real == NULL &&
	    (real = (struct dirent *(*)(DIR *))dlsym(RTLD_NEXT,
	    "readdir")) == NULL)
		abort();
	if ((de = real(dp)) != NULL)
		nread++;
	return de;
}

static void
mk(const char *rel, int dir)
{
	char p[PATH_MAX + 300];
	int fd;

	snprintf(p, sizeof(p), "%s/%s", root, rel);
	if (dir) {
		if (mkdir(p, 0755) == -1)
			perror(p);
	} else if ((fd = open(p, O_WRONLY | O_CREAT, 0644)) == -1)
		perror(p);
	else
		close(fd);
}

static void
start(void)
{
	const char *es = NULL;

	ASSERT_INT_EQ(confine_init(&C, root, &es), 0);
}

static void
stop(void)
{
	confine_glob_free(&C);
	close(C.rootfd);
}

/* MUST 1: N patterns over one directory of M entries read it once. */
static void
test_one_scan(void)
{
	struct strvec g;
	size_t i, budget = MAX_GLOB;
	const char *es = NULL;
	char pat[64];

	start();
	memset(&g, 0, sizeof(g));
	nread = 0;
	for (i = 0; i < N; i++) {
		snprintf(pat, sizeof(pat), "big/f%04zu*", i);
		if (!ASSERT_INT_EQ_CTX(confine_glob(&C, pat, &g, &budget, &es),
		    0, pat))
			break;
	}
	if (ASSERT_INT_EQ(g.n, N)) {
		ASSERT_STR_EQ(g.v[0], "big/f0000");
		ASSERT_STR_EQ(g.v[N - 1], "big/f0999");
	}
	/* M names, ".", ".." and big/'s own few: not N x M. */
	fprintf(stderr, "cglob: %d patterns over %d entries read %lu\n",
	    N, M, nread);
	ASSERT_TRUE(nread <= M + 8);
	/* The module's own count agrees: M + 2 entries, + 1 for the open. */
	ASSERT_INT_EQ(C.glob_entries, nread + 1);
	/* MUST 1: each pattern tests only the names with its prefix. */
	fprintf(stderr, "cglob: and made %lu comparisons\n", C.glob_steps);
	ASSERT_TRUE(C.glob_steps <= (unsigned long)N * 32);
	/* The listing is kept: the same patterns again read nothing. */
	nread = 0;
	budget = MAX_GLOB;
	ASSERT_INT_EQ(confine_glob(&C, "big/f0001*", &g, &budget, &es), 0);
	ASSERT_INT_EQ(nread, 0);
	strvec_free(&g);
	stop();
}

/* MUST 2: no exponential backtracking; the count is the bound. */
static void
test_linear(void)
{
	char pat[512], name[256], rel[300];
	unsigned long steps;
	struct strvec g;
	size_t i, budget = MAX_GLOB;
	const char *es = NULL;

	memset(name, 'a', 255);
	name[255] = '\0';
	pat[0] = '\0';
	for (i = 0; i < 100; i++)
		strcat(pat, "*a");
	strcat(pat, "*b");		/* 201 elements */
	steps = 0;
	ASSERT_INT_EQ(confine_glob_match(pat, name, &steps), 0);
	fprintf(stderr, "cglob: (*a)^100*b against a^255: %lu comparisons\n",
	    steps);
	/* Each name position is tried once per segment at most. */
	ASSERT_TRUE(steps <= 256UL * 202);
	name[254] = 'b';
	steps = 0;
	ASSERT_INT_EQ(confine_glob_match(pat, name, &steps), 1);
	ASSERT_TRUE(steps <= 256UL * 202);
	name[254] = 'a';
	/* The same through a listing: a file a^200 in big2/. */
	mk("big2", 1);
	snprintf(rel, sizeof(rel), "big2/%.200s", name);
	mk(rel, 0);
	start();
	memset(&g, 0, sizeof(g));
	snprintf(rel, sizeof(rel), "big2/%s", pat);
	ASSERT_INT_EQ(confine_glob(&C, rel, &g, &budget, &es), 0);
	if (ASSERT_INT_EQ(g.n, 1))
		ASSERT_STR_EQ(g.v[0], rel);	/* no match: as given */
	ASSERT_TRUE(C.glob_steps <= 256UL * 202 + 300);
	strvec_free(&g);
	stop();
}

/* Python's fnmatch, one name at a time (python3 gave the answers). */
static void
test_match(void)
{
	static const struct {
		const char *pat, *name;
		int want;
	} t[] = {
		{ "*", ".x", 0 }, { ".*", ".x", 1 }, { "[!]", "x", 0 },
		{ "[!]", "[!]", 1 }, { "[]-]", "-", 1 }, { "[]-]", "]", 1 },
		{ "a[z-a]b", "a-b", 0 }, { "[a-]", "-", 1 },
		{ "[!a-c]", "b", 0 }, { "[!a-c]", "d", 1 },
		{ "*.txt", "a.txt", 1 }, { "*a*a*b", "aaab", 1 },
		{ "*a*a*b", "abb", 0 }, { "?", "\xc3\xa9", 1 },
		{ "[\xc3\xa0-\xc3\xbf]", "\xc3\xa9", 1 },
		{ "x[!]y]z", "xaz", 1 }, { "x[!]y]z", "x]z", 0 },
		{ "[\\]", "\\", 1 }, { "a\\*", "a\\b", 1 },
		{ "?", "\xe9", 1 }, { "??", "\xe9", 0 },
	};
	unsigned long steps;
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		steps = 0;
		ASSERT_INT_EQ_CTX(confine_glob_match(t[i].pat, t[i].name,
		    &steps), t[i].want, t[i].pat);
	}
}

/* MUST 3: each budget at N passes and at N + 1 refuses, with a message. */
static void
test_budgets(void)
{
	struct strvec g;
	size_t budget;
	unsigned long d;
	const char *es;

	/* entries: small/ has 3 names, ".", ".." and costs 1 to open */
	mk("small", 1);
	mk("small/a1", 0);
	mk("small/a2", 0);
	mk("small/b1", 0);
	start();
	memset(&g, 0, sizeof(g));
	C.glob_entries = MAX_GLOB_ENTRIES - 6;
	budget = MAX_GLOB;
	ASSERT_INT_EQ(confine_glob(&C, "small/a*", &g, &budget, &es), 0);
	ASSERT_INT_EQ(g.n, 2);
	ASSERT_INT_EQ(C.glob_entries, MAX_GLOB_ENTRIES);
	strvec_free(&g);
	stop();
	start();
	C.glob_entries = MAX_GLOB_ENTRIES - 5;
	es = NULL;
	ASSERT_INT_EQ(confine_glob(&C, "small/a*", &g, &budget, &es), -1);
	ASSERT_STR_PREFIX(es, "wildcards list too many directory entries");
	strvec_free(&g);
	stop();
	/* a directory that is not there still costs its open, once */
	start();
	ASSERT_INT_EQ(confine_glob(&C, "nodir/*", &g, &budget, &es), 0);
	ASSERT_INT_EQ(confine_glob(&C, "nodir/x*", &g, &budget, &es), 0);
	ASSERT_INT_EQ(C.glob_entries, 1);
	strvec_free(&g);
	stop();
	/* steps: what one pattern costs on a kept listing, then N, N + 1 */
	start();
	ASSERT_INT_EQ(confine_glob(&C, "big/*9", &g, &budget, &es), 0);
	d = C.glob_steps;
	ASSERT_INT_EQ(confine_glob(&C, "big/*9", &g, &budget, &es), 0);
	d = C.glob_steps - d;
	ASSERT_TRUE(d > M);		/* every name of big/ tested */
	C.glob_steps = MAX_GLOB_STEPS - d;
	budget = MAX_GLOB;
	ASSERT_INT_EQ(confine_glob(&C, "big/*9", &g, &budget, &es), 0);
	ASSERT_INT_EQ(C.glob_steps, MAX_GLOB_STEPS);
	C.glob_steps = MAX_GLOB_STEPS - d + 1;
	es = NULL;
	ASSERT_INT_EQ(confine_glob(&C, "big/*9", &g, &budget, &es), -1);
	ASSERT_STR_PREFIX(es, "wildcards need too many comparisons");
	strvec_free(&g);
	stop();
}

/* Patterns and what rrsync's glob.glob gives for them in the tree. */
static const struct {
	const char *pat;
	const char *want;	/* results, sorted, joined by '|' */
} known[] = {
	{ "su*/", "sub/|sux/" },		/* directories only, '/' kept */
	{ "su*", "sub|sufile|sux" },
	{ "*/deep/", "lnk/deep/|sub/deep/" },
	{ "l*/", "lnk/" },			/* an in-tree link to a dir */
	{ "su*/.", "sub/.|sux/." },
	{ "*/x", "lnk/x|sub/x" },
	{ ".*", ".hidden" },
	{ "*/.*", "lnk/.hid|sub/.hid" },
	{ "a[!b]?", "a!b|a&b|a*b|a-b|a.b|a?b|a[b|a\\b|a]b|a^b" },
	{ "a[b", "a[b" },			/* unclosed: a literal '[' */
	{ "[[:alpha:]]", "[[:alpha:]]" },	/* Python: no classes */
	{ "a[^b]b", "a^b" },			/* Python: '^' is literal */
	{ "?", "A|b|z|\xc3\xa9|\xe2\x82\xac|\xe9" },	/* code points */
	{ "\xe2\x82?", "\xe2\x82x" },		/* not the euro sign */
	{ "[z-a]*", "[z-a]*" },			/* an empty range */
	{ "nomatch*", "nomatch*" },
};

/* Run confine_glob on pat; results joined by '|' into buf. */
static int
globbed(const char *pat, char *buf, size_t sz)
{
	struct strvec g;
	size_t i, budget = MAX_GLOB, len = 0;
	const char *es = NULL;
	int r;

	memset(&g, 0, sizeof(g));
	buf[0] = '\0';
	r = confine_glob(&C, pat, &g, &budget, &es);
	for (i = 0; r == 0 && i < g.n; i++)
		len += snprintf(buf + len, len < sz ? sz - len : 0, "%s%s",
		    i ? "|" : "", g.v[i]);
	strvec_free(&g);
	return r;
}

static void
test_known(void)
{
	static char got[1 << 17];
	size_t i;

	start();
	for (i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
		ASSERT_INT_EQ_CTX(globbed(known[i].pat, got, sizeof(got)), 0,
		    known[i].pat);
		ASSERT_STR_EQ_CTX(got, known[i].want, known[i].pat);
	}
	stop();
}

/* More patterns, checked against python3's glob.glob where it is. */
static const char *const diffpats[] = {
	"*", ".*", "a*", "a?b", "a[b", "a[]]b", "a[!b]?", "a[^b]b",
	"[[:alpha:]]", "[a-c]*", "[z-a]", "[z-a]*", "[!z-a]", "[a-]b*",
	"[-a]*", "[!-a]*", "a[!]b", "a[]-b]b", "?", "??", "???",
	"\xc3\xa9", "\xe2\x82?", "[\xc3\xa9]", "[\xc3\xa0-\xc3\xbf]",
	"[\xe9]", "*\xe9*", "su*/", "su*/.", "*/x", "*/deep", "*/deep/",
	"s*/*", "*/.*", "*/*/", "l*/", "a\\b", "a\\*", "a[\\]b", "a[&]b",
	"a[a-c-e]", "[z-a!b]*", "x*y", "*a*a*a*a*b", "aa*aa*a", "n*",
	"*\n*", "[]a]*", "[!]a]*", "a[--/]b", "[\xe2\x82\xac]", "*/*",
	"a[b-a-c]b", "[a-z][!a-z]?", "a[!!]b", "[!!]*", "*[*]*", "*[?]*",
};

/* python3's glob.glob for each pattern, from a chdir to root. */
static int
python_glob(const char *const *pats, size_t n, struct strvec *out)
{
	static const char prog[] =
	    "import glob, os, sys\n"
	    "os.chdir(sys.argv[1])\n"
	    "data = open(sys.argv[2], 'rb').read().split(b'\\0')[:-1]\n"
	    "for p in data:\n"
	    "    got = glob.glob(os.fsdecode(p)) or [os.fsdecode(p)]\n"
	    "    got = sorted(os.fsencode(g) for g in got)\n"
	    "    sys.stdout.buffer.write(b'|'.join(got) + b'\\0')\n";
	char in[PATH_MAX + 16], cmd[4 * PATH_MAX + 100], *line = NULL;
	size_t i, cap = 0;
	ssize_t len;
	FILE *fp;

	snprintf(in, sizeof(in), "%s.pats", root);
	if ((fp = fopen(in, "w")) == NULL)
		return -1;
	for (i = 0; i < n; i++)
		fwrite(pats[i], 1, strlen(pats[i]) + 1, fp);
	fclose(fp);
	snprintf(in, sizeof(in), "%s.py", root);
	if ((fp = fopen(in, "w")) == NULL)
		return -1;
	fputs(prog, fp);
	fclose(fp);
	snprintf(cmd, sizeof(cmd), "PYTHONUTF8=1 python3 '%s.py' '%s' "
	    "'%s.pats'", root, root, root);
	if ((fp = popen(cmd, "r")) == NULL)
		return -1;
	while ((len = getdelim(&line, &cap, '\0', fp)) > 0)
		strvec_push(out, xstrdup(line));
	free(line);
	if (pclose(fp) != 0)
		return -1;
	return out->n == n ? 0 : -1;
}

static void
test_python(void)
{
	size_t n = sizeof(diffpats) / sizeof(diffpats[0]), i;
	static char got[1 << 17];
	struct strvec want;

	if (system("command -v python3 >/dev/null 2>&1") != 0) {
		printf("cglob: SKIP comparison with rrsync's glob.glob: "
		    "no python3\n");
		return;
	}
	memset(&want, 0, sizeof(want));
	if (!ASSERT_INT_EQ(python_glob(diffpats, n, &want), 0))
		return;
	start();
	for (i = 0; i < n; i++) {
		ASSERT_INT_EQ_CTX(globbed(diffpats[i], got, sizeof(got)), 0,
		    diffpats[i]);
		ASSERT_STR_EQ_CTX(got, want.v[i], diffpats[i]);
	}
	stop();
	strvec_free(&want);
}

int
main(void)
{
	static const char *const files[] = {
		"abc", "abd", "a.b", ".hidden", "a[b", "a]b", "a-b", "a!b",
		"a^b", "a\\b", "a&b", "A", "b", "z", "\xc3\xa9",
		"\xe2\x82\xac", "\xe9", "\xe2\x82x", "x\xf0\x9f\x98\x80y",
		"sufile", "sub/x", "sub/.hid", "sub/deep/f", "-a", "a*b",
		"a?b", "new\nline", "]a", "!a", "aaaaaaaaaaaaaaaaaaaab",
	};
	char p[3 * PATH_MAX + 64];
	size_t i;

	snprintf(root, sizeof(root), "/tmp/rsguard-cglob.XXXXXX");
	if (mkdtemp(root) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	mk("big", 1);
	for (i = 0; i < M; i++) {
		snprintf(p, sizeof(p), "big/f%04zu", i);
		mk(p, 0);
	}
	mk("sub", 1);
	mk("sux", 1);
	mk("sub/deep", 1);
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		mk(files[i], 0);
	snprintf(p, sizeof(p), "%s/lnk", root);
	if (symlink("sub", p) == -1)
		perror(p);
	test_one_scan();
	test_linear();
	test_match();
	test_budgets();
	test_known();
	test_python();
	snprintf(p, sizeof(p), "rm -rf '%s' '%s.py' '%s.pats'", root, root,
	    root);
	if (system(p) != 0)
		fprintf(stderr, "cannot remove %s\n", root);
	return test_summary();
}
