/* test_snapshot.c - the snapshot store: names, --keep, remove, commit. */
#define TEST_MODULE "snapshot"
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "test.h"
#include "snapshot.h"

static char tmp[] = "/tmp/test_snapshot.XXXXXX";

static void
mk(int fd, const char *path, int dir)
{
	int f;

	if (dir)
		ASSERT_INT_EQ(mkdirat(fd, path, 0755), 0);
	else {
		f = openat(fd, path, O_WRONLY | O_CREAT | O_EXCL, 0644);
		ASSERT_TRUE(f != -1);
		if (f != -1)
			close(f);
	}
}

static int
exists(int fd, const char *path)
{
	struct stat st;

	return fstatat(fd, path, &st, AT_SYMLINK_NOFOLLOW) == 0;
}

static void
test_names(void)
{
	ASSERT_TRUE(snap_name_ok("20261207T210546Z"));
	ASSERT_TRUE(snap_name_ok("20261207T210546Z-1"));
	ASSERT_TRUE(snap_name_ok("20261207T210546Z-9"));
	ASSERT_FALSE(snap_name_ok("20261207T210546Z-0"));
	ASSERT_FALSE(snap_name_ok("20261207T210546Z-10"));
	ASSERT_FALSE(snap_name_ok("20261207T210546"));
	ASSERT_FALSE(snap_name_ok("20261207X210546Z"));
	ASSERT_FALSE(snap_name_ok("2026120aT210546Z"));
	ASSERT_FALSE(snap_name_ok("latest"));
	ASSERT_FALSE(snap_name_ok(".rsguard-staging.1"));
	ASSERT_FALSE(snap_name_ok(""));
	ASSERT_FALSE(snap_name_ok("20261207T210546Zx"));
}

static void
test_keep_parse(void)
{
	struct keep k;
	const char *es = NULL;

	ASSERT_INT_EQ(keep_parse("daily:7,weekly:4,monthly:12", &k, &es), 0);
	ASSERT_INT_EQ(k.n[KEEP_DAILY], 7);
	ASSERT_INT_EQ(k.n[KEEP_WEEKLY], 4);
	ASSERT_INT_EQ(k.n[KEEP_MONTHLY], 12);
	ASSERT_INT_EQ(k.n[KEEP_LAST], 0);
	ASSERT_INT_EQ(keep_parse("last:1,hourly:24,yearly:100000", &k, &es),
	    0);
	ASSERT_INT_EQ(keep_parse("last:0", &k, &es), 0);
	ASSERT_INT_EQ(keep_parse("", &k, &es), -1);
	ASSERT_INT_EQ(keep_parse("daily", &k, &es), -1);
	ASSERT_INT_EQ(keep_parse("daily:", &k, &es), -1);
	ASSERT_INT_EQ(keep_parse("daily:-1", &k, &es), -1);
	ASSERT_INT_EQ(keep_parse("daily:+1", &k, &es), -1);
	ASSERT_INT_EQ(keep_parse("daily:100001", &k, &es), -1);
	ASSERT_INT_EQ(keep_parse("daily:99999999999999999999", &k, &es), -1);
	ASSERT_INT_EQ(keep_parse("daily:7,", &k, &es), -1);
	ASSERT_INT_EQ(keep_parse(",daily:7", &k, &es), -1);
	ASSERT_INT_EQ(keep_parse("daily:7 ", &k, &es), -1);
	ASSERT_INT_EQ(keep_parse("daily:7,daily:8", &k, &es), -1);
	ASSERT_INT_EQ(keep_parse("Daily:7", &k, &es), -1);
	ASSERT_INT_EQ(keep_parse("dailyx:7", &k, &es), -1);
}

/* Which of names survive spec, as a string of 0 and 1. */
static const char *
sel(const char *const *names, size_t n, const char *spec)
{
	static char out[64];
	struct keep k;
	const char *es;
	int v[64];
	size_t i;

	memset(&k, 0, sizeof(k));
	if (spec != NULL && keep_parse(spec, &k, &es) == -1)
		return "bad spec";
	snap_select(names, n, &k, v);
	for (i = 0; i < n; i++)
		out[i] = v[i] ? '1' : '0';
	out[n] = '\0';
	return out;
}

