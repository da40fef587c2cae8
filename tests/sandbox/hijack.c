/*
 * hijack.c - a "hijacked rsync" for tests/sandbox/run.sh.
 *
 * "rsguard serve --rsync=PATH" starts it in place of rsync, with a
 * legitimate rsync server argv, PATH as its whole environment, DIR as its
 * cwd and fds 0, 1, 2 (plus pins).  It plays an attacker who controls the
 * rsync process: it reads its parameters from stdin ("key=value" lines,
 * see struct param) and tries, one by one, what the sandbox must stop.
 * One line per try on stderr, names stable (run.sh matches on them):
 *
 *	ATTEMPT name ALLOWED		must be BLOCKED under the sandbox
 *	ATTEMPT name BLOCKED ENAME
 *	LEGIT name ALLOWED|BLOCKED ENAME  what a real rsync in this role
 *					needs: must stay ALLOWED
 *	UNCOVERED name ALLOWED|BLOCKED ENAME  what Landlock does not
 *					restrict (documented as such)
 *	INFO key=value
 *
 * Whatever an allowed try creates or moves is undone, so a run without
 * the sandbox leaves the trees as it found them (modulo ctime/atime).
 *
 * The fixtures run.sh makes in DIR: victim.txt, deleteme.txt, sub/,
 * run-me.sh (an executable "#!/bin/sh" script), escape -> the secret.
 * In the outside dir: victim.txt (the "outfile").  Under serve --root,
 * DIR is the root the transfer names, and each other root of the key
 * (an "other=NAME=PATH" parameter, with the same fixtures) is tried as
 * "other-NAME-*": it must be as closed as any outside dir.
 *
 * Helper modes, run by the harness outside any sandbox, die with it:
 *	hijack --listen-tcp		bind 127.0.0.1:0, print port, accept
 *	hijack --listen-abstract NAME	listen on the abstract socket NAME
 *	hijack --target			a process to signal and ptrace
 *	hijack --free-port		print a TCP port free on 127.0.0.1
 *	hijack --listen-unix PATH	a named unix stream listener
 *	hijack --listen-unix-dgram PATH	a named unix datagram socket
 *	hijack --landlock-abi		print the kernel's Landlock ABI (0: none)
 *	hijack --probe-iouring		can io_uring make a socket here?
 */
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/types.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <sys/xattr.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <linux/filter.h>
#include <linux/io_uring.h>
#include <linux/seccomp.h>

#include <dirent.h>
#include <sched.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <link.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <sys/syscall.h>

#ifndef SYS_landlock_create_ruleset
#define SYS_landlock_create_ruleset	444
#endif
#define LANDLOCK_VERSION_FLAG		1U	/* ..._CREATE_RULESET_VERSION */
#ifndef PR_SET_PTRACER
#define PR_SET_PTRACER		0x59616d61
#endif
#ifndef PR_SET_PTRACER_ANY
#define PR_SET_PTRACER_ANY	((unsigned long)-1)
#endif

#define MAX_OTHER	4		/* other roots tried (serve: 16) */

/* Parameters from stdin; empty or 0 = not given (the try is left out). */
static struct param {
	char	dir[PATH_MAX];		/* DIR (absolute) */
	char	secret[PATH_MAX];	/* a readable file outside DIR */
	char	outdir[PATH_MAX];	/* a writable dir outside DIR */
	char	extra[PATH_MAX];	/* a --sandbox-read path */
	char	abstract[100];		/* abstract unix socket name */
	char	unixpath[108];		/* named unix stream listener */
	char	dgrampath[108];		/* named unix datagram socket */
	int	port;			/* TCP port with a listener */
	int	freeport;		/* TCP port nobody uses */
	pid_t	pid;			/* a process outside the sandbox */
	int	chr;			/* try a char device node too */
	char	other[MAX_OTHER][PATH_MAX]; /* the key's other roots' DIRs */
	char	oname[MAX_OTHER][32];	/* ... and their NAMEs */
	int	nother;
} p;

static int sender;			/* argv has --sender (a pull) */
static int logfile;			/* argv has --log-file=: a log to write */
static char libdir[PATH_MAX];		/* dir of our ELF interpreter */

/* ---- output -------------------------------------------------------- */

static const char *
ename(int e)
{
	const char *s;

	s = strerrorname_np(e);
	return s != NULL ? s : "EUNKNOWN";
}

/* One result line: err is 0 (it worked) or an errno. */
static void
report(const char *kind, const char *name, int err)
{
	if (err == 0)
		fprintf(stderr, "%s %s ALLOWED\n", kind, name);
	else
		fprintf(stderr, "%s %s BLOCKED %s\n", kind, name, ename(err));
	fflush(stderr);
}

static void
attempt(const char *name, int err)
{
	report("ATTEMPT", name, err);
}

static void
legit(const char *name, int err)
{
	report("LEGIT", name, err);
}

static void
uncovered(const char *name, int err)
{
	report("UNCOVERED", name, err);
}

/*
 * Writes to DIR: a legitimate need of the receiver, an attack for the
 * sender (serve -ro).
 */
