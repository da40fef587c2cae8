/*
 * sandbox.c - a Landlock domain around the rsync that serve starts, so
 * that a hijacked rsync cannot reach beyond what the key allows.
 *
 * The parent builds the ruleset (it may open files and allocate); the
 * vfork child only enters it, with system calls, just before execve.
 *
 * MUST invariants (tests/sandbox, tests/unit/test_sandbox.c):
 *  1. MUST fail closed: any error building a ruleset the mode asked for
 *     refuses the run; "require" refuses below the full ruleset.
 *  2. MUST handle every access right the negotiated ABI knows, and grant
 *     only what the rules below list: DIR by what rsync does there, the
 *     system files rsync needs read-only, execute for rsync and its
 *     loader only.  MUST NOT grant creating FIFOs, sockets or devices.
 *  3. MUST set no_new_privs in the child whatever the mode.
 *  4. MUST NOT let "auto" or "off" be silent: the log says which.
 *  5. MUST install the seccomp filter (sysfilter.c) whenever it
 *     sandboxes: Landlock up to ABI 7 leaves UDP, netlink, named unix
 *     sockets and io_uring open.
 *  6. MUST leave a root rsync no capability but KEEP_CAPS.
 */
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>

#include <linux/capability.h>

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sandbox.h"
#include "sysfilter.h"
#include "util.h"

/* The kernel's ABI, for headers that predate it (linux/landlock.h). */
#ifndef SYS_landlock_create_ruleset
#define SYS_landlock_create_ruleset	444
#define SYS_landlock_add_rule		445
#define SYS_landlock_restrict_self	446
#endif

struct ll_ruleset_attr {
	uint64_t	handled_access_fs;
	uint64_t	handled_access_net;	/* ABI 4 */
	uint64_t	scoped;			/* ABI 6 */
};

struct ll_path_beneath {
	uint64_t	allowed_access;
	int32_t		parent_fd;
} __attribute__((packed));

#define LL_CREATE_RULESET_VERSION	(1U << 0)
#define LL_RULE_PATH_BENEATH		1

#define FS_EXECUTE	(1ULL << 0)
#define FS_WRITE_FILE	(1ULL << 1)
#define FS_READ_FILE	(1ULL << 2)
#define FS_READ_DIR	(1ULL << 3)
#define FS_REMOVE_DIR	(1ULL << 4)
#define FS_REMOVE_FILE	(1ULL << 5)
#define FS_MAKE_CHAR	(1ULL << 6)
#define FS_MAKE_DIR	(1ULL << 7)
#define FS_MAKE_REG	(1ULL << 8)
#define FS_MAKE_SOCK	(1ULL << 9)
#define FS_MAKE_FIFO	(1ULL << 10)
#define FS_MAKE_BLOCK	(1ULL << 11)
#define FS_MAKE_SYM	(1ULL << 12)
#define FS_REFER	(1ULL << 13)	/* ABI 2 */
#define FS_TRUNCATE	(1ULL << 14)	/* ABI 3 */
#define FS_IOCTL_DEV	(1ULL << 15)	/* ABI 5 */

#define NET_BIND_TCP	(1ULL << 0)	/* ABI 4 */
#define NET_CONNECT_TCP	(1ULL << 1)

#define SCOPE_ABSTRACT_UNIX	(1ULL << 0)	/* ABI 6 */
#define SCOPE_SIGNAL		(1ULL << 1)

#define RESTRICT_LOG_NEW_EXEC_ON	(1U << 1)	/* ABI 7 */

/* Rights that apply to a file (the rest only make sense on a dir). */
#define FS_FILE_RIGHTS	(FS_EXECUTE | FS_WRITE_FILE | FS_READ_FILE | \
	FS_TRUNCATE | FS_IOCTL_DEV)

