/*
 * test_confine.c - path confinement beneath a directory fd, on a real
 * temporary tree with hostile symlinks and a FIFO.
 */
#define TEST_MODULE "confine"
#include <sys/stat.h>
#include <sys/types.h>

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "confine.h"
#include "walk.h"
#include "test.h"

static char root[PATH_MAX];
static struct confine C;

static void
mk(const char *rel, int kind, const char *target)
{
	char p[PATH_MAX + 64];
	int fd;

	snprintf(p, sizeof(p), "%s/%s", root, rel);
	switch (kind) {
	case 'd':
		if (mkdir(p, 0755) == -1)
			perror(p);
		break;
	case 'f':
		if ((fd = open(p, O_WRONLY | O_CREAT | O_EXCL, 0644)) == -1)
			perror(p);
		else {
			if (write(fd, rel, strlen(rel)) == -1)
				perror(p);
			close(fd);
		}
		break;
	case 'l':
		if (symlink(target, p) == -1)
			perror(p);
		break;
	case 'p':
		if (mkfifo(p, 0644) == -1)
			perror(p);
		break;
	}
}

static void
make_tree(void)
{
	char tmpl[] = "/tmp/rsguard-test-confine.XXXXXX", abs[PATH_MAX + 8];

	if (mkdtemp(tmpl) == NULL || realpath(tmpl, root) == NULL) {
		perror("mkdtemp");
		exit(2);
	}
	mk("d", 'd', NULL);
	mk("d/f", 'f', NULL);
	mk("d/sub", 'd', NULL);
	mk("f", 'f', NULL);
	mk(".hidden", 'f', NULL);
	mk("g1.txt", 'f', NULL);
	mk("g2.txt", 'f', NULL);
	mk("in", 'l', "d");			/* relative, in tree */
	snprintf(abs, sizeof(abs), "%s/d", root);
	mk("absin", 'l', abs);			/* absolute, in tree */
	mk("absroot", 'l', root);		/* absolute, DIR itself */
	mk("evil", 'l', "/etc");		/* absolute, outside */
	mk("up", 'l', "../");			/* climbs out */
	mk("d/up2", 'l', "../../etc");		/* climbs out from below */
	mk("d/upok", 'l', "../f");		/* climbs, stays inside */
	mk("dangle", 'l', "nonexistent");	/* dangling */
	mk("loop", 'l', "loop");		/* ELOOP */
	mk("fifo", 'p', NULL);
	/* -R: what a "/./" split at the wrong place would reach instead. */
	mk("r", 'd', NULL);
	mk("r/x", 'f', NULL);
	mk("r/r", 'l', "/etc");			/* r/./r is not r/r */
	mk("r/s", 'd', NULL);
	mk("r/s/y", 'f', NULL);
	mk("r/s/r", 'l', "/etc");
	mk("fslash", 'l', "f/");		/* the walk takes it for f */
}

/* Remove the tree (no symlink is followed: unlink never does). */
static void
rm_tree(const char *path)
{
	struct dirent *de;
	struct stat st;
	char p[PATH_MAX + 300];
	DIR *dp;

	if ((dp = opendir(path)) != NULL) {
		while ((de = readdir(dp)) != NULL) {
			if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
				continue;
			snprintf(p, sizeof(p), "%s/%s", path, de->d_name);
			if (lstat(p, &st) == 0 && S_ISDIR(st.st_mode))
				rm_tree(p);
			else
				unlink(p);
		}
		closedir(dp);
	}
	rmdir(path);
}

static int
exists(const char *rel)
{
	char p[PATH_MAX + 64];
	struct stat st;

	snprintf(p, sizeof(p), "%s/%s", root, rel);
	return lstat(p, &st) == 0;
}