static void
inside(const char *name, int err)
{
	report(sender ? "ATTEMPT" : "LEGIT", name, err);
}

static void
path(char *buf, const char *base, const char *leaf)
{
	int n;

	/* too long: the empty path, whose tries fail with ENOENT */
	n = snprintf(buf, PATH_MAX, "%s/%s", base, leaf);
	if (n < 0 || n >= PATH_MAX)
		buf[0] = '\0';
}

/* ---- primitive tries: each returns 0 or an errno ---------------------- */

static void	loopback(struct sockaddr_in *, int);

/* Open and read one byte (an empty file counts as read). */
static int
try_read(const char *fn)
{
	char c;
	int fd, e = 0;

	if ((fd = open(fn, O_RDONLY | O_CLOEXEC)) == -1)
		return errno;
	if (read(fd, &c, 1) == -1)
		e = errno;
	close(fd);
	return e;
}

static int
try_list(const char *dn)
{
	DIR *d;
	int e = 0;

	if ((d = opendir(dn)) == NULL)
		return errno;
	errno = 0;
	if (readdir(d) == NULL && errno != 0)
		e = errno;
	closedir(d);
	return e;
}

/* Open for writing without writing: the file stays as it is. */
static int
try_open_write(const char *fn)
{
	int fd;

	if ((fd = open(fn, O_WRONLY | O_APPEND | O_CLOEXEC)) == -1)
		return errno;
	close(fd);
	return 0;
}

/* Truncate to the current size: allowed means nothing changes. */
static int
try_truncate(const char *fn)
{
	struct stat st;

	if (stat(fn, &st) == -1)
		return errno;
	return truncate(fn, st.st_size) == -1 ? errno : 0;
}

static int
try_create(const char *fn)
{
	int fd;

	if ((fd = open(fn, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
	    0600)) == -1)
		return errno;
	close(fd);
	unlink(fn);
	return 0;
}

static int
try_mkdir(const char *dn)
{
	if (mkdir(dn, 0700) == -1)
		return errno;
	rmdir(dn);
	return 0;
}

/* Rename there and back. */
static int
try_rename(const char *from, const char *to)
{
	if (rename(from, to) == -1)
		return errno;
	if (rename(to, from) == -1)
		fprintf(stderr, "INFO cleanup-failed rename %s\n", to);
	return 0;
}

static int
try_link(const char *from, const char *to)
{
	if (link(from, to) == -1)
		return errno;
	unlink(to);
	return 0;
}

static int
try_mknod(const char *fn, mode_t mode, dev_t dev)
{
	if (mknod(fn, mode, dev) == -1)
		return errno;
	unlink(fn);
	return 0;
}

/* Unlink a file and put it back with the same content. */
static int
try_unlink_restore(const char *fn)
{
	char buf[4096];
	ssize_t n;
	int fd, e = 0;

	if ((fd = open(fn, O_RDONLY | O_CLOEXEC)) == -1)
		return errno;
	n = read(fd, buf, sizeof(buf));
	close(fd);
	if (n < 0)
		return errno;
	if (unlink(fn) == -1)
		return errno;
	if ((fd = open(fn, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
	    0644)) == -1 || write(fd, buf, (size_t)n) != n)
		fprintf(stderr, "INFO cleanup-failed restore %s\n", fn);
	if (fd != -1)
		close(fd);
	return e;
}

/*
 * execve in a child; the child reports execve's errno through a
 * close-on-exec pipe, so EOF without data means the exec happened.
 */
static int
try_exec(const char *prog, char *const argv[])
{
	static char *const envp[] = { NULL };
	int fds[2], e = 0, st;
	pid_t pid;

	if (pipe2(fds, O_CLOEXEC) == -1)
		return errno;
	if ((pid = fork()) == -1) {
		e = errno;
		close(fds[0]);
		close(fds[1]);
		return e;
	}
	if (pid == 0) {
		close(fds[0]);
		execve(prog, argv, envp);
		e = errno;
		(void)!write(fds[1], &e, sizeof(e));
		_exit(127);
	}
	close(fds[1]);
	if (read(fds[0], &e, sizeof(e)) != (ssize_t)sizeof(e))
		e = 0;
	close(fds[0]);
	while (waitpid(pid, &st, 0) == -1 && errno == EINTR)
		;
	return e;
}