#define FS_READ		(FS_READ_FILE | FS_READ_DIR)
/* What a receiving rsync does in DIR: never FIFOs, sockets, devices. */
#define FS_RECEIVE	(FS_READ | FS_WRITE_FILE | FS_REMOVE_DIR | \
	FS_REMOVE_FILE | FS_MAKE_DIR | FS_MAKE_REG | FS_MAKE_SYM | \
	FS_REFER | FS_TRUNCATE)

/* Rights per ABI: ABI n handles everything up to index n. */
static const uint64_t fs_by_abi[] = {
	0,
	(FS_MAKE_SYM << 1) - 1,			/* 1 */
	(FS_REFER << 1) - 1,			/* 2 */
	(FS_TRUNCATE << 1) - 1,			/* 3 */
	(FS_TRUNCATE << 1) - 1,			/* 4: net */
	(FS_IOCTL_DEV << 1) - 1,		/* 5 */
};
#define NABI	(int)(sizeof(fs_by_abi) / sizeof(fs_by_abi[0]))

static const struct {
	uint64_t	 bit;
	const char	*name;
} fs_names[] = {
	{ FS_EXECUTE,	 "execute" },
	{ FS_WRITE_FILE, "write_file" },
	{ FS_READ_FILE,	 "read_file" },
	{ FS_READ_DIR,	 "read_dir" },
	{ FS_REMOVE_DIR, "remove_dir" },
	{ FS_REMOVE_FILE, "remove_file" },
	{ FS_MAKE_CHAR,	 "make_char" },
	{ FS_MAKE_DIR,	 "make_dir" },
	{ FS_MAKE_REG,	 "make_reg" },
	{ FS_MAKE_SOCK,	 "make_sock" },
	{ FS_MAKE_FIFO,	 "make_fifo" },
	{ FS_MAKE_BLOCK, "make_block" },
	{ FS_MAKE_SYM,	 "make_sym" },
	{ FS_REFER,	 "refer" },
	{ FS_TRUNCATE,	 "truncate" },
	{ FS_IOCTL_DEV,	 "ioctl_dev" },
};

/*
 * The system files rsync reads, found with strace -f on rsync 3.5 as a
 * server (pull, push, -o -g, --iconv, --log-file).  --iconv needs only
 * the gconv modules in the library dir: with no LANG, no locale is read.  Each is opened following links,
 * so the rule lands on the real file (openssl.cnf -> /etc/ssl/...).
 * Missing ones are skipped: nothing to read there.
 */
static const struct sys_path {
	const char	*path;
	uint64_t	 access;
	int		 when;		/* SANDBOX_* needed, or 0: always */
	const char	*why;
} sys_paths[] = {
	{ "/etc/ld.so.cache",	FS_READ_FILE, 0, "loader cache" },
	{ "/etc/ld.so.preload",	FS_READ_FILE, 0, "loader preload list" },
	/* in the loader's default path (ld.so.conf.d): a local rsync's libs */
	{ "/usr/local/lib",	FS_READ_FILE, 0, "local shared libraries" },
	{ "/usr/lib/ssl/openssl.cnf", FS_READ_FILE, 0, "libcrypto config" },
	{ "/etc/localtime",	FS_READ_FILE, SANDBOX_LOG_FILE,
	    "time zone of log lines" },
	{ "/usr/share/zoneinfo", FS_READ_FILE, SANDBOX_LOG_FILE,
	    "time zones" },
	{ "/dev/null",		FS_READ_FILE | FS_WRITE_FILE, 0, "null" },
	{ "/dev/urandom",	FS_READ_FILE, 0, "temporary names" },
	{ "/etc/nsswitch.conf",	FS_READ_FILE, SANDBOX_USERS | SANDBOX_GROUPS,
	    "name service switch" },
	{ "/etc/passwd",	FS_READ_FILE, SANDBOX_USERS, "owner names" },
	{ "/etc/group",		FS_READ_FILE, SANDBOX_GROUPS, "group names" },
};

