/*
 * test_sandbox.c - the Landlock ruleset serve builds: modes, ABI caps,
 * rights per role, the files granted per request, and (in a forked
 * child) that the domain and the seccomp filter really bite.
 * MUST 3 (no_new_privs) and MUST 4 (the log) are checked from inside and
 * outside a real run in tests/sandbox/run.sh.
 */
#define TEST_MODULE "sandbox"
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/capability.h>

#include "sandbox.h"
#include "sysfilter.h"
#include "test.h"

/* Does this machine have the seccomp filter (as sandbox_prepare asks)? */
static int
sysfilter_available(void)
{
	return sysfilter_build() == 0 && prctl(PR_GET_SECCOMP, 0, 0, 0, 0) == 0;
}

#define R_EXEC		(1ULL << 0)
#define R_WRITE		(1ULL << 1)
#define R_READ		(1ULL << 2)
#define R_READDIR	(1ULL << 3)
#define R_RMFILE	(1ULL << 5)
#define R_MKCHAR	(1ULL << 6)
#define R_MKSOCK	(1ULL << 9)
#define R_MKFIFO	(1ULL << 10)
#define R_MKBLOCK	(1ULL << 11)
#define R_REFER		(1ULL << 13)
#define R_TRUNC		(1ULL << 14)
#define R_IOCTL		(1ULL << 15)

static char dir[PATH_MAX];
static int rootfd = -1;

static int
prep(struct sandbox *sb, enum sandbox_mode m, int cap, const char *rsync,
    int what, const char **es)
{
	sandbox_init(sb);
	sb->mode = m;
	sb->abi_cap = cap;
	*es = NULL;
	return sandbox_prepare(sb, rootfd, dir, rsync, what, es);
}

/* The rule for path, or NULL. */
static const struct sandbox_rule *
rule(const struct sandbox *sb, const char *path)
{
	int i;

	for (i = 0; i < sb->nrules; i++)
		if (strcmp(sb->rules[i].path, path) == 0)
			return &sb->rules[i];
	return NULL;
}

static uint64_t
rights(const struct sandbox *sb, const char *path)
{
	const struct sandbox_rule *r = rule(sb, path);

	return r ? r->access : 0;
}

static void
write_file(const char *path, const char *text, mode_t mode)
{
	FILE *f = fopen(path, "w");

	if (f == NULL)
		abort();
	fputs(text, f);
	fclose(f);
	chmod(path, mode);
}

/*
 * The effective capabilities a program started now would have: what
 * the kernel computes at exec, from the securebits, ambient and
 * bounding sets (the child cannot exec a probe under the domain).
 */
static uint64_t
caps_after_exec(void)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2];
	uint64_t amb = 0, bnd = 0;
	int c;

	if (syscall(SYS_capget, &h, d) == -1)
		return ~0ULL;
	for (c = 0; c < 64; c++) {
		if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, c, 0, 0) == 1)
			amb |= 1ULL << c;
		if (prctl(PR_CAPBSET_READ, c, 0, 0, 0) == 1)
			bnd |= 1ULL << c;
	}
	/* uid 0 gets the bounding set unless SECBIT_NOROOT */
	if (!(prctl(PR_GET_SECUREBITS, 0, 0, 0, 0) & 1))
		return bnd;
	return amb;
}