static int
try_tcp(int port, int do_bind)
{
	struct sockaddr_in sin;
	int s, r, e = 0;

	if ((s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return errno;
	loopback(&sin, port);
	if (do_bind)
		r = bind(s, (struct sockaddr *)&sin, sizeof(sin));
	else
		r = connect(s, (struct sockaddr *)&sin, sizeof(sin));
	if (r == -1)
		e = errno;
	close(s);
	return e;
}

static socklen_t
abstract_addr(struct sockaddr_un *sun, const char *name)
{
	size_t n = strlen(name);

	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	if (n > sizeof(sun->sun_path) - 1)
		n = sizeof(sun->sun_path) - 1;
	memcpy(sun->sun_path + 1, name, n);	/* sun_path[0] = '\0' */
	return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + n);
}

static int
try_abstract(const char *name)
{
	struct sockaddr_un sun;
	socklen_t len;
	int s, e = 0;

	if ((s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return errno;
	len = abstract_addr(&sun, name);
	if (connect(s, (struct sockaddr *)&sun, len) == -1)
		e = errno;
	close(s);
	return e;
}

static socklen_t
named_addr(struct sockaddr_un *sun, const char *fn)
{
	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	snprintf(sun->sun_path, sizeof(sun->sun_path), "%s", fn);
	return (socklen_t)sizeof(*sun);
}

static void
loopback(struct sockaddr_in *sin, int port)
{
	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	sin->sin_port = htons((unsigned short)port);
	sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
}

/*
 * What to do with a socket s (from socket(2) or io_uring): connect it
 * to the named unix socket, to the TCP port, or send a UDP datagram to
 * the port.  Closes s; returns 0 or an errno.
 */
enum sockuse { USE_UNIX, USE_TCP, USE_UDP };

static int
use_socket(int s, enum sockuse use, const char *fn, int port)
{
	struct sockaddr_un sun;
	struct sockaddr_in sin;
	socklen_t len;
	int e = 0;

	switch (use) {
	case USE_UNIX:
		len = named_addr(&sun, fn);
		if (connect(s, (struct sockaddr *)&sun, len) == -1)
			e = errno;
		break;
	case USE_TCP:
		loopback(&sin, port);
		if (connect(s, (struct sockaddr *)&sin, sizeof(sin)) == -1)
			e = errno;
		break;
	case USE_UDP:
		loopback(&sin, port);
		if (sendto(s, "x", 1, 0, (struct sockaddr *)&sin,
		    sizeof(sin)) == -1)
			e = errno;
		break;
	}
	close(s);
	return e;
}

static int
try_socket(int domain, int type, enum sockuse use, const char *fn,
    int port)
{
	int s;

	if ((s = socket(domain, type | SOCK_CLOEXEC, 0)) == -1)
		return errno;
	return use_socket(s, use, fn, port);
}

/*
 * A datagram to a named unix socket without socket(2): socketpair(2)
 * gives an AF_UNIX datagram socket, and sendto(2) with an address
 * reaches any named datagram socket the user may write.
 */
static int
try_dgram_sendto(const char *fn)
{
	struct sockaddr_un sun;
	socklen_t len;
	int sv[2], e = 0;

	if (socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, sv) == -1)
		return errno;
	len = named_addr(&sun, fn);
	if (sendto(sv[0], "x", 1, 0, (struct sockaddr *)&sun, len) == -1)
		e = errno;
	close(sv[0]);
	close(sv[1]);
	return e;
}

/*
 * socket(domain, type) made by io_uring (IORING_OP_SOCKET, Linux 5.19),
 * which a seccomp filter on socket(2) never sees.  Returns the socket,
 * or -1 with *err set.
 */
static int
uring_socket(int domain, int type, int *err)
{
	struct io_uring_params prm;
	struct io_uring_sqe *sqes;
	struct io_uring_cqe *cqes;
	unsigned char *sq, *cq;
	unsigned *head, *tail, *mask, *array;
	size_t sqsz, cqsz, sqesz;
	int ring, fd = -1;

	memset(&prm, 0, sizeof(prm));
	if ((ring = (int)syscall(SYS_io_uring_setup, 1, &prm)) == -1) {
		*err = errno;
		return -1;
	}
	sqsz = prm.sq_off.array + prm.sq_entries * sizeof(unsigned);
	cqsz = prm.cq_off.cqes + prm.cq_entries * sizeof(*cqes);
	sqesz = prm.sq_entries * sizeof(*sqes);
	sq = mmap(NULL, sqsz, PROT_READ | PROT_WRITE, MAP_SHARED |
	    MAP_POPULATE, ring, IORING_OFF_SQ_RING);
	cq = mmap(NULL, cqsz, PROT_READ | PROT_WRITE, MAP_SHARED |
	    MAP_POPULATE, ring, IORING_OFF_CQ_RING);
	sqes = mmap(NULL, sqesz, PROT_READ | PROT_WRITE, MAP_SHARED |
	    MAP_POPULATE, ring, IORING_OFF_SQES);
	if (sq == MAP_FAILED || cq == MAP_FAILED || sqes == MAP_FAILED) {
		*err = errno;
		goto out;
	}
	memset(&sqes[0], 0, sizeof(sqes[0]));
	sqes[0].opcode = IORING_OP_SOCKET;
	sqes[0].fd = domain;
	sqes[0].off = (unsigned)type;
	sqes[0].len = 0;			/* protocol */
	tail = (unsigned *)(sq + prm.sq_off.tail);
	mask = (unsigned *)(sq + prm.sq_off.ring_mask);
	array = (unsigned *)(sq + prm.sq_off.array);
	array[*tail & *mask] = 0;
	__atomic_store_n(tail, *tail + 1, __ATOMIC_RELEASE);
	if (syscall(SYS_io_uring_enter, ring, 1, 1, IORING_ENTER_GETEVENTS,
	    NULL, 0) == -1) {
		*err = errno;
		goto out;
	}
	head = (unsigned *)(cq + prm.cq_off.head);
	tail = (unsigned *)(cq + prm.cq_off.tail);
	mask = (unsigned *)(cq + prm.cq_off.ring_mask);
	cqes = (struct io_uring_cqe *)(void *)(cq + prm.cq_off.cqes);
	if (*head == __atomic_load_n(tail, __ATOMIC_ACQUIRE))
		*err = EAGAIN;
	else if (cqes[*head & *mask].res < 0)
		*err = -cqes[*head & *mask].res;
	else
		fd = cqes[*head & *mask].res;
 out:
	if (sq != MAP_FAILED)
		munmap(sq, sqsz);
	if (cq != MAP_FAILED)
		munmap(cq, cqsz);
	if (sqes != MAP_FAILED)
		munmap(sqes, sqesz);
	close(ring);
	return fd;
}

static int
try_uring(int domain, int type, enum sockuse use, const char *fn, int port)
{
	int s, e;

	if ((s = uring_socket(domain, type, &e)) == -1)
		return e;
	return use_socket(s, use, fn, port);
}

static int
try_kill(pid_t pid, int sig)
{
	return kill(pid, sig) == -1 ? errno : 0;
}

/* Attach, wait for the attach stop, detach (the target goes on). */
static int
try_ptrace(pid_t pid)
{
	int st;

	if (ptrace(PTRACE_ATTACH, pid, NULL, NULL) == -1)
		return errno;
	while (waitpid(pid, &st, __WALL) == -1 && errno == EINTR)
		;
	if (ptrace(PTRACE_DETACH, pid, NULL, NULL) == -1)
		fprintf(stderr, "INFO cleanup-failed ptrace detach\n");
	return 0;
}

/*
 * A device ioctl.  /dev/null has no ioctls: ENOTTY means the request
 * reached the driver (allowed); the sandbox (ABI 5) stops it before,
 * with EACCES.
 */
static int
try_ioctl_dev(void)
{
	struct termios t;
	int fd, e = 0;

	if ((fd = open("/dev/null", O_RDWR | O_CLOEXEC)) == -1)
		return errno;
	if (ioctl(fd, TCGETS, &t) == -1 && errno != ENOTTY)
		e = errno;
	close(fd);
	return e;
}

/* The secret through an O_PATH descriptor reopened via /proc. */
static int
try_reopen_opath(const char *fn)
{
	char proc[64];
	int pfd, e;

	if ((pfd = open(fn, O_PATH | O_CLOEXEC)) == -1)
		return errno;
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", pfd);
	e = try_read(proc);
	close(pfd);
	return e;
}

/* ---- the uncovered operations (Landlock has no hook for them) ------- */

static int
try_chmod(const char *fn)
{
	struct stat st;

	if (stat(fn, &st) == -1)
		return errno;
	return chmod(fn, st.st_mode & 07777) == -1 ? errno : 0;
}

static int
try_chown(const char *fn)
{
	return chown(fn, geteuid(), getegid()) == -1 ? errno : 0;
}

static int
try_utimens(const char *fn)
{
	struct timespec ts[2];
	struct stat st;

	if (stat(fn, &st) == -1)
		return errno;
	ts[0] = st.st_atim;
	ts[1] = st.st_mtim;
	return utimensat(AT_FDCWD, fn, ts, 0) == -1 ? errno : 0;
}

static int
try_setxattr(const char *fn)
{
	static const char name[] = "user.rsguard-hijack";

	if (setxattr(fn, name, "x", 1, 0) == -1)
		return errno;
	removexattr(fn, name);
	return 0;
}

/* O_PATH opens are not checked: the descriptor is had, not the data. */
static int
try_opath(const char *fn)
{
	int fd;

	if ((fd = open(fn, O_PATH | O_CLOEXEC)) == -1)
		return errno;
	close(fd);
	return 0;
}

/* ---- setup ------------------------------------------------------------ */

static void
read_params(void)
{
	char line[PATH_MAX + 64], *v, *e;
	size_t n;

	while (fgets(line, sizeof(line), stdin) != NULL) {
		n = strlen(line);
		if (n > 0 && line[n - 1] == '\n')
			line[--n] = '\0';
		if ((v = strchr(line, '=')) == NULL)
			continue;
		*v++ = '\0';
		if (strcmp(line, "dir") == 0)
			snprintf(p.dir, sizeof(p.dir), "%s", v);
		else if (strcmp(line, "secret") == 0)
			snprintf(p.secret, sizeof(p.secret), "%s", v);
		else if (strcmp(line, "outdir") == 0)
			snprintf(p.outdir, sizeof(p.outdir), "%s", v);
		else if (strcmp(line, "extra") == 0)
			snprintf(p.extra, sizeof(p.extra), "%s", v);
		else if (strcmp(line, "abstract") == 0)
			snprintf(p.abstract, sizeof(p.abstract), "%s", v);
		else if (strcmp(line, "unix") == 0)
			snprintf(p.unixpath, sizeof(p.unixpath), "%s", v);
		else if (strcmp(line, "dgram") == 0)
			snprintf(p.dgrampath, sizeof(p.dgrampath), "%s", v);
		else if (strcmp(line, "port") == 0)
			p.port = atoi(v);
		else if (strcmp(line, "freeport") == 0)
			p.freeport = atoi(v);
		else if (strcmp(line, "pid") == 0)
			p.pid = (pid_t)atoi(v);
		else if (strcmp(line, "chr") == 0)
			p.chr = atoi(v);
		else if (strcmp(line, "other") == 0 && p.nother < MAX_OTHER &&
		    (e = strchr(v, '=')) != NULL) {
			*e++ = '\0';
			snprintf(p.oname[p.nother], sizeof(p.oname[0]), "%s", v);
			snprintf(p.other[p.nother], sizeof(p.other[0]), "%s", e);
			p.nother++;
		}
		else
			fprintf(stderr, "INFO unknown-param %s\n", line);
	}
}

/* The first object dl_iterate_phdr reports is the executable itself. */
static int
find_interp(struct dl_phdr_info *info, size_t size, void *arg)
{
	char *out = arg, real[PATH_MAX];
	int i;

	(void)size;
	for (i = 0; i < info->dlpi_phnum; i++) {
		if (info->dlpi_phdr[i].p_type != PT_INTERP)
			continue;
		if (realpath((const char *)(info->dlpi_addr +
		    info->dlpi_phdr[i].p_vaddr), real) != NULL)
			snprintf(out, PATH_MAX, "%s", dirname(real));
		break;
	}
	return 1;
}

/* What the harness checks besides the tries. */
static void
print_info(int argc, char *argv[])
{
	extern char **environ;
	struct rlimit rl;
	char cwd[PATH_MAX];
	struct dirent *de;
	DIR *d;
	int i;

	fprintf(stderr, "INFO role=%s\n", sender ? "sender" : "receiver");
	fprintf(stderr, "INFO argv=");
	for (i = 0; i < argc; i++)
		fprintf(stderr, "%s%s", i ? " " : "", argv[i]);
	fprintf(stderr, "\nINFO uid=%d\n", (int)geteuid());
	fprintf(stderr, "INFO nnp=%d\n", prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0,
	    0));
	if (getrlimit(RLIMIT_CORE, &rl) == 0)
		fprintf(stderr, "INFO core=%llu/%llu\n",
		    (unsigned long long)rl.rlim_cur,
		    (unsigned long long)rl.rlim_max);
	fprintf(stderr, "INFO cwd=%s\n", getcwd(cwd, sizeof(cwd)) != NULL ?
	    cwd : "?");
	for (i = 0; environ[i] != NULL; i++)
		fprintf(stderr, "INFO env=%s\n", environ[i]);
	fprintf(stderr, "INFO libdir=%s\n", libdir);
	/* /proc/self/fd is outside the sandbox: list it by fd number. */
	fprintf(stderr, "INFO fds=");
	if ((d = opendir("/proc/self/fd")) != NULL) {
		while ((de = readdir(d)) != NULL)
			if (de->d_name[0] != '.' && atoi(de->d_name) !=
			    dirfd(d))
				fprintf(stderr, "%s,", de->d_name);
		closedir(d);
	} else {
		for (i = 0; i < 1024; i++)
			if (fcntl(i, F_GETFD) != -1)
				fprintf(stderr, "%d,", i);
	}
	fprintf(stderr, "\n");
}

/* ---- the run ---------------------------------------------------------- */

static void
outside_fs(void)
{
	char a[PATH_MAX], b[PATH_MAX], outfile[PATH_MAX];

	path(outfile, p.outdir, "victim.txt");
	attempt("read-passwd", try_read("/etc/passwd"));
	attempt("read-group", try_read("/etc/group"));
	attempt("read-secret", try_read(p.secret));
	path(a, p.dir, "escape");
	attempt("read-via-symlink", try_read(a));
	attempt("reopen-opath-secret", try_reopen_opath(p.secret));
	attempt("list-root", try_list("/"));
	if (libdir[0] != '\0')
		attempt("list-libdir", try_list(libdir));
	attempt("write-outside", try_open_write(outfile));
	attempt("truncate-outside", try_truncate(outfile));
	path(a, p.outdir, "hijack-created");
	attempt("create-outside", try_create(a));
	path(a, p.outdir, "hijack-dir");
	attempt("mkdir-outside", try_mkdir(a));
	path(a, p.dir, "victim.txt");
	path(b, p.outdir, "hijack-moved");
	attempt("rename-in-out", try_rename(a, b));
	path(b, p.outdir, "hijack-renamed");
	attempt("rename-out-out", try_rename(outfile, b));
	path(b, p.dir, "hijack-moved-in");
	attempt("rename-out-in", try_rename(outfile, b));
	path(b, p.outdir, "hijack-link");
	attempt("link-in-out", try_link(a, b));
	/* a hard link to the secret in DIR would make it readable there */
	path(b, p.dir, "hijack-secret-link");
	attempt("link-secret-in", try_link(p.secret, b));
}

/* Writes to DIR: LEGIT for the receiver, ATTEMPT for the sender. */
static void
inside_writes(void)
{
	char a[PATH_MAX], b[PATH_MAX];
	int e;

	path(a, p.dir, "victim.txt");
	inside("write-inside", try_open_write(a));
	inside("truncate-inside", try_truncate(a));
	path(b, p.dir, "sub/victim.txt");
	inside("rename-inside", try_rename(a, b));
	path(a, p.dir, "hijack-new");
	inside("create-inside", try_create(a));
	path(a, p.dir, "hijack-newdir");
	inside("mkdir-inside", try_mkdir(a));
	path(a, p.dir, "deleteme.txt");
	inside("unlink-inside", try_unlink_restore(a));

	/*
	 * A symlink to the secret: the receiver may create symlinks (rsync
	 * -l), but reading through it must still be refused.  (The sender
	 * has DIR/escape for that; its list of tries stays the same whether
	 * or not the symlink could be made.)
	 */
	path(a, p.dir, "hijack-symlink");
	e = symlink(p.secret, a) == -1 ? errno : 0;
	inside("symlink-inside", e);
	if (e == 0) {
		if (!sender)
			attempt("read-via-new-symlink", try_read(a));
		unlink(a);
	}
}

/* Special files are never allowed, in either role. */
static void
inside_special(void)
{
	char a[PATH_MAX];

	path(a, p.dir, "hijack-fifo");
	attempt("mkfifo-inside", try_mknod(a, S_IFIFO | 0600, 0));
	/*
	 * A socket node: mknod(S_IFSOCK) needs no privilege, so this is the
	 * "device" try that works unsandboxed for an unprivileged user too.
	 */
	path(a, p.dir, "hijack-sock");
	attempt("mknod-sock-inside", try_mknod(a, S_IFSOCK | 0600, 0));
	/* A char device (/dev/null's numbers) needs CAP_MKNOD: root only. */
	if (p.chr) {
		path(a, p.dir, "hijack-chr");
		attempt("mknod-chr-inside", try_mknod(a, S_IFCHR | 0600,
		    makedev(1, 3)));
	}
}

/*
 * Root only: what a root rsync could do to the whole system.  Each try
 * that changes anything runs in a child, or sets what is already set;
 * a call that reached the kernel and found nothing to do counts as
 * ALLOWED (EINVAL from umount2, ENOKEY from keyctl).
 */
static int
in_child(int (*fn)(void))
{
	pid_t pid;
	int st;

	if ((pid = fork()) == -1)
		return errno;
	if (pid == 0)
		_exit(fn());
	if (waitpid(pid, &st, 0) == -1 || !WIFEXITED(st))
		return EIO;
	return WEXITSTATUS(st);
}

static int
do_unshare_mnt(void)
{
	return unshare(CLONE_NEWNS) == -1 ? errno : 0;
}

static int
do_unshare_user(void)
{
	return unshare(CLONE_NEWUSER) == -1 ? errno : 0;
}

static int
do_chroot(void)
{
	return chroot(".") == -1 ? errno : 0;
}

static void
system_wide(void)
{
	char host[256];
	long r;

	if (geteuid() != 0)
		return;
	attempt("unshare-mountns", in_child(do_unshare_mnt));
	attempt("unshare-userns", in_child(do_unshare_user));
	attempt("chroot", in_child(do_chroot));
	if (gethostname(host, sizeof(host)) == 0)
		attempt("sethostname-same", sethostname(host, strlen(host))
		    == -1 ? errno : 0);
	/*
	 * DIR is not a mount point: EINVAL once past the permission check
	 * (the lookup comes first, so the path must exist).
	 */
	attempt("umount-notmounted", umount2(p.dir, 0) == -1 &&
	    errno != EINVAL ? errno : 0);
	r = syscall(SYS_keyctl, 0 /* KEYCTL_GET_KEYRING_ID */,
	    -2 /* KEY_SPEC_PROCESS_KEYRING */, 0);
	attempt("keyctl", r == -1 && errno != ENOKEY ? errno : 0);
}

static void
exec_and_ipc(void)
{
	char sh[] = "/bin/sh", dashc[] = "-c", exit0[] = "exit 0";
	char script[PATH_MAX], *shargv[] = { sh, dashc, exit0, NULL };
	char *scargv[] = { script, NULL };
	char fn[64];

	attempt("exec-sh", try_exec(sh, shargv));
	path(script, p.dir, "run-me.sh");
	attempt("exec-inside", try_exec(script, scargv));
	if (p.port)
		attempt("tcp-connect", try_tcp(p.port, 0));
	if (p.freeport)
		attempt("tcp-bind", try_tcp(p.freeport, 1));
	attempt("ioctl-dev", try_ioctl_dev());
	if (p.abstract[0] != '\0')
		attempt("abstract-connect", try_abstract(p.abstract));
	/* what only the seccomp filter on socket(2) is there to stop */
	if (p.freeport)
		attempt("udp-send", try_socket(AF_INET, SOCK_DGRAM, USE_UDP,
		    NULL, p.freeport));
	if (p.unixpath[0] != '\0')
		attempt("unix-connect", try_socket(AF_UNIX, SOCK_STREAM,
		    USE_UNIX, p.unixpath, 0));
	/* ... and the ways around socket(2) */
	if (p.dgrampath[0] != '\0')
		attempt("unix-dgram-sendto", try_dgram_sendto(p.dgrampath));
	if (p.freeport)
		attempt("iouring-udp-send", try_uring(AF_INET, SOCK_DGRAM,
		    USE_UDP, NULL, p.freeport));
	if (p.unixpath[0] != '\0')
		attempt("iouring-unix-connect", try_uring(AF_UNIX,
		    SOCK_STREAM, USE_UNIX, p.unixpath, 0));
	/* Landlock's own TCP rule (ABI 4), past the seccomp filter */
	if (p.port)
		attempt("iouring-tcp-connect", try_uring(AF_INET,
		    SOCK_STREAM, USE_TCP, NULL, p.port));
	if (p.pid > 0) {
		attempt("signal0-outside", try_kill(p.pid, 0));
		attempt("sigcont-outside", try_kill(p.pid, SIGCONT));
		snprintf(fn, sizeof(fn), "/proc/%d/environ", (int)p.pid);
		attempt("proc-environ", try_read(fn));
		attempt("ptrace-attach", try_ptrace(p.pid));
	}
}

/*
 * The key's other roots (serve --root): no read, list, write, create,
 * exec, nor a hard link of their file into DIR (which would make it
 * readable here).  Everything allowed is undone.
 */
static void
other_roots(void)
{
	char a[PATH_MAX], b[PATH_MAX], name[64];
	char *scargv[] = { a, NULL };
	int i;

	for (i = 0; i < p.nother; i++) {
#define OTHER(what, err) do {						\
	snprintf(name, sizeof(name), "other-%s-%s", p.oname[i], what);	\
	attempt(name, err);						\
} while (0)
		path(a, p.other[i], "victim.txt");
		OTHER("read", try_read(a));
		OTHER("list", try_list(p.other[i]));
		OTHER("write", try_open_write(a));
		path(b, p.dir, "hijack-other-link");
		OTHER("link-in", try_link(a, b));
		path(a, p.other[i], "hijack-new");
		OTHER("create", try_create(a));
		path(a, p.other[i], "run-me.sh");
		OTHER("exec", try_exec(a, scargv));
#undef OTHER
	}
}