/*
 * The capabilities a root rsync keeps: owners, modes and reading what it
 * serves.  Without CAP_SYS_ADMIN, CAP_SYS_MODULE, CAP_SYS_BOOT,
 * CAP_SYS_TIME, CAP_MKNOD, CAP_SETFCAP... a hijacked root rsync cannot
 * act on the whole system.  The child sets SECBIT_NOROOT (locked), so
 * exec no longer hands uid 0 the whole bounding set, and passes these as
 * ambient capabilities: 7 credential changes instead of one per dropped
 * capability.  With no_new_privs, no file capability adds any back.
 */
#define KEEP_CAPS	((1U << CAP_CHOWN) | (1U << CAP_DAC_OVERRIDE) | \
	(1U << CAP_DAC_READ_SEARCH) | (1U << CAP_FOWNER) | (1U << CAP_FSETID))
#define NOROOT_BITS	((1 << 0) | (1 << 1))	/* SECBIT_NOROOT{,_LOCKED} */


void
sandbox_init(struct sandbox *sb)
{
	memset(sb, 0, sizeof(*sb));
	sb->mode = SANDBOX_AUTO;
	sb->abi_cap = -1;
	sb->ruleset = -1;
	sb->progfd = -1;
	sb->basisfd = -1;
}

int
sandbox_mode_parse(const char *s, enum sandbox_mode *m)
{
	if (strcmp(s, "auto") == 0)
		*m = SANDBOX_AUTO;
	else if (strcmp(s, "require") == 0)
		*m = SANDBOX_REQUIRE;
	else if (strcmp(s, "off") == 0)
		*m = SANDBOX_OFF;
	else
		return -1;
	return 0;
}

/* The Landlock ABI the kernel offers; 0 if none (or disabled). */
static int
kernel_abi(void)
{
	long r;

	r = syscall(SYS_landlock_create_ruleset, NULL, 0,
	    LL_CREATE_RULESET_VERSION);
	return r < 0 ? 0 : (int)r;
}

/*
 * Add a path_beneath rule for fd.  Rights that only make sense on a dir
 * are refused by the kernel for a file (EINVAL): then the file rights
 * alone.  (No fstat: one system call less per rule, on every
 * connection.)  Returns 0 or -1 (errno).
 */
static int
add_fd(struct sandbox *sb, int fd, const char *path, uint64_t access,
    const char *why)
{
	struct ll_path_beneath pb;

	if (sb->nrules == SANDBOX_MAX_RULES) {
		errno = E2BIG;
		return -1;
	}
	if ((access &= sb->fs) == 0)
		return 0;
	pb.allowed_access = access;
	pb.parent_fd = fd;
	if (syscall(SYS_landlock_add_rule, sb->ruleset, LL_RULE_PATH_BENEATH,
	    &pb, 0) == -1) {
		if (errno != EINVAL || (access & ~FS_FILE_RIGHTS) == 0 ||
		    (access & FS_FILE_RIGHTS) == 0)
			return -1;
		pb.allowed_access = access &= FS_FILE_RIGHTS;
		if (syscall(SYS_landlock_add_rule, sb->ruleset,
		    LL_RULE_PATH_BENEATH, &pb, 0) == -1)
			return -1;
	}
	sb->rules[sb->nrules].path = xstrdup(path);
	sb->rules[sb->nrules].access = access;
	sb->rules[sb->nrules].why = why;
	sb->nrules++;
	return 0;
}

/*
 * Add a rule for path (links followed).  A missing path is skipped
 * unless must; returns 0 or -1 (errno).
 */
static int
add_path(struct sandbox *sb, const char *path, uint64_t access,
    const char *why, int must)
{
	int fd, r, e;
	size_t i;

	for (i = 0; i < (size_t)sb->nrules; i++)	/* same name twice */
		if (strcmp(sb->rules[i].path, path) == 0)
			return 0;
	if ((fd = open(path, O_PATH | O_CLOEXEC)) == -1)
		return (!must && (errno == ENOENT || errno == ENOTDIR ||
		    errno == EACCES)) ? 0 : -1;
	r = add_fd(sb, fd, path, access, why);
	e = errno;
	close(fd);
	errno = e;
	return r;
}