/* Does the spelling reach the same object as root/rel? */
static int
same_object(const char *spelling, const char *rel, int follow)
{
	char p[PATH_MAX + 64];
	struct stat a, b;

	snprintf(p, sizeof(p), "%s/%s", root, rel);
	if ((follow ? stat(spelling, &a) : lstat(spelling, &a)) == -1 ||
	    (follow ? stat(p, &b) : lstat(p, &b)) == -1)
		return 0;
	return a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

static void
confine_release(struct confine *c)
{
	confine_free(c);
}

static void
start(int am_sender)
{
	const char *es = NULL;

	ASSERT_INT_EQ(confine_init(&C, root, &es), 0);
	C.am_sender = am_sender;
}

/* Decision i's spelling as the caller's copy (NULL while deferred). */
static char *
spelling(int i)
{
	const char *s = confine_spelling(&C, i);

	return s != NULL ? strdup(s) : NULL;
}

/* Accepted at once; returns the spelling (caller frees). */
static char *
ok(enum role role, const char *rel, const char *suffix)
{
	const char *es = NULL;
	char *out = NULL;
	int i;

	i = confine_path(&C, role, rel, rel, suffix, &es);
	if (!ASSERT_INT_EQ_CTX(i >= 0, 1, rel))
		fprintf(stderr, "    error: %s\n", es ? es : "(null)");
	if (i >= 0 && (out = spelling(i)) != NULL)
		ASSERT_STR_PREFIX(out, "/proc/self/fd/");
	return out;
}

/* Refused with exactly `want'. */
static void
refused(enum role role, const char *rel, const char *suffix,
    const char *want)
{
	const char *es = NULL;
	int r;

	r = confine_path(&C, role, rel, rel, suffix, &es);
	ASSERT_INT_EQ_CTX(r, -1, rel);
	ASSERT_STR_EQ_CTX(es, want, rel);
}

static void
test_sender(void)
{
	char *o;

	start(1);
	o = ok(ROLE_SENDER_ARG, "f", "");
	ASSERT_TRUE(same_object(o, "f", 0));
	free(o);
	o = ok(ROLE_SENDER_ARG, "d/f", "");
	ASSERT_TRUE(same_object(o, "d/f", 0));
	free(o);
	o = ok(ROLE_SENDER_ARG, "d", "/");
	ASSERT_TRUE(o && o[strlen(o) - 1] == '/');
	ASSERT_TRUE(same_object(o, "d", 1));
	free(o);
	o = ok(ROLE_SENDER_ARG, "in", "/");
	ASSERT_TRUE(same_object(o, "d", 1));
	free(o);
	o = ok(ROLE_SENDER_ARG, "in/f", "");
	ASSERT_TRUE(same_object(o, "d/f", 0));
	free(o);
	o = ok(ROLE_SENDER_ARG, "absin/f", "");
	ASSERT_TRUE(same_object(o, "d/f", 0));
	free(o);
	o = ok(ROLE_SENDER_ARG, "absroot/g1.txt", "");
	ASSERT_TRUE(same_object(o, "g1.txt", 0));
	free(o);
	o = ok(ROLE_SENDER_ARG, "d/upok", "");	/* the link itself */
	ASSERT_TRUE(same_object(o, "d/upok", 0));
	free(o);
	o = ok(ROLE_SENDER_ARG, "in", "");	/* the link, not d */
	ASSERT_TRUE(same_object(o, "in", 0));
	free(o);
	o = ok(ROLE_SENDER_ARG, "dangle", "");	/* sent as a symlink */
	ASSERT_TRUE(same_object(o, "dangle", 0));
	free(o);
	o = ok(ROLE_SENDER_ARG, ".", "/");
	ASSERT_TRUE(same_object(o, ".", 1));
	free(o);
	o = ok(ROLE_SENDER_ARG, "d/../f", "");
	ASSERT_TRUE(same_object(o, "f", 0));
	free(o);

	refused(ROLE_SENDER_ARG, "evil", "", "unsafe arg: evil");
	refused(ROLE_SENDER_ARG, "evil", "/", "unsafe arg: evil");
	refused(ROLE_SENDER_ARG, "evil/passwd", "", "unsafe arg: evil/passwd");
	refused(ROLE_SENDER_ARG, "up", "", "unsafe arg: up");
	refused(ROLE_SENDER_ARG, "up/etc", "", "unsafe arg: up/etc");
	refused(ROLE_SENDER_ARG, "d/up2", "", "unsafe arg: d/up2");
	refused(ROLE_SENDER_ARG, "in/up2/passwd", "",
	    "unsafe arg: in/up2/passwd");
	refused(ROLE_SENDER_ARG, "../x", "", "unsafe arg: ../x");
	refused(ROLE_SENDER_ARG, "d/../../x", "", "unsafe arg: d/../../x");
	refused(ROLE_SENDER_ARG, "missing", "",
	    "missing: no such file or directory in the restricted dir");
	refused(ROLE_SENDER_ARG, "missing", "/",
	    "missing: no such file or directory in the restricted dir");
	refused(ROLE_SENDER_ARG, "loop", "/",
	    "loop: too many levels of symbolic links in the restricted dir");
	refused(ROLE_SENDER_ARG, "f/x", "",
	    "f/x: not a directory in the restricted dir");

	/* --relative: anchored at "/./" */
	o = ok(ROLE_SENDER_ARG_REL, "d/./sub", "");
	if (o != NULL) {
		ASSERT_TRUE(strstr(o, "/./sub") != NULL);
		ASSERT_TRUE(same_object(o, "d/sub", 1));
	}
	free(o);
	o = ok(ROLE_SENDER_ARG_REL, "d/f", "");
	if (o != NULL) {
		ASSERT_TRUE(strstr(o, "/./d/f") != NULL);
		ASSERT_TRUE(same_object(o, "d/f", 0));
	}
	free(o);
	refused(ROLE_SENDER_ARG_REL, "evil/./passwd", "",
	    "unsafe arg: evil/./passwd");
	confine_release(&C);
}

/*
 * One -R source: the spelling reaches `want' (followed when `follow'),
 * the descriptor before rsync's first "/./" names `anchor', and what
 * follows that marker, the name rsync transmits, is `name'.
 */
static void
rel_case(const char *rel, const char *suffix, const char *anchor,
    const char *name, const char *want, int follow)
{
	char *o, *m, *a;

	if ((o = ok(ROLE_SENDER_ARG_REL, rel, suffix)) == NULL)
		return;
	if (ASSERT_TRUE((m = strstr(o, "/./")) != NULL)) {
		ASSERT_STR_EQ_CTX(m + 3, name, rel);
		a = xstrndup(o, (size_t)(m - o));
		if (!ASSERT_TRUE(same_object(a, anchor, 1)))
			fprintf(stderr, "    %s%s: anchor %s, want %s\n", rel,
			    suffix, a, anchor);
		free(a);
	}
	if (!ASSERT_TRUE(same_object(o, want, follow)))
		fprintf(stderr, "    %s%s: %s does not reach %s\n", rel, suffix,
		    o, want);
	free(o);
}

/*
 * confine.c MUST 6 for --relative: rsync splits a source at its FIRST
 * "/./" (flist.c send_file_list, strstr), so the anchor pinned is what
 * precedes that marker in the client's spelling -- DIR itself when the
 * spelling begins with it -- and the spelling reaches exactly the object
 * checked, whatever the marker's place or count.
 */
static void
test_relative_markers(void)
{
	start(1);
	/* client "/./r/", "/./r", ".//./r/": rel begins with the marker */
	rel_case("./r", "/", ".", "r/", "r", 1);
	rel_case("./r", "", ".", "r", "r", 0);
	rel_case("./r/x", "", ".", "r/x", "r/x", 0);
	rel_case("./r/s/y", "", ".", "r/s/y", "r/s/y", 0);
	/* "/././r/": repeated; rsync cleans the "./" it transmits */
	rel_case("././r", "/", ".", "./r/", "r", 1);
	/* "/./r/./s/", "r/./s/./y": several markers, the first splits */
	rel_case("./r/./s", "/", ".", "r/./s/", "r/s", 1);
	rel_case("r/./s/./y", "", "r", "s/./y", "r/s/y", 0);
	/* after a "..-free" prefix, and deeper */
	rel_case("r/./s", "/", "r", "s/", "r/s", 1);
	rel_case("r/s/./y", "", "r/s", "y", "r/s/y", 0);
	rel_case("in/./f", "", "d", "f", "d/f", 0);
	/* terminal: "r/./" transmits the directory's content as "." */
	rel_case("r/.", "/", "r", "", "r", 1);
	rel_case(".", "/", ".", "", ".", 1);
	/* "r/." is no marker ("/foo/." is not abbreviated) */
	rel_case("r", "/.", ".", "r/.", "r", 1);
	/* no marker: the whole path from DIR */
	rel_case("r/s/y", "", ".", "r/s/y", "r/s/y", 0);
	refused(ROLE_SENDER_ARG_REL, "./evil", "/", "unsafe arg: ./evil");
	refused(ROLE_SENDER_ARG_REL, "./r/r/passwd", "",
	    "unsafe arg: ./r/r/passwd");
	refused(ROLE_SENDER_ARG_REL, "./fslash", "/",
	    "./fslash: not a directory in the restricted dir");
	confine_release(&C);
}

/*
 * The check behind "post-pin path changed (race?)": the tail rsync is
 * handed, resolved beneath the anchor as rsync resolves it, against the
 * object the walk reached (reached only when something moved between
 * the two, so the check is tested on its own).
 */
static void
test_same_beneath(void)
{
	struct stat f, d, in, dfl;
	char p[PATH_MAX + 64];
	int dfd;

	start(1);
	snprintf(p, sizeof(p), "%s/f", root);
	ASSERT_INT_EQ(lstat(p, &f), 0);
	snprintf(p, sizeof(p), "%s/d", root);
	ASSERT_INT_EQ(lstat(p, &d), 0);
	snprintf(p, sizeof(p), "%s/in", root);
	ASSERT_INT_EQ(lstat(p, &in), 0);
	snprintf(p, sizeof(p), "%s/d/f", root);
	ASSERT_INT_EQ(lstat(p, &dfl), 0);
	ASSERT_INT_EQ(cf_same_beneath(C.rootfd, "f", 0, &f), 0);
	ASSERT_INT_EQ(cf_same_beneath(C.rootfd, "d", 0, &f), 1);
	ASSERT_INT_EQ(cf_same_beneath(C.rootfd, "in", 1, &d), 0);
	ASSERT_INT_EQ(cf_same_beneath(C.rootfd, "in", 0, &in), 0);
	ASSERT_INT_EQ(cf_same_beneath(C.rootfd, "in", 0, &d), 1);
	ASSERT_INT_EQ(cf_same_beneath(C.rootfd, "in/f", 0, &dfl), 0);
	ASSERT_INT_EQ(cf_same_beneath(C.rootfd, "//f", 0, &f), 0);
	ASSERT_INT_EQ(cf_same_beneath(C.rootfd, "missing", 0, &f), -1);
	dfd = openat(C.rootfd, "d", O_PATH | O_DIRECTORY | O_CLOEXEC);
	ASSERT_INT_EQ(cf_same_beneath(dfd, "", 1, &d), 0);
	ASSERT_INT_EQ(cf_same_beneath(dfd, ".", 1, &d), 0);
	ASSERT_INT_EQ(cf_same_beneath(dfd, ".", 1, &f), 1);
	close(dfd);
	confine_release(&C);
}

static void
test_fifo(void)
{
	struct strvec g;
	size_t budget = 100;
	const char *es;
	char *o;

	/* A FIFO must never be opened for reading: this would hang. */
	alarm(5);
	start(1);
	o = ok(ROLE_SENDER_ARG, "fifo", "");
	ASSERT_TRUE(same_object(o, "fifo", 0));
	free(o);
	o = ok(ROLE_READ_FILE, "fifo", "");
	free(o);
	memset(&g, 0, sizeof(g));
	ASSERT_INT_EQ(confine_glob(&C, "fif*", &g, &budget, &es), 0);
	if (ASSERT_INT_EQ(g.n, 1))
		ASSERT_STR_EQ(g.v[0], "fifo");
	strvec_free(&g);
	confine_release(&C);
	start(0);
	o = ok(ROLE_RECV_ARG, "fifo", "");
	free(o);
	o = ok(ROLE_WRITE_FILE, "fifo", "");
	free(o);
	confine_release(&C);
	alarm(0);
}

static void
test_receiver(void)
{
	const char *es;
	char *o;

	start(0);
	o = ok(ROLE_RECV_ARG, "d", "/");
	ASSERT_TRUE(same_object(o, "d", 1));
	free(o);
	o = ok(ROLE_RECV_ARG, "f", "");		/* beneath its parent */
	if (o != NULL)
		ASSERT_TRUE(strcmp(o + strlen(o) - 2, "/f") == 0);
	ASSERT_TRUE(same_object(o, "f", 0));
	free(o);
	o = ok(ROLE_RECV_ARG, "newdir", "/");
	if (o != NULL)
		ASSERT_TRUE(strcmp(o + strlen(o) - 8, "/newdir/") == 0);
	ASSERT_FALSE(exists("newdir"));
	free(o);
	/*
	 * A destination whose parent is missing: refused (never spelled with
	 * unresolved components, which a raced rename could redirect) ...
	 */
	refused(ROLE_RECV_ARG, "in/new/deeper", "",
	    "in/new/deeper: no such file or directory in the restricted dir");
	ASSERT_FALSE(exists("in/new"));
	/* ... unless --mkpath asked rsync to make it: then we make the
	 * parents at commit, beneath the pinned dir, and pin the last. */
	C.mkpath = 1;
	{
		char *out, path[8300];
		const char *es2 = NULL;
		int i;
		ASSERT_TRUE((i = confine_path(&C, ROLE_RECV_ARG,
		    "in/new/deeper", "in/new/deeper", "/", &es2)) >= 0);
		ASSERT_NULL(confine_spelling(&C, i));	/* deferred */
		ASSERT_FALSE(exists("in/new"));
		ASSERT_INT_EQ(confine_commit(&C, &es2), 0);
		out = spelling(i);
		ASSERT_STR_PREFIX(out, "/proc/self/fd/");
		ASSERT_TRUE(out != NULL &&
		    strcmp(out + strlen(out) - 8, "/deeper/") == 0);
		ASSERT_TRUE(exists("in/new"));
		ASSERT_FALSE(exists("in/new/deeper"));
		free(out);
		snprintf(path, sizeof(path), "%s/in/new", root);
		ASSERT_INT_EQ(rmdir(path), 0);
	}
	C.mkpath = 0;
	refused(ROLE_RECV_ARG, "evil/x", "", "unsafe arg: evil/x");
	refused(ROLE_RECV_ARG, "up/x", "/", "unsafe arg: up/x");
	refused(ROLE_RECV_ARG, "missing/../../x", "",
	    "unsafe arg: missing/../../x");

	/* --temp-dir must exist */
	o = ok(ROLE_MUST_EXIST_DIR, "d/sub", "");
	ASSERT_TRUE(same_object(o, "d/sub", 1));
	free(o);
	refused(ROLE_MUST_EXIST_DIR, "missing", "",
	    "receiver option path does not exist: missing");
	refused(ROLE_MUST_EXIST_DIR, "evil", "", "unsafe arg: evil");

	/* --files-from on a push may name a file to come; --log-file too */
	o = ok(ROLE_READ_FILE, "d/list", "");
	free(o);
	o = ok(ROLE_WRITE_FILE, "log", "");
	if (o != NULL)
		ASSERT_TRUE(strcmp(o + strlen(o) - 4, "/log") == 0);
	ASSERT_FALSE(exists("log"));
	free(o);
	refused(ROLE_WRITE_FILE, "evil/log", "", "unsafe arg: evil/log");
	confine_release(&C);

	/* --files-from on a pull must exist */
	start(1);
	refused(ROLE_READ_FILE, "nolist", "",
	    "nolist: no such file or directory in the restricted dir");
	o = ok(ROLE_READ_FILE, "d/f", "");
	ASSERT_TRUE(same_object(o, "d/f", 1));
	free(o);
	confine_release(&C);

	/* an existing --partial-dir is spelled beneath its parent */
	start(0);
	o = ok(ROLE_CREATE_PRIVATE_DIR, "d/sub", "");
	if (o != NULL)
		ASSERT_TRUE(strcmp(o + strlen(o) - 4, "/sub") == 0);
	ASSERT_TRUE(same_object(o, "d/sub", 0));
	free(o);
	es = NULL;
	ASSERT_INT_EQ(confine_commit(&C, &es), 0);	/* nothing deferred */
	confine_release(&C);
}

static void
test_deferred(void)
{
	char *bk = NULL, *pd = NULL, *basis = NULL, *o;
	char p[PATH_MAX + 64];
	const char *es = NULL;
	struct dirent *de;
	struct stat st;
	DIR *dp;
	int ibk, ipd, ibasis, n;

	umask(022);
	start(0);
	ibk = confine_path(&C, ROLE_CREATE_DIR, "bk/a", "bk/a", "", &es);
	ASSERT_TRUE(ibk >= 0);
	ASSERT_NULL(confine_spelling(&C, ibk));		/* deferred */
	ipd = confine_path(&C, ROLE_CREATE_PRIVATE_DIR, "in/.p", "in/.p", "",
	    &es);
	ASSERT_TRUE(ipd >= 0);
	ASSERT_NULL(confine_spelling(&C, ipd));
	ibasis = confine_path(&C, ROLE_BASIS_DIR, "nobasis", "nobasis", "/",
	    &es);
	ASSERT_TRUE(ibasis >= 0);
	ASSERT_NULL(confine_spelling(&C, ibasis));
	/* an existing basis dir is pinned at once */
	o = ok(ROLE_BASIS_DIR, "d", "");
	ASSERT_TRUE(same_object(o, "d", 1));
	free(o);
	refused(ROLE_BASIS_DIR, "evil/b", "", "unsafe arg: evil/b");
	refused(ROLE_CREATE_DIR, "up/b", "", "unsafe arg: up/b");

	/* MUST 5: nothing on disk before the commit */
	ASSERT_FALSE(exists("bk"));
	ASSERT_FALSE(exists("d/.p"));
	ASSERT_FALSE(exists("nobasis"));

	es = NULL;
	ASSERT_INT_EQ(confine_commit(&C, &es), 0);
	ASSERT_NULL(es);
	bk = spelling(ibk);
	pd = spelling(ipd);
	basis = spelling(ibasis);
	ASSERT_STR_PREFIX(bk, "/proc/self/fd/");
	ASSERT_STR_PREFIX(pd, "/proc/self/fd/");
	ASSERT_STR_PREFIX(basis, "/proc/self/fd/");
	ASSERT_TRUE(exists("bk/a"));
	ASSERT_TRUE(same_object(bk, "bk/a", 1));
	snprintf(p, sizeof(p), "%s/bk/a", root);
	if (ASSERT_INT_EQ(stat(p, &st), 0))
		ASSERT_INT_EQ(st.st_mode & 07777, 0755);
	snprintf(p, sizeof(p), "%s/d/.p", root);
	if (ASSERT_INT_EQ(lstat(p, &st), 0)) {
		ASSERT_TRUE(S_ISDIR(st.st_mode));
		ASSERT_INT_EQ(st.st_mode & 07777, 0700);
	}
	if (pd != NULL)	/* beneath its parent, see confine_path */
		ASSERT_TRUE(strcmp(pd + strlen(pd) - 3, "/.p") == 0);
	ASSERT_TRUE(same_object(pd, "d/.p", 0));
	/* the placeholder is an empty directory with no name */
	if (basis != NULL) {
		ASSERT_TRUE(basis[strlen(basis) - 1] == '/');
		ASSERT_INT_EQ(stat(basis, &st), 0);
		ASSERT_TRUE(S_ISDIR(st.st_mode));
		ASSERT_INT_EQ(st.st_nlink, 0);
	}
	ASSERT_FALSE(exists("nobasis"));
	n = 0;
	if ((dp = opendir(root)) != NULL) {
		while ((de = readdir(dp)) != NULL)
			if (strncmp(de->d_name, ".rsguard", 8) == 0)
				n++;
		closedir(dp);
	}
	ASSERT_INT_EQ(n, 0);
	free(bk);
	free(pd);
	free(basis);
	confine_release(&C);
}

static int
has(const struct strvec *v, size_t from, const char *s)
{
	size_t i;

	for (i = from; i < v->n; i++)
		if (strcmp(v->v[i], s) == 0)
			return 1;
	return 0;
}

static void
test_glob(void)
{
	static const struct {
		const char *pat;
		size_t n;
		const char *want[4];
	} t[] = {
		{ "g*.txt", 2, { "g1.txt", "g2.txt" } },
		{ "g?.txt", 2, { "g1.txt", "g2.txt" } },
		{ "g[2].txt", 1, { "g2.txt" } },
		{ "d/*", 4, { "d/f", "d/sub", "d/up2", "d/upok" } },
		{ "in/s*", 1, { "in/sub" } },
		{ "*/f", 4, { "absin/f", "absroot/f", "d/f", "in/f" } },
		{ "evil/*", 1, { "evil/*" } },	/* no escape: no match */
		{ "up/*", 1, { "up/*" } },
		{ "d/up2/*", 1, { "d/up2/*" } },
		{ "nomatch*", 1, { "nomatch*" } },
		{ "plain", 1, { "plain" } },	/* no magic: as is */
		{ ".h*", 1, { ".hidden" } },
	};
	struct strvec g;
	size_t i, j, budget;
	const char *es;

	start(1);
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		memset(&g, 0, sizeof(g));
		budget = 100;
		ASSERT_INT_EQ_CTX(confine_glob(&C, t[i].pat, &g, &budget, &es),
		    0, t[i].pat);
		ASSERT_INT_EQ_CTX(g.n, t[i].n, t[i].pat);
		for (j = 0; j < g.n && j < t[i].n; j++)
			ASSERT_STR_EQ_CTX(g.v[j], t[i].want[j], t[i].pat);
		strvec_free(&g);
	}
	/* "*": everything visible, sorted, nothing hidden */
	memset(&g, 0, sizeof(g));
	budget = 100;
	ASSERT_INT_EQ(confine_glob(&C, "*", &g, &budget, &es), 0);
	ASSERT_TRUE(has(&g, 0, "d") && has(&g, 0, "f") && has(&g, 0, "evil"));
	ASSERT_FALSE(has(&g, 0, ".hidden"));
	for (i = 1; i < g.n; i++)
		ASSERT_TRUE(strcmp(g.v[i - 1], g.v[i]) < 0);
	for (i = 0; i < g.n; i++)
		ASSERT_TRUE(strchr(g.v[i], '/') == NULL);
	strvec_free(&g);
	/* results append after what is there */
	memset(&g, 0, sizeof(g));
	strvec_push(&g, xstrdup("zzz"));
	budget = 100;
	ASSERT_INT_EQ(confine_glob(&C, "g*.txt", &g, &budget, &es), 0);
	ASSERT_INT_EQ(g.n, 3);
	if (g.n == 3)
		ASSERT_STR_EQ(g.v[0], "zzz");
	strvec_free(&g);
	/* the budget */
	memset(&g, 0, sizeof(g));
	budget = 1;
	es = NULL;
	ASSERT_INT_EQ(confine_glob(&C, "g*.txt", &g, &budget, &es), -1);
	ASSERT_STR_EQ(es, "wildcard matches too many files");
	strvec_free(&g);
	confine_release(&C);
}