/* In a child: enter sb, then report what works (bit per probe). */
static int
probe_child(const struct sandbox *sb)
{
	char in[PATH_MAX + 8];
	pid_t pid;
	int st, r = 0, fd;

	if ((pid = fork()) == -1)
		return -1;
	if (pid == 0) {
		if (sandbox_enter(sb) == -1)
			_exit(100);
		snprintf(in, sizeof(in), "%s/inside", dir);
		if ((fd = open(in, O_RDONLY)) != -1) {
			r |= 1;
			close(fd);
		}
		if ((fd = open("/etc/hostname", O_RDONLY)) != -1) {
			r |= 2;
			close(fd);
		}
		if ((fd = socket(AF_INET, SOCK_STREAM, 0)) != -1) {
			r |= 4;
			close(fd);
		}
		if ((fd = open("/etc/ld.so.cache", O_RDONLY)) != -1) {
			r |= 8;
			close(fd);
		}
		/* MUST 6, as root: a capability beyond the five kept, after exec */
		if (geteuid() == 0 && caps_after_exec() & ~0x1fULL)
			r |= 16;
		_exit(r);
	}
	if (waitpid(pid, &st, 0) == -1 || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}

int
main(void)
{
	struct sandbox sb;
	enum sandbox_mode m;
	const char *es;
	char path[PATH_MAX + 32], summ[32];
	int kabi, abi, i, have_exec;
	long r;

	snprintf(dir, sizeof(dir), "/tmp/rsguard-sbtest.XXXXXX");
	if (mkdtemp(dir) == NULL)
		abort();
	snprintf(path, sizeof(path), "%s/inside", dir);
	write_file(path, "x\n", 0644);
	rootfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	ASSERT_TRUE(rootfd >= 0);
	r = syscall(SYS_landlock_create_ruleset, NULL, 0, 1U);
	kabi = r < 0 ? 0 : (int)r;

	/* modes */
	ASSERT_INT_EQ(sandbox_mode_parse("auto", &m), 0);
	ASSERT_INT_EQ(m, SANDBOX_AUTO);
	ASSERT_INT_EQ(sandbox_mode_parse("require", &m), 0);
	ASSERT_INT_EQ(m, SANDBOX_REQUIRE);
	ASSERT_INT_EQ(sandbox_mode_parse("off", &m), 0);
	ASSERT_INT_EQ(m, SANDBOX_OFF);
	ASSERT_INT_EQ(sandbox_mode_parse("Auto", &m), -1);
	ASSERT_INT_EQ(sandbox_mode_parse("", &m), -1);
	ASSERT_INT_EQ(sandbox_mode_parse("on", &m), -1);
	ASSERT_INT_EQ(sandbox_mode_parse("require ", &m), -1);

	/* off: no domain, no filter, and it says so */
	ASSERT_INT_EQ(prep(&sb, SANDBOX_OFF, -1, "/usr/bin/rsync", 0, &es), 0);
	ASSERT_INT_EQ(sb.abi, 0);
	ASSERT_INT_EQ(sb.ruleset, -1);
	ASSERT_FALSE(sb.nocore);
	ASSERT_FALSE(sb.seccomp);
	ASSERT_STR_EQ(sandbox_summary(&sb, summ, sizeof(summ)), "off");
	sandbox_free(&sb);

	/* --landlock-abi=0: auto runs without a domain, require refuses */
	ASSERT_INT_EQ(prep(&sb, SANDBOX_AUTO, 0, "/usr/bin/rsync", 0, &es), 0);
	ASSERT_INT_EQ(sb.abi, 0);
	ASSERT_INT_EQ(sb.ruleset, -1);
	ASSERT_TRUE(sb.nocore);
	ASSERT_STR_EQ(sandbox_summary(&sb, summ, sizeof(summ)), "none");
	sandbox_free(&sb);
	ASSERT_INT_EQ(prep(&sb, SANDBOX_REQUIRE, 0, "/usr/bin/rsync", 0, &es),
	    -1);
	ASSERT_TRUE(es != NULL && strstr(es, "sandbox required") != NULL);
	ASSERT_INT_EQ(sb.ruleset, -1);
	sandbox_free(&sb);

	if (kabi == 0) {
		fprintf(stderr, "sandbox: the kernel has no Landlock; "
		    "ruleset checks skipped\n");
		ASSERT_INT_EQ(prep(&sb, SANDBOX_REQUIRE, -1,
		    "/usr/bin/rsync", 0, &es), -1);
		sandbox_free(&sb);
		goto out;
	}

	/* MUST 1: require refuses below the full ABI, whatever the kernel has */
	ASSERT_INT_EQ(prep(&sb, SANDBOX_REQUIRE, SANDBOX_FULL_ABI - 1,
	    "/usr/bin/rsync", 0, &es), -1);
	ASSERT_TRUE(es != NULL && strstr(es, "ABI 5") != NULL);
	ASSERT_INT_EQ(sb.ruleset, -1);
	sandbox_free(&sb);

	/* MUST 2: every ABI the kernel has: rights handled, never FIFO/sock/dev */
	/* ABI 1 has no "refer": a receiver gets no domain, a sender does */
	ASSERT_INT_EQ(prep(&sb, SANDBOX_AUTO, 1, "/usr/bin/rsync",
	    SANDBOX_RECEIVER, &es), 0);
	ASSERT_INT_EQ(sb.abi, 0);
	ASSERT_INT_EQ(sb.ruleset, -1);
	ASSERT_TRUE(strstr(sb.none, "ABI 1") != NULL);
	ASSERT_TRUE(sb.seccomp == (sysfilter_available()));
	sandbox_free(&sb);
	ASSERT_INT_EQ(prep(&sb, SANDBOX_AUTO, 1, "/usr/bin/rsync", 0, &es), 0);
	ASSERT_INT_EQ(sb.abi, 1);
	ASSERT_INT_EQ(rights(&sb, dir), R_READ | R_READDIR);
	sandbox_free(&sb);
	for (abi = 2; abi <= kabi; abi++) {
		ASSERT_INT_EQ(prep(&sb, SANDBOX_AUTO, abi, "/usr/bin/rsync",
		    SANDBOX_RECEIVER, &es), 0);
		ASSERT_INT_EQ(sb.abi, abi);
		ASSERT_TRUE(sb.ruleset >= 0);
		ASSERT_TRUE((sb.fs & 0x1fff) == 0x1fff);
		ASSERT_TRUE(sb.fs & R_REFER);
		ASSERT_INT_EQ(!!(sb.fs & R_TRUNC), abi >= 3);
		ASSERT_INT_EQ(!!(sb.fs & R_IOCTL), abi >= 5);
		ASSERT_INT_EQ(sb.net, abi >= 4 ? 3 : 0);
		ASSERT_INT_EQ(sb.scoped, abi >= 6 ? 3 : 0);
		ASSERT_INT_EQ(sb.flags != 0, abi >= 7);
		ASSERT_FALSE(rights(&sb, dir) &
		    (R_MKFIFO | R_MKSOCK | R_MKCHAR | R_MKBLOCK | R_IOCTL |
		    R_EXEC));
		ASSERT_TRUE((rights(&sb, dir) & (R_WRITE | R_READ | R_RMFILE))
		    == (R_WRITE | R_READ | R_RMFILE));
		ASSERT_TRUE(rights(&sb, dir) & R_REFER);
		/* execute: rsync and its loader only */
		have_exec = 0;
		for (i = 0; i < sb.nrules; i++) {
			if (!(sb.rules[i].access & R_EXEC))
				continue;
			have_exec++;
			ASSERT_TRUE(strcmp(sb.rules[i].path,
			    "/usr/bin/rsync") == 0 ||
			    strcmp(sb.rules[i].why, "ELF loader") == 0);
		}
		ASSERT_TRUE(have_exec >= 1 && have_exec <= 2);
		snprintf(summ, sizeof(summ), "%d", abi);
		ASSERT_TRUE(strstr(sandbox_summary(&sb, path, sizeof(path)),
		    summ) != NULL);
		ASSERT_INT_EQ(strstr(path, "partial") != NULL,
		    abi < SANDBOX_FULL_ABI);
		sandbox_free(&sb);
	}

	/* a sender reads DIR and nothing more */
	ASSERT_INT_EQ(prep(&sb, SANDBOX_AUTO, -1, "/usr/bin/rsync", 0, &es),
	    0);
	ASSERT_INT_EQ(rights(&sb, dir), R_READ | R_READDIR);
	ASSERT_INT_EQ(rights(&sb, "/usr/bin/rsync"), R_EXEC | R_READ);
	/* no owner mapping asked for: no user or group database */
	ASSERT_TRUE(rule(&sb, "/etc/passwd") == NULL);
	ASSERT_TRUE(rule(&sb, "/etc/group") == NULL);
	ASSERT_TRUE(rule(&sb, "/etc/nsswitch.conf") == NULL);
	ASSERT_TRUE(rule(&sb, "/usr/lib/locale") == NULL);
	ASSERT_TRUE(rule(&sb, "/etc/ld.so.cache") != NULL);
	ASSERT_INT_EQ(rights(&sb, "/dev/null"), R_READ | R_WRITE);
	/* the domain bites: DIR and the loader cache readable, not /etc */
	if (access("/etc/hostname", R_OK) == 0)
		ASSERT_INT_EQ(probe_child(&sb), 1 | 8);
	sandbox_free(&sb);

	ASSERT_INT_EQ(prep(&sb, SANDBOX_AUTO, -1, "/usr/bin/rsync",
	    SANDBOX_REMOVE_SRC, &es), 0);
	ASSERT_INT_EQ(rights(&sb, dir), R_READ | R_READDIR | R_RMFILE);
	sandbox_free(&sb);
	/* a sender asked for --log-file writes (and may create) the log */
	ASSERT_INT_EQ(prep(&sb, SANDBOX_AUTO, -1, "/usr/bin/rsync",
	    SANDBOX_LOG_FILE, &es), 0);
	ASSERT_INT_EQ(rights(&sb, dir), R_READ | R_READDIR | R_WRITE |
	    (1ULL << 8));
	sandbox_free(&sb);

	ASSERT_INT_EQ(prep(&sb, SANDBOX_AUTO, -1, "/usr/bin/rsync",
	    SANDBOX_USERS, &es), 0);
	ASSERT_INT_EQ(rights(&sb, "/etc/passwd"), R_READ);
	ASSERT_INT_EQ(rights(&sb, "/etc/nsswitch.conf"), R_READ);
	ASSERT_TRUE(rule(&sb, "/etc/group") == NULL);
	sandbox_free(&sb);
	ASSERT_INT_EQ(prep(&sb, SANDBOX_AUTO, -1, "/usr/bin/rsync",
	    SANDBOX_GROUPS, &es), 0);
	ASSERT_INT_EQ(rights(&sb, "/etc/group"), R_READ);
	ASSERT_TRUE(rule(&sb, "/etc/passwd") == NULL);
	ASSERT_TRUE(rule(&sb, "/usr/lib/locale") == NULL);	/* never read */
	sandbox_free(&sb);

	/* off: the same probes all succeed (the test can fail) */
	ASSERT_INT_EQ(prep(&sb, SANDBOX_OFF, -1, "/usr/bin/rsync", 0, &es), 0);
	if (access("/etc/hostname", R_OK) == 0)
		ASSERT_INT_EQ(probe_child(&sb), 1 | 2 | 4 | 8 |
		    (geteuid() == 0 ? 16 : 0));
	sandbox_free(&sb);
	/* MUST 5: auto without Landlock still denies sockets (seccomp) */
	ASSERT_INT_EQ(prep(&sb, SANDBOX_AUTO, 0, "/usr/bin/rsync", 0, &es), 0);
	if (sb.seccomp && access("/etc/hostname", R_OK) == 0)
		ASSERT_INT_EQ(probe_child(&sb), 1 | 2 | 8);
	sandbox_free(&sb);

	/*
	 * A #! script (a wrapper, a stand-in) is not the rsync the ruleset
	 * is built for: auto runs it without a domain and says why;
	 * require refuses.  Garbage is refused by both.
	 */
	snprintf(path, sizeof(path), "%s/script", dir);
	write_file(path, "#!/bin/sh -e\nexit 0\n", 0755);
	ASSERT_INT_EQ(prep(&sb, SANDBOX_AUTO, -1, path, 0, &es), 0);
	ASSERT_INT_EQ(sb.abi, 0);
	ASSERT_INT_EQ(sb.ruleset, -1);
	ASSERT_FALSE(sb.seccomp);
	ASSERT_TRUE(sb.nocore);
	ASSERT_TRUE(strstr(sb.none, "script") != NULL);
	ASSERT_STR_EQ(sandbox_summary(&sb, summ, sizeof(summ)), "none");
	sandbox_free(&sb);
	ASSERT_INT_EQ(prep(&sb, SANDBOX_REQUIRE, -1, path, 0, &es), -1);
	ASSERT_TRUE(es != NULL && strstr(es, "script") != NULL);
	sandbox_free(&sb);
	snprintf(path, sizeof(path), "%s/garbage", dir);
	write_file(path, "not a program at all\n", 0755);
	ASSERT_INT_EQ(prep(&sb, SANDBOX_AUTO, -1, path, 0, &es), -1);
	sandbox_free(&sb);
	write_file(path, "\177ELF", 0755);		/* truncated ELF */
	ASSERT_INT_EQ(prep(&sb, SANDBOX_AUTO, -1, path, 0, &es), -1);
	sandbox_free(&sb);
	/* off never reads the program */
	ASSERT_INT_EQ(prep(&sb, SANDBOX_OFF, -1, path, 0, &es), 0);
	sandbox_free(&sb);
	ASSERT_INT_EQ(prep(&sb, SANDBOX_AUTO, -1, "/nonexistent/rsync", 0,
	    &es), -1);
	sandbox_free(&sb);

	/* --sandbox-read: granted read; a missing one is an error */
	sandbox_init(&sb);
	sb.extra[sb.nextra++] = "/usr/share/doc";
	ASSERT_INT_EQ(sandbox_prepare(&sb, rootfd, dir, "/usr/bin/rsync", 0,
	    &es), 0);
	ASSERT_INT_EQ(rights(&sb, "/usr/share/doc"), R_READ | R_READDIR);
	sandbox_free(&sb);
	sandbox_init(&sb);
	sb.extra[sb.nextra++] = "/nonexistent/lib";
	ASSERT_INT_EQ(sandbox_prepare(&sb, rootfd, dir, "/usr/bin/rsync", 0,
	    &es), -1);
	ASSERT_TRUE(es != NULL && strstr(es, "/nonexistent/lib") != NULL);
	sandbox_free(&sb);

 out:
	close(rootfd);
	snprintf(path, sizeof(path), "rm -rf '%s'", dir);
	if (system(path) != 0)
		fprintf(stderr, "cannot remove %s\n", dir);
	return test_summary();
}