/*
 * The start of the file open at fd: its ELF interpreter (PT_INTERP) into
 * interp, "" for a static binary.  Returns 0 for ELF, 1 for a "#!"
 * script (interp: the absolute program its "#!" line names, or ""), -1
 * if neither or unreadable.  (exposure.c reads programs with it too.)
 */
int
sandbox_loader_of(int fd, char *interp, size_t isz)
{
	unsigned char buf[2048];	/* headers and interp, usually */
	Elf64_Ehdr eh;
	Elf64_Phdr ph;
	ssize_t n;
	size_t i, off;
	int r = -1;

	interp[0] = '\0';
	if ((n = pread(fd, buf, sizeof(buf), 0)) < 4)
		goto out;
	if (buf[0] == '#' && buf[1] == '!') {
		for (i = 2; i < (size_t)n && (buf[i] == ' ' || buf[i] == '\t');
		    i++)
			;
		for (off = i; i < (size_t)n && buf[i] != ' ' &&
		    buf[i] != '\t' && buf[i] != '\n'; i++)
			;
		if (i < (size_t)n && buf[off] == '/' && i - off < isz) {
			memcpy(interp, buf + off, i - off);
			interp[i - off] = '\0';
		}
		r = 1;
		goto out;
	}
	/* 64-bit ELF of this machine's byte order only. */
	if ((size_t)n < sizeof(eh) || memcmp(buf, ELFMAG, SELFMAG) != 0 ||
	    buf[EI_CLASS] != ELFCLASS64)
		goto out;
	memcpy(&eh, buf, sizeof(eh));
	if (eh.e_phentsize != sizeof(ph) || eh.e_phnum > 128 ||
	    eh.e_phoff > (Elf64_Off)1 << 32)
		goto out;
	for (i = 0; i < eh.e_phnum; i++) {
		off = (size_t)eh.e_phoff + i * sizeof(ph);
		if (off + sizeof(ph) <= (size_t)n)
			memcpy(&ph, buf + off, sizeof(ph));
		else if (pread(fd, &ph, sizeof(ph), (off_t)off) !=
		    (ssize_t)sizeof(ph))
			goto out;
		if (ph.p_type != PT_INTERP)
			continue;
		if (ph.p_filesz < 2 || ph.p_filesz > isz ||
		    ph.p_offset > (Elf64_Off)1 << 32)
			goto out;
		if (ph.p_offset + ph.p_filesz <= (size_t)n)
			memcpy(interp, buf + ph.p_offset, ph.p_filesz);
		else if (pread(fd, interp, ph.p_filesz, (off_t)ph.p_offset) !=
		    (ssize_t)ph.p_filesz)
			goto out;
		if (interp[ph.p_filesz - 1] != '\0' || interp[0] != '/' ||
		    strlen(interp) != ph.p_filesz - 1) {
			interp[0] = '\0';
			goto out;
		}
		break;
	}
	r = 0;
 out:
	return r;
}

static const char *
fdpath(int fd, char *buf, size_t sz)
{
	snprintf(buf, sz, "/proc/self/fd/%d", fd);
	return buf;
}

/*
 * Execute for rsync, and for the loader the kernel opens to start it;
 * read (no listing) for the loader's dir, where the shared libraries
 * are, and its /lib or /usr/lib twin on systems without merged /usr.
 */
