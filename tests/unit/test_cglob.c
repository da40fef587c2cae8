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
	{ "*/deep/", "sub/deep/" },
	{ "l*/", "lnk/" },			/* an in-tree link to a dir */
	{ "su*/.", "sub/.|sux/." },
	{ "*/x", "lnk/x|sub/x" },
	{ ".*", ".hidden" },
	{ "*/.*", "lnk/.hid|sub/.hid" },
	{ "a[!b]?", "a-b|a.b|a[b|a]b|a^b" },
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
	test_known();
	test_python();
	snprintf(p, sizeof(p), "rm -rf '%s' '%s.py' '%s.pats'", root, root,
	    root);
	if (system(p) != 0)
		fprintf(stderr, "cannot remove %s\n", root);
	return test_summary();
}