static void
test_init(void)
{
	struct confine c2;
	const char *es = NULL;
	char p[PATH_MAX + 64];

	ASSERT_INT_EQ(confine_init(&c2, "/nonexistent/rsguard", &es), -1);
	ASSERT_STR_EQ(es, "Restricted directory does not exist!");
	if (c2.rootfd != -1)
		close(c2.rootfd);
	snprintf(p, sizeof(p), "%s/f", root);
	es = NULL;
	ASSERT_INT_EQ(confine_init(&c2, p, &es), -1);
	ASSERT_STR_EQ(es, "Restricted directory does not exist!");
	if (c2.rootfd != -1)
		close(c2.rootfd);
}

/* The bounds are refusals (errmsg), never an exit: MAX_DEFER, MAX_PINS. */
static void
test_limits(void)
{
	char name[32], *o;
	const char *es = NULL;
	int i;

	start(0);
	for (i = 0; i < MAX_DEFER; i++) {
		snprintf(name, sizeof(name), "nodir%d", i);
		free(ok(ROLE_BASIS_DIR, name, ""));
	}
	refused(ROLE_BASIS_DIR, "nodir-last", "",
	    "too many directories to create");
	/* the bound stays: nothing later in the command is accepted */
	refused(ROLE_RECV_ARG, "d", "", "too many directories to create");
	confine_release(&C);

	start(1);
	C.npins = MAX_PINS;	/* as if full: the next distinct pin fails */
	refused(ROLE_SENDER_ARG, "d", "/", "too many paths to pin");
	C.npins = 0;
	C.limit = NULL;
	o = ok(ROLE_SENDER_ARG, "d", "/");
	free(o);
	confine_release(&C);

	/* Pins the commit would need are counted before it creates any. */
	start(0);
	C.npins = MAX_PINS - 2;	/* both deferrals pin DIR: one pin more */
	ASSERT_TRUE(confine_path(&C, ROLE_CREATE_DIR, "nb1/x", "nb1/x", "",
	    &es) >= 0);
	ASSERT_TRUE(confine_path(&C, ROLE_CREATE_DIR, "nb2/x", "nb2/x", "",
	    &es) >= 0);
	ASSERT_INT_EQ(C.npins, MAX_PINS - 1);
	ASSERT_INT_EQ(confine_commit(&C, &es), -1);
	ASSERT_STR_EQ(es, "too many paths to pin");
	ASSERT_FALSE(exists("nb1"));
	ASSERT_FALSE(exists("nb2"));
	for (i = MAX_PINS - 2; i < C.npins; i++)
		close(C.pins[i]);
	C.npins = 0;	/* the first MAX_PINS - 2 were never opened */
	confine_release(&C);
}