static int
add_program(struct sandbox *sb, const char *prog, int progfd,
    const char *interp, const char **errstr)
{
	char real[PATH_MAX], twin[PATH_MAX + 8], link[32], *slash;
	ssize_t n;
	int fd;

	/* The kernel opens what it executes for reading, too. */
	if (add_fd(sb, progfd, prog, FS_EXECUTE | FS_READ_FILE,
	    "rsync") == -1) {
		*errstr = "cannot add the rsync program to the sandbox";
		return -1;
	}
	if (interp[0] == '\0')
		return 0;			/* static */
	/* Its real path (one readlink, not realpath's walk) names its dir. */
	if ((fd = open(interp, O_PATH | O_CLOEXEC)) == -1 ||
	    add_fd(sb, fd, interp, FS_EXECUTE | FS_READ_FILE,
	    "ELF loader") == -1 ||
	    (n = readlink(fdpath(fd, link, sizeof(link)), real,
	    sizeof(real) - 1)) <= 0) {
		if (fd != -1)
			close(fd);
		*errstr = "cannot add the rsync program's ELF loader to the "
		    "sandbox";
		return -1;
	}
	close(fd);
	real[n] = '\0';
	if ((slash = strrchr(real, '/')) == NULL || slash == real)
		return 0;
	*slash = '\0';
	if (add_path(sb, real, FS_READ_FILE, "shared libraries", 1) == -1) {
		*errstr = "cannot add the shared library dir to the sandbox";
		return -1;
	}
	/* Without merged /usr, libraries are in both; /lib a link: one. */
	twin[0] = '\0';
	if (strncmp(real, "/usr/lib/", 9) == 0 &&
	    readlink("/lib", link, sizeof(link)) == -1)
		snprintf(twin, sizeof(twin), "/lib/%s", real + 9);
	else if (strncmp(real, "/lib/", 5) == 0)
		snprintf(twin, sizeof(twin), "/usr/lib/%s", real + 5);
	if (twin[0] != '\0' && add_path(sb, twin, FS_READ_FILE,
	    "shared libraries", 0) == -1) {
		*errstr = "cannot add the shared library dir to the sandbox";
		return -1;
	}
	return 0;
}

static void
set_none(struct sandbox *sb, const char *why)
{
	if (sb->progfd != -1)
		close(sb->progfd);
	sb->progfd = -1;
	snprintf(sb->none, sizeof(sb->none), "%s", why);
	sb->abi = 0;
}

/* sandbox_prepare's refusals that name a value; one at a time. */
static char prep_msg[160];

/*
 * Stage 1: the system call filter, and the rsync program opened (held in
 * sb->progfd) and its loader found.  -1 refused, 0 done (no Landlock
 * domain for a #! script), 1 go on.
 */
static int
prep_program(struct sandbox *sb, const char *rsync, char *interp,
    size_t interpsz, const char **errstr)
{
	int kind;

	sb->nocore = 1;
	/* 0 where the kernel filters system calls. */
	sb->seccomp = sysfilter_build() == 0 &&
	    prctl(PR_GET_SECCOMP, 0, 0, 0, 0) == 0;
	sb->dropcaps = geteuid() == 0;
	if (sb->mode == SANDBOX_REQUIRE && !sb->seccomp) {
		*errstr = "sandbox required, but this kernel (or build) "
		    "has no seccomp filter";
		return -1;
	}
	/*
	 * The ruleset is rsync's.  A #! script (a wrapper, a test stand-in)
	 * needs what its interpreter needs, which no list here describes:
	 * auto runs it without a domain, and says so; require refuses.
	 */
	/* Held until the end (sandbox_free on the error paths). */
	if ((sb->progfd = open(rsync, O_RDONLY | O_CLOEXEC | O_NOCTTY)) == -1 ||
	    (kind = sandbox_loader_of(sb->progfd, interp, interpsz)) == -1) {
		*errstr = "cannot read the rsync program to find its loader "
		    "(an ELF binary is needed)";
		return -1;
	}
	if (kind == 1) {
		if (sb->mode == SANDBOX_REQUIRE) {
			*errstr = "sandbox required, but --rsync names a #! "
			    "script; the sandbox confines an rsync binary";
			return -1;
		}
		sb->seccomp = 0;
		sb->dropcaps = 0;
		set_none(sb, "none (--rsync is a #! script, not an rsync "
		    "binary)");
		return 0;
	}
	return 1;
}