/* What rsync needs in either role: must keep working. */
static void
needs(void)
{
	char a[PATH_MAX];
	struct stat st;

	path(a, p.dir, "victim.txt");
	legit("read-inside", try_read(a));
	legit("list-inside", try_list(p.dir));
	legit("read-urandom", try_read("/dev/urandom"));
	legit("write-devnull", try_open_write("/dev/null"));
	/* only what exists here (stat is not restricted) */
	if (stat("/etc/ld.so.cache", &st) == 0)
		legit("read-ldcache", try_read("/etc/ld.so.cache"));
	/* the time zone of log lines: needed with --log-file only */
	if (logfile && stat("/etc/localtime", &st) == 0)
		legit("read-localtime", try_read("/etc/localtime"));
	if (libdir[0] != '\0') {
		path(a, libdir, "libc.so.6");
		if (stat(a, &st) == 0)
			legit("read-libc", try_read(a));
	}
}

static void
uncovered_ops(void)
{
	char a[PATH_MAX];

	path(a, p.dir, "victim.txt");
	uncovered("chmod", try_chmod(a));
	uncovered("chown", try_chown(a));
	uncovered("utimensat", try_utimens(a));
	uncovered("setxattr", try_setxattr(a));
	uncovered("opath-secret", try_opath(p.secret));
	/* outside DIR too (the man page says so): metadata of own files */
	path(a, p.outdir, "victim.txt");
	uncovered("chmod-outside", try_chmod(a));
}