/* Descriptors this process holds (for leak checks). */
static int
open_fds(void)
{
	struct dirent *de;
	DIR *dp;
	int n = 0;

	if ((dp = opendir("/proc/self/fd")) == NULL)
		return -1;
	while ((de = readdir(dp)) != NULL)
		n += de->d_name[0] != '.';
	closedir(dp);
	return n - 1;	/* dp's own */
}

/*
 * The parent cache (confine.c walk_parent): many leaves in one directory
 * share one walk and one pin; every spelling still reaches its own leaf;
 * a parent that failed is walked again; more parents than slots evict
 * without leaking or mixing them up; "." and ".." leaves still go
 * through RESOLVE_BENEATH; and a cached parent replaced meanwhile by a
 * link out of DIR is never followed out.
 */
static void
test_parent_cache(void)
{
	char rel[64], *o, *o2;
	const char *es = NULL;
	int i, fds, npins;

	mk("pc", 'd', NULL);
	for (i = 0; i < 200; i++) {
		snprintf(rel, sizeof(rel), "pc/%d", i);
		mk(rel, 'd', NULL);
		snprintf(rel, sizeof(rel), "pc/%d/f", i);
		mk(rel, 'f', NULL);
		snprintf(rel, sizeof(rel), "pc/f%d", i);
		mk(rel, 'f', NULL);
	}
	fds = open_fds();
	start(1);
	/* One directory, 200 leaves: one pin, one spelling prefix each. */
	o = ok(ROLE_SENDER_ARG, "pc/f0", "");
	npins = C.npins;
	for (i = 1; i < 200; i++) {
		snprintf(rel, sizeof(rel), "pc/f%d", i);
		o2 = ok(ROLE_SENDER_ARG, rel, "");
		ASSERT_INT_EQ_CTX(o2 != NULL && same_object(o2, rel, 0), 1,
		    rel);
		ASSERT_INT_EQ_CTX(o != NULL && o2 != NULL &&
		    strncmp(o, o2, (size_t)(strrchr(o, '/') - o)) == 0, 1, rel);
		free(o2);
	}
	ASSERT_INT_EQ(C.npins, npins);
	free(o);
	/* 200 parents through 64 slots, twice: each reaches its own. */
	for (i = 0; i < 400; i++) {
		snprintf(rel, sizeof(rel), "pc/%d/f", (i * 7) % 200);
		o = ok(ROLE_SENDER_ARG, rel, "");
		ASSERT_INT_EQ_CTX(o != NULL && same_object(o, rel, 0), 1, rel);
		free(o);
	}
	ASSERT_INT_EQ(C.npins, npins + 200);
	/* The leaf is looked up each time: a missing one is refused. */
	refused(ROLE_SENDER_ARG, "pc/nope", "",
	    "pc/nope: no such file or directory in the restricted dir");
	refused(ROLE_SENDER_ARG, "pc/f1/x", "",
	    "pc/f1/x: not a directory in the restricted dir");
	/* A parent that failed is not kept: once it exists, it works. */
	refused(ROLE_SENDER_ARG, "pcnew/f", "",
	    "pcnew/f: no such file or directory in the restricted dir");
	mk("pcnew", 'd', NULL);
	mk("pcnew/f", 'f', NULL);
	o = ok(ROLE_SENDER_ARG, "pcnew/f", "");
	ASSERT_TRUE(o != NULL && same_object(o, "pcnew/f", 0));
	free(o);
	/* ".." as the leaf never climbs out of DIR through the cache. */
	ASSERT_INT_EQ(confine_path(&C, ROLE_SENDER_ARG, "..", "..", "", &es),
	    -1);
	o = ok(ROLE_SENDER_ARG, "pc/f1", "");	/* pc's pin is cached */
	free(o);
	ASSERT_INT_EQ(confine_path(&C, ROLE_SENDER_ARG, "pc/..", "pc/..", "",
	    &es), -1);
	/*
	 * pc is renamed and a link out of DIR put in its place: the cached
	 * parent is the directory object checked beneath DIR (now "pc2"),
	 * never the link, so the spelling stays inside.
	 */
	{
		char a[PATH_MAX + 8], b[PATH_MAX + 8];

		snprintf(a, sizeof(a), "%s/pc", root);
		snprintf(b, sizeof(b), "%s/pc2", root);
		ASSERT_INT_EQ(rename(a, b), 0);
		ASSERT_INT_EQ(symlink("/etc", a), 0);
	}
	o = ok(ROLE_SENDER_ARG, "pc/f2", "");
	ASSERT_TRUE(o != NULL && same_object(o, "pc2/f2", 0));
	free(o);
	refused(ROLE_SENDER_ARG, "pc/passwd", "",
	    "pc/passwd: no such file or directory in the restricted dir");
	/* Uncached, the same name is the link and refused as ever. */
	confine_release(&C);
	start(1);
	refused(ROLE_SENDER_ARG, "pc/passwd", "", "unsafe arg: pc/passwd");
	/* The receiver side shares it: a new name beneath a cached parent. */
	confine_release(&C);
	start(0);
	o = ok(ROLE_RECV_ARG, "pc2/new1", "");
	o2 = ok(ROLE_RECV_ARG, "pc2/new2", "");
	ASSERT_TRUE(o != NULL && o2 != NULL && C.npins == 1);
	free(o);
	free(o2);
	o = ok(ROLE_RECV_ARG, "pc2/1", "");	/* a directory: its own pin */
	ASSERT_TRUE(o != NULL && same_object(o, "pc2/1", 1));
	free(o);
	confine_release(&C);
	/* confine_free leaves no descriptor behind. */
	ASSERT_INT_EQ(open_fds(), fds);
}

int
main(void)
{
	make_tree();
	test_init();
	test_sender();
	test_relative_markers();
	test_same_beneath();
	test_fifo();
	test_receiver();
	test_deferred();
	test_glob();
	test_limits();
	test_parent_cache();
	rm_tree(root);
	return test_summary();
}