static void
test_select(void)
{
	const char *days[] = {
		"20261128T010000Z",	/* Sat, ISO week 48 */
		"20261129T010000Z",	/* Sun, week 48 */
		"20261130T010000Z",	/* Mon, week 49 */
		"20261130T230000Z",	/* Mon again */
		"20261201T010000Z",	/* Tue, week 49, December */
		"20261207T010000Z",	/* Mon, week 50 */
		"20261207T010000Z-1",	/* the same second, later */
	};
	size_t n = sizeof(days) / sizeof(days[0]);

	ASSERT_STR_EQ(sel(days, n, NULL), "1111111");	/* no --keep */
	ASSERT_STR_EQ(sel(days, n, "last:0"), "0000001");	/* MUST 3 */
	ASSERT_STR_EQ(sel(days, n, "last:2"), "0000011");
	ASSERT_STR_EQ(sel(days, n, "daily:3"), "0001101");
	ASSERT_STR_EQ(sel(days, n, "daily:100"), "1101101");
	ASSERT_STR_EQ(sel(days, n, "weekly:2"), "0000101");
	ASSERT_STR_EQ(sel(days, n, "weekly:3"), "0100101");
	ASSERT_STR_EQ(sel(days, n, "monthly:2"), "0001001");
	ASSERT_STR_EQ(sel(days, n, "yearly:5"), "0000001");
	ASSERT_STR_EQ(sel(days, n, "hourly:3"), "0001101");
	ASSERT_STR_EQ(sel(days, n, "last:1,monthly:2"), "0001001");
	ASSERT_STR_EQ(sel(days, 1, "last:0"), "1");
	ASSERT_STR_EQ(sel(days, 0, "last:0"), "");
}

static void
test_remove(int fd)
{
	int out;

	/* MUST 2: a link out of the tree is removed, never followed. */
	mk(fd, "outside", 1);
	mk(fd, "outside/keepme", 0);
	mk(fd, "t", 1);
	mk(fd, "t/a", 1);
	mk(fd, "t/a/b", 1);
	mk(fd, "t/a/b/f", 0);
	mk(fd, "t/g", 0);
	ASSERT_INT_EQ(symlinkat("../outside", fd, "t/a/link"), 0);
	ASSERT_INT_EQ(symlinkat("/", fd, "t/root"), 0);
	ASSERT_INT_EQ(snap_remove(fd, "t"), 0);
	ASSERT_FALSE(exists(fd, "t"));
	ASSERT_TRUE(exists(fd, "outside/keepme"));
	/* the tree itself a link: the link goes, its target stays */
	ASSERT_INT_EQ(symlinkat("outside", fd, "l"), 0);
	ASSERT_INT_EQ(snap_remove(fd, "l"), 0);
	ASSERT_TRUE(exists(fd, "outside/keepme"));
	ASSERT_INT_EQ(snap_remove(fd, "gone"), 0);
	/* an unreadable dir (as non-root) cannot be removed: -1, not 0 */
	if (geteuid() != 0) {
		mk(fd, "locked", 1);
		mk(fd, "locked/x", 0);
		ASSERT_INT_EQ(fchmodat(fd, "locked", 0, 0), 0);
		ASSERT_INT_EQ(snap_remove(fd, "locked"), -1);
		ASSERT_INT_EQ(fchmodat(fd, "locked", 0755, 0), 0);
		ASSERT_INT_EQ(snap_remove(fd, "locked"), 0);
	}
	out = openat(fd, "outside", O_RDONLY | O_DIRECTORY);
	ASSERT_TRUE(out != -1);
	close(out);
}