/*
 * Stage 2: the Landlock ABI to use, from the kernel's and the operator's
 * cap, against the mode.  -1 refused, 0 done (no domain), 1 go on.
 */
static int
prep_abi(struct sandbox *sb, int what, const char **errstr)
{
	sb->kernel_abi = kernel_abi();
	sb->abi = sb->kernel_abi;
	if (sb->abi_cap >= 0 && sb->abi > sb->abi_cap)
		sb->abi = sb->abi_cap;
	if (sb->abi == 0) {
		set_none(sb, sb->kernel_abi == 0 ?
		    "none (the kernel has no Landlock)" :
		    "none (--landlock-abi=0)");
		if (sb->mode == SANDBOX_REQUIRE) {
			snprintf(prep_msg, sizeof(prep_msg), "sandbox "
			    "required, but %s", sb->kernel_abi == 0 ?
			    "this kernel has no Landlock (or it is disabled)" :
			    "--landlock-abi=0 allows none");
			*errstr = prep_msg;
			return -1;
		}
		return 0;
	}
	if (sb->mode == SANDBOX_REQUIRE && sb->abi < SANDBOX_FULL_ABI) {
		snprintf(prep_msg, sizeof(prep_msg), "sandbox required, but "
		    "Landlock ABI %d lacks part of the ruleset (ABI %d "
		    "needed: network and scope rules)", sb->abi,
		    SANDBOX_FULL_ABI);
		*errstr = prep_msg;
		return -1;
	}
	/*
	 * ABI 1 (Linux 5.13-5.18) has no "refer": every rename or link
	 * across directories fails with EXDEV, and a receiving rsync makes
	 * them (--backup-dir, --partial-dir, --delay-updates, --temp-dir,
	 * -H); its copy fallback fails too.  A receiver gets no domain
	 * there (the filter and the capability cut stay), and says why.
	 */
	if (sb->abi < 2 && (what & SANDBOX_RECEIVER)) {
		set_none(sb, "none (Landlock ABI 1 cannot let a receiving "
		    "rsync rename across directories)");
		return 0;
	}
	return 1;
}

/* Stage 3: the ruleset, handling what the ABI can; 0 or -1. */
static int
prep_ruleset(struct sandbox *sb, const char **errstr)
{
	struct ll_ruleset_attr attr;

	sb->fs = fs_by_abi[sb->abi < NABI ? sb->abi : NABI - 1];
	sb->net = sb->abi >= 4 ? NET_BIND_TCP | NET_CONNECT_TCP : 0;
	sb->scoped = sb->abi >= 6 ? SCOPE_ABSTRACT_UNIX | SCOPE_SIGNAL : 0;
	/* Denials by the hijacked rsync, after exec, reach the audit log. */
	sb->flags = sb->abi >= 7 ? RESTRICT_LOG_NEW_EXEC_ON : 0;
	memset(&attr, 0, sizeof(attr));
	attr.handled_access_fs = sb->fs;
	attr.handled_access_net = sb->net;
	attr.scoped = sb->scoped;
	sb->ruleset = (int)syscall(SYS_landlock_create_ruleset, &attr,
	    sizeof(attr), 0);
	if (sb->ruleset == -1) {
		*errstr = "cannot create the Landlock ruleset";
		return -1;
	}
	return 0;
}