/* With --sandbox-read=EXTRA: readable, still not writable. */
static void
extra_path(void)
{
	if (p.extra[0] == '\0')
		return;
	report("EXTRA", "read", try_read(p.extra));
	report("EXTRA", "write", try_open_write(p.extra));
}

/* ---- helper modes (outside the sandbox) -------------------------------- */

/* Die with the harness; if it is already gone, go now. */
static void
die_with_parent(pid_t parent)
{
	prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	if (getppid() != parent)
		_exit(0);
}

static int
tcp_listener(int *port)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	int s, one = 1;

	if ((s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return -1;
	setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(s, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    getsockname(s, (struct sockaddr *)&sin, &len) == -1) {
		close(s);
		return -1;
	}
	*port = ntohs(sin.sin_port);
	return s;
}

static void
accept_forever(int s)
{
	int c;

	for (;;)
		if ((c = accept(s, NULL, NULL)) != -1)
			close(c);
}

static int
helper(int argc, char *argv[])
{
	struct sockaddr_un sun;
	socklen_t len;
	long abi;
	int s, port, e;
	char c;

	/*
	 * --deny-landlock PROG ARGS: run PROG where landlock_restrict_self
	 * fails (EPERM), as under a service manager's syscall filter, to
	 * show that serve's child then refuses to exec rsync.
	 */
	if (strcmp(argv[1], "--deny-landlock") == 0 && argc >= 3) {
		struct sock_filter f[] = {
			BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
			    offsetof(struct seccomp_data, nr)),
			BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K,
			    SYS_landlock_restrict_self, 0, 1),
			BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
			BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		};
		struct sock_fprog fp = { sizeof(f) / sizeof(f[0]), f };

		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1 ||
		    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &fp) == -1) {
			perror("hijack: seccomp");
			return 1;
		}
		execv(argv[2], argv + 2);
		perror("hijack: exec");
		return 127;
	}
	die_with_parent(getppid());
	if (strcmp(argv[1], "--free-port") == 0) {
		if ((s = tcp_listener(&port)) == -1) {
			perror("hijack: bind");
			return 1;
		}
		close(s);
		printf("%d\n", port);
		return 0;
	}
	if (strcmp(argv[1], "--landlock-abi") == 0) {
		abi = syscall(SYS_landlock_create_ruleset, NULL, 0,
		    LANDLOCK_VERSION_FLAG);
		printf("%ld\n", abi < 0 ? 0 : abi);
		return 0;
	}
	if (strcmp(argv[1], "--listen-tcp") == 0) {
		if ((s = tcp_listener(&port)) == -1) {
			perror("hijack: bind");
			return 1;
		}
		if (listen(s, 16) == -1) {
			perror("hijack: listen");
			return 1;
		}
		printf("%d\n", port);
		fflush(stdout);
		accept_forever(s);
	}
	if (strcmp(argv[1], "--listen-abstract") == 0 && argc == 3) {
		if ((s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
			return 1;
		len = abstract_addr(&sun, argv[2]);
		if (bind(s, (struct sockaddr *)&sun, len) == -1) {
			perror("hijack: bind abstract");
			return 1;
		}
		if (listen(s, 16) == -1)
			return 1;
		printf("ready\n");
		fflush(stdout);
		accept_forever(s);
	}
	if (strcmp(argv[1], "--listen-unix") == 0 && argc == 3) {
		if ((s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
			return 1;
		len = named_addr(&sun, argv[2]);
		if (bind(s, (struct sockaddr *)&sun, len) == -1 ||
		    listen(s, 16) == -1) {
			perror("hijack: bind unix");
			return 1;
		}
		printf("ready\n");
		fflush(stdout);
		accept_forever(s);
	}
	if (strcmp(argv[1], "--listen-unix-dgram") == 0 && argc == 3) {
		if ((s = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1)
			return 1;
		len = named_addr(&sun, argv[2]);
		if (bind(s, (struct sockaddr *)&sun, len) == -1) {
			perror("hijack: bind unix dgram");
			return 1;
		}
		printf("ready\n");
		fflush(stdout);
		for (;;)
			(void)!recv(s, &c, 1, 0);
	}
	if (strcmp(argv[1], "--probe-iouring") == 0) {
		if ((s = uring_socket(AF_INET, SOCK_DGRAM, &e)) == -1) {
			printf("%s\n", ename(e));
			return 1;
		}
		close(s);
		printf("ok\n");
		return 0;
	}
	if (strcmp(argv[1], "--target") == 0) {
		/* Yama (if loaded) must let the unsandboxed run attach. */
		prctl(PR_SET_PTRACER, PR_SET_PTRACER_ANY, 0, 0, 0);
		printf("%d\n", (int)getpid());
		fflush(stdout);
		for (;;)
			pause();
	}
	fprintf(stderr, "usage: hijack [--listen-tcp | --listen-abstract NAME"
	    " | --listen-unix PATH | --listen-unix-dgram PATH | --target"
	    " | --free-port | --landlock-abi | --probe-iouring]\n");
	return 2;
}

int
main(int argc, char *argv[])
{
	int i;

	if (argc >= 2 && strncmp(argv[1], "--", 2) == 0 &&
	    strcmp(argv[1], "--server") != 0)
		return helper(argc, argv);

	fprintf(stderr, "HIJACK started\n");
	for (i = 1; i < argc; i++)
		if (strcmp(argv[i], "--sender") == 0)
			sender = 1;
		else if (strncmp(argv[i], "--log-file=", 11) == 0)
			logfile = 1;
	read_params();
	if (p.dir[0] == '\0' || p.secret[0] == '\0' || p.outdir[0] == '\0') {
		fprintf(stderr, "HIJACK error: need dir, secret, outdir\n");
		return 2;
	}
	dl_iterate_phdr(find_interp, libdir);
	print_info(argc, argv);
	needs();
	outside_fs();
	inside_writes();
	inside_special();
	exec_and_ipc();
	other_roots();
	system_wide();
	uncovered_ops();
	extra_path();
	fprintf(stderr, "HIJACK done\n");
	return 0;
}