static void
test_stage_commit(int parent)
{
	struct snap_stage st;
	const char *what = NULL;
	char name[SNAP_NAME_MAX + 1], stale[64], lk[64], rel[256], **v;
	time_t t = 1796677546;	/* 2026-12-07T21:05:46Z */
	size_t n;
	ssize_t l;
	int fd, i;

	mk(parent, "store", 1);
	fd = openat(parent, "store", O_RDONLY | O_DIRECTORY);
	ASSERT_TRUE(fd != -1);
	/* what a killed push left goes; nothing else does */
	mk(fd, SNAP_STAGING "99999", 1);
	mk(fd, SNAP_STAGING "99999/f", 0);
	mk(fd, "operator-notes", 0);
	ASSERT_INT_EQ(snap_stage(fd, 1, &st, &what), 0);	/* dry: no */
	ASSERT_TRUE(exists(fd, SNAP_STAGING "99999"));
	ASSERT_INT_EQ(st.basisfd, -1);
	ASSERT_STR_EQ(st.newest, "");
	ASSERT_INT_EQ(snap_stage(fd, 0, &st, &what), 0);
	ASSERT_INT_EQ(st.cleaned, 1);
	ASSERT_FALSE(exists(fd, SNAP_STAGING "99999"));
	ASSERT_TRUE(exists(fd, "operator-notes"));
	ASSERT_TRUE(exists(fd, st.staging));
	mk(fd, "x", 0);
	ASSERT_INT_EQ(renameat(fd, "x", fd, "x2"), 0);
	snprintf(stale, sizeof(stale), "%s/f", st.staging);
	mk(fd, stale, 0);
	ASSERT_INT_EQ(snap_commit(fd, st.staging, t, name, &what), 0);
	ASSERT_STR_EQ(name, "20261207T210546Z");
	ASSERT_TRUE(exists(fd, "20261207T210546Z/f"));
	l = readlinkat(fd, SNAP_LATEST, lk, sizeof(lk) - 1);
	ASSERT_INT_EQ(l, SNAP_NAME_LEN);
	lk[l > 0 ? l : 0] = '\0';
	ASSERT_STR_EQ(lk, "20261207T210546Z");
	/* MUST 1: the same second never replaces: -1 .. -9, then fails */
	for (i = 1; i <= 9; i++) {
		mk(fd, st.staging, 1);
		ASSERT_INT_EQ(snap_commit(fd, st.staging, t, name, &what), 0);
		snprintf(lk, sizeof(lk), "20261207T210546Z-%d", i);
		ASSERT_STR_EQ(name, lk);
	}
	mk(fd, st.staging, 1);
	ASSERT_INT_EQ(snap_commit(fd, st.staging, t, name, &what), -1);
	ASSERT_INT_EQ(errno, EEXIST);
	ASSERT_STR_EQ(name, "");	/* no snapshot was made */
	ASSERT_TRUE(exists(fd, "20261207T210546Z/f"));
	/* latest a real dir: the snapshot is made, latest cannot move */
	ASSERT_INT_EQ(renameat(fd, SNAP_LATEST, fd, "latest.link"), 0);
	mk(fd, SNAP_LATEST, 1);
	mk(fd, SNAP_LATEST "/x", 0);
	ASSERT_INT_EQ(snap_commit(fd, st.staging, t + 1, name, &what), -1);
	ASSERT_STR_EQ(name, "20261207T210547Z");
	ASSERT_TRUE(exists(fd, "20261207T210547Z"));
	ASSERT_FALSE(exists(fd, st.staging));
	ASSERT_TRUE(exists(fd, SNAP_LATEST "/x"));
	ASSERT_INT_EQ(strncmp(what, "point", 5), 0);
	ASSERT_INT_EQ(snap_remove(fd, SNAP_LATEST), 0);
	ASSERT_INT_EQ(renameat(fd, "latest.link", fd, SNAP_LATEST), 0);
	ASSERT_INT_EQ(snap_remove(fd, "20261207T210547Z"), 0);
	mk(fd, st.staging, 1);
	ASSERT_INT_EQ(snap_remove(fd, st.staging), 0);
	/* the newest is the link base; a link named like one is skipped */
	ASSERT_INT_EQ(symlinkat("/", fd, "29991231T235959Z"), 0);
	mk(fd, "20261207T210546Z-9/sub", 1);
	ASSERT_INT_EQ(symlinkat("/etc", fd, "20261207T210546Z-9/evil"), 0);
	ASSERT_INT_EQ(snap_stage(fd, 0, &st, &what), 0);
	ASSERT_STR_EQ(st.newest, "20261207T210546Z-9");
	ASSERT_TRUE(st.basisfd != -1);
	ASSERT_INT_EQ(snap_link_base(st.basisfd, ".", rel, sizeof(rel)), 0);
	ASSERT_INT_EQ(snap_link_base(st.basisfd, "sub/", rel, sizeof(rel)), 3);
	ASSERT_STR_EQ(rel, "sub");
	ASSERT_INT_EQ(snap_link_base(st.basisfd, "/sub//", rel, sizeof(rel)),
	    3);
	ASSERT_INT_EQ(snap_link_base(st.basisfd, "sub/file", rel,
	    sizeof(rel)), 3);
	ASSERT_INT_EQ(snap_link_base(st.basisfd, "evil/", rel, sizeof(rel)),
	    0);				/* a link: its parent, the snapshot */
	ASSERT_INT_EQ(snap_link_base(st.basisfd, "evil/x/", rel, sizeof(rel)),
	    -1);
	ASSERT_INT_EQ(snap_link_base(st.basisfd, "no/such/", rel,
	    sizeof(rel)), -1);
	ASSERT_INT_EQ(snap_link_base(st.basisfd, "sub/../..", rel,
	    sizeof(rel)), -1);
	close(st.basisfd);
	/* the list: snapshots only, oldest first */
	ASSERT_INT_EQ(snap_list(fd, &v, &n), 0);
	ASSERT_INT_EQ(n, 10);	/* the 10 dirs; not the link */
	if (n == 10) {
		ASSERT_STR_EQ(v[0], "20261207T210546Z");
		ASSERT_STR_EQ(v[9], "20261207T210546Z-9");
	}
	snap_list_free(v, n);
	ASSERT_INT_EQ(unlinkat(fd, "29991231T235959Z", 0), 0);
	close(fd);
}