/* Stage 4: the rules: DIR, the program, the system paths; 0 or -1. */
static int
prep_rules(struct sandbox *sb, int rootfd, const char *dir,
    const char *rsync, const char *interp, int what, const char **errstr)
{
	uint64_t dirright;
	size_t i;
	int e, r;

	if (what & SANDBOX_RECEIVER)
		dirright = FS_RECEIVE;
	else
		dirright = FS_READ |
		    (what & SANDBOX_REMOVE_SRC ? FS_REMOVE_FILE : 0) |
		    (what & SANDBOX_LOG_FILE ? FS_WRITE_FILE | FS_MAKE_REG : 0);
	if (add_fd(sb, rootfd, dir, dirright, what & SANDBOX_RECEIVER ?
	    "DIR: rsync receives" : "DIR: rsync sends") == -1) {
		*errstr = "cannot add DIR to the sandbox";
		return -1;
	}
	/*
	 * A snapshot push: rsync links unchanged files from the newest
	 * snapshot.  Landlock lets a link give a file no more rights than
	 * it had: the base gets the file rights DIR has, and no right to
	 * make, remove or rename anything in it.
	 */
	if (sb->basisfd != -1 && (what & SANDBOX_RECEIVER) && add_fd(sb,
	    sb->basisfd, sb->basis, FS_READ | (FS_RECEIVE & FS_FILE_RIGHTS) |
	    FS_REFER, "the newest snapshot: rsync links its files") == -1) {
		*errstr = "cannot add the newest snapshot to the sandbox";
		return -1;
	}
	r = add_program(sb, rsync, sb->progfd, interp, errstr);
	close(sb->progfd);
	sb->progfd = -1;
	if (r == -1)
		return -1;
	for (i = 0; i < sizeof(sys_paths) / sizeof(sys_paths[0]); i++) {
		const struct sys_path *sp = &sys_paths[i];
		if (sp->when != 0 && (sp->when & what) == 0)
			continue;
		if (add_path(sb, sp->path, sp->access, sp->why, 0) == -1) {
			e = errno;
			snprintf(prep_msg, sizeof(prep_msg), "cannot add %s to "
			    "the sandbox: %s", sp->path, strerror(e));
			*errstr = prep_msg;
			return -1;
		}
	}
	for (i = 0; i < (size_t)sb->nextra; i++)
		if (add_path(sb, sb->extra[i], FS_READ, "--sandbox-read",
		    1) == -1) {
			e = errno;
			snprintf(prep_msg, sizeof(prep_msg),
			    "--sandbox-read=%.64s: %s", sb->extra[i],
			    strerror(e));
			*errstr = prep_msg;
			return -1;
		}
	return 0;
}

int
sandbox_prepare(struct sandbox *sb, int rootfd, const char *dir,
    const char *rsync, int what, const char **errstr)
{
	char interp[PATH_MAX];
	int r;

	if (sb->mode == SANDBOX_OFF) {
		set_none(sb, "off (operator)");
		return 0;
	}
	if ((r = prep_program(sb, rsync, interp, sizeof(interp),
	    errstr)) != 1)
		return r;
	if ((r = prep_abi(sb, what, errstr)) != 1)
		return r;
	if (prep_ruleset(sb, errstr) == -1)
		return -1;
	return prep_rules(sb, rootfd, dir, rsync, interp, what, errstr);
}

int
sandbox_enter(const struct sandbox *sb)
{
	struct __user_cap_header_struct ch;
	struct __user_cap_data_struct cd[2];
	struct rlimit rl;
	int cap;

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1)
		return -1;
	if (sb->nocore) {
		rl.rlim_cur = rl.rlim_max = 0;
		if (setrlimit(RLIMIT_CORE, &rl) == -1)
			return -1;
	}
	if (sb->dropcaps) {
		memset(&ch, 0, sizeof(ch));
		memset(cd, 0, sizeof(cd));
		ch.version = _LINUX_CAPABILITY_VERSION_3;
		cd[0].effective = cd[0].permitted = cd[0].inheritable =
		    KEEP_CAPS;
		if (prctl(PR_SET_SECUREBITS, NOROOT_BITS, 0, 0, 0) == -1 ||
		    syscall(SYS_capset, &ch, cd) == -1)
			return -1;
		for (cap = 0; cap < 32; cap++)
			if ((KEEP_CAPS & (1U << cap)) &&
			    prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap,
			    0, 0) == -1)
				return -1;
	}
	if (sb->ruleset != -1 && syscall(SYS_landlock_restrict_self,
	    sb->ruleset, sb->flags) == -1)
		return -1;
	if (sb->seccomp && sysfilter_install() == -1)
		return -1;
	return 0;
}