static int reported;

static void
report(const char *name, int err)
{
	ASSERT_TRUE(snap_name_ok(name));
	ASSERT_INT_EQ(err, 0);
	reported++;
}

static void
test_prune(int parent)
{
	static const char *const names[] = {
		"20261101T000000Z", "20261102T000000Z", "20261201T000000Z",
		"20261202T000000Z", "20261202T120000Z",
	};
	struct keep k;
	const char *es;
	char p[64];
	size_t i;
	int fd;

	mk(parent, "prune", 1);
	fd = openat(parent, "prune", O_RDONLY | O_DIRECTORY);
	for (i = 0; i < 5; i++) {
		mk(fd, names[i], 1);
		snprintf(p, sizeof(p), "%s/f", names[i]);
		mk(fd, p, 0);
	}
	memset(&k, 0, sizeof(k));
	ASSERT_INT_EQ(snap_prune(fd, &k, NULL), 0);	/* no --keep */
	ASSERT_INT_EQ(keep_parse("monthly:2", &k, &es), 0);
	ASSERT_INT_EQ(snap_prune(fd, &k, report), 3);
	ASSERT_INT_EQ(reported, 3);
	ASSERT_TRUE(exists(fd, "20261102T000000Z"));
	ASSERT_TRUE(exists(fd, "20261202T120000Z"));
	ASSERT_FALSE(exists(fd, "20261101T000000Z"));
	ASSERT_FALSE(exists(fd, "20261201T000000Z"));
	ASSERT_FALSE(exists(fd, "20261202T000000Z"));
	close(fd);
}

int
main(void)
{
	int fd;

	if (mkdtemp(tmp) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	fd = open(tmp, O_RDONLY | O_DIRECTORY);
	test_names();
	test_keep_parse();
	test_select();
	test_remove(fd);
	test_stage_commit(fd);
	test_prune(fd);
	close(fd);
	(void)snap_remove(AT_FDCWD, tmp);
	return test_summary();
}