void
sandbox_free(struct sandbox *sb)
{
	int i;

	if (sb->ruleset != -1)
		close(sb->ruleset);
	if (sb->progfd != -1)
		close(sb->progfd);
	sb->ruleset = sb->progfd = -1;
	for (i = 0; i < sb->nrules; i++)
		free(sb->rules[i].path);
	sb->nrules = 0;
}

static void
print_rights(FILE *f, uint64_t access)
{
	size_t i;
	const char *sep = "";

	for (i = 0; i < sizeof(fs_names) / sizeof(fs_names[0]); i++)
		if (access & fs_names[i].bit) {
			fprintf(f, "%s%s", sep, fs_names[i].name);
			sep = ",";
		}
	if (*sep == '\0')
		fputs("nothing", f);
}

void
sandbox_describe(const struct sandbox *sb, FILE *f)
{
	char real[PATH_MAX];
	int i;

	fprintf(f, "sandbox: mode %s, ", sb->mode == SANDBOX_OFF ? "off" :
	    sb->mode == SANDBOX_REQUIRE ? "require" : "auto");
	if (sb->abi == 0)
		fprintf(f, "%s\n", sb->none);
	else
		fprintf(f, "landlock ABI %d (kernel %d): %s ruleset\n",
		    sb->abi, sb->kernel_abi, sb->abi >= SANDBOX_FULL_ABI ?
		    "full" : "partial");
	fprintf(f, "sandbox: no_new_privs%s%s%s\n", sb->nocore ?
	    ", core dumps off" : "", sb->seccomp ? ", seccomp filter" : "",
	    sb->dropcaps ? ", root keeps only CAP_CHOWN, CAP_DAC_OVERRIDE, "
	    "CAP_DAC_READ_SEARCH, CAP_FOWNER, CAP_FSETID" : "");
	if (sb->seccomp)
		sysfilter_describe(f);
	if (sb->abi == 0)
		return;
	for (i = 0; i < sb->nrules; i++) {
		fprintf(f, "sandbox allow %s", sb->rules[i].path);
		if (realpath(sb->rules[i].path, real) != NULL &&
		    strcmp(real, sb->rules[i].path) != 0)
			fprintf(f, " (-> %s)", real);
		fputs(": ", f);
		print_rights(f, sb->rules[i].access);
		fprintf(f, " [%s]\n", sb->rules[i].why);
	}
	fputs("sandbox deny elsewhere: ", f);
	print_rights(f, sb->fs);
	fputc('\n', f);
	fprintf(f, "sandbox deny network: %s\n", sb->net ?
	    "tcp bind, tcp connect" : "(not handled below ABI 4)");
	fprintf(f, "sandbox deny scope: %s\n", sb->scoped ?
	    "abstract unix sockets, signals outside the domain" :
	    "(not handled below ABI 6)");
	fprintf(f, "sandbox audit: %s\n", sb->flags ?
	    "denials after exec are logged" : "kernel default");
}

const char *
sandbox_summary(const struct sandbox *sb, char *buf, size_t sz)
{
	if (sb->mode == SANDBOX_OFF)
		snprintf(buf, sz, "off");
	else if (sb->abi == 0)
		snprintf(buf, sz, "none");
	else
		snprintf(buf, sz, "landlock-abi%d%s", sb->abi,
		    sb->abi >= SANDBOX_FULL_ABI ? "" : "-partial");
	return buf;
}
