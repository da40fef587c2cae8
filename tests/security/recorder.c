/*
 * recorder.c - a fake rsync for tests/security/run.sh (part A) and
 * tests/integration/test_serve_cli.sh: it records what rsguard serve
 * handed over, and nothing else.
 *
 * Under "rsguard serve --sandbox=require" the child may neither exec
 * another program nor write outside DIR, so the record goes to fd 2
 * (rsguard's own stderr, the only channel out), one line per fact, each
 * prefixed "REC " so the harness can tell them from rsguard's lines:
 *
 *	REC CWD path		the working directory
 *	REC ARG word		each argument, in order
 *	REC RES word => path	each path argument resolved (see resolve())
 *	REC FD n target		each open descriptor, through /proc/self/fd
 *	REC ENV name=value	each environment string
 *	REC PROBE name result	only when a path argument's last component
 *				is "sandbox-probe": what the sandbox lets
 *				rsync do (see probes())
 *	REC END			the record is complete
 *
 * Bytes below 0x20 and 0x7f are written as \ooo so that one fact stays
 * one line.  The descriptors are found by probing (fcntl F_GETFD), since
 * the sandbox may deny listing /proc/self/fd; readlink(2) and stat(2) are
 * not file accesses Landlock restricts.  Exit status 0, or 1 if the
 * record could not be written.
 */
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAXLINKS	40	/* symlinks followed per path */
#define MAXFD		65536	/* highest descriptor probed, minus one */

extern char **environ;

struct buf {
	char	*s;
	size_t	 len;
	size_t	 cap;
};

static void
oom(void)
{
	static const char msg[] = "REC recorder: out of memory\n";

	(void)!write(2, msg, sizeof(msg) - 1);
	_exit(1);
}

static void
buf_add(struct buf *b, const char *s, size_t n)
{
	char *p;
	size_t ncap;

	if (b->len + n + 1 > b->cap) {
		ncap = b->cap ? b->cap : 256;
		while (ncap < b->len + n + 1)
			ncap *= 2;
		if ((p = realloc(b->s, ncap)) == NULL)
			oom();
		b->s = p;
		b->cap = ncap;
	}
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

static void
buf_str(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

/* Write s with control bytes as \ooo. */
static void
put_escaped(const char *s)
{
	const unsigned char *p;

	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		if (*p < 0x20 || *p == 0x7f)
			fprintf(stderr, "\\%03o", *p);
		else
			putc(*p, stderr);
	}
}

static void
emit(const char *tag, const char *s)
{
	fprintf(stderr, "REC %s", tag);
	if (s != NULL) {
		putc(' ', stderr);
		put_escaped(s);
	}
	putc('\n', stderr);
}

/*
 * What readlink -m would print for the absolute path in: every symlink in
 * every component followed, "." and ".." applied to what has been resolved
 * so far, missing components kept as they are.  After MAXLINKS links (a
 * loop) the remaining components are kept as they are, too.
 */
static char *
canonical(const char *in)
{
	struct buf res = { NULL, 0, 0 }, rest = { NULL, 0, 0 };
	struct buf nrest = { NULL, 0, 0 }, tmp;
	char link[PATH_MAX];
	size_t off, n;
	ssize_t ln;
	int links = 0;

	buf_str(&rest, in);
	buf_add(&res, "", 0);
	off = 0;
	while (off < rest.len) {
		while (rest.s[off] == '/')
			off++;
		n = strcspn(rest.s + off, "/");
		if (n == 0)
			break;
		if (n == 1 && rest.s[off] == '.') {
			off += n;
			continue;
		}
		if (n == 2 && rest.s[off] == '.' && rest.s[off + 1] == '.') {
			while (res.len > 0 && res.s[--res.len] != '/')
				;
			res.s[res.len] = '\0';
			off += n;
			continue;
		}
		buf_add(&res, "/", 1);
		buf_add(&res, rest.s + off, n);
		off += n;
		ln = readlink(res.s, link, sizeof(link) - 1);
		if (ln == -1)
			continue;	/* not a link, or missing: keep it */
		if (++links > MAXLINKS)
			continue;	/* a loop: keep the rest literal */
		link[ln] = '\0';
		/* drop the link itself, then resolve target + remainder */
		while (res.len > 0 && res.s[--res.len] != '/')
			;
		res.s[res.len] = '\0';
		if (link[0] == '/') {
			res.len = 0;
			res.s[0] = '\0';
		}
		nrest.len = 0;
		buf_str(&nrest, link);
		buf_add(&nrest, "/", 1);
		buf_str(&nrest, rest.s + off);
		tmp = rest;
		rest = nrest;
		nrest = tmp;
		off = 0;
	}
	if (res.len == 0)
		buf_add(&res, "/", 1);
	free(rest.s);
	free(nrest.s);
	return res.s;
}

/*
 * Resolve one path argument as rsync would open it: /proc/self/fd/N[/rest]
 * through our own descriptor N (which is rsync's), an absolute path as it
 * is, anything else below the working directory.
 */
static void
resolve(const char *v, const char *cwd)
{
	static const char pfx[] = "/proc/self/fd/";
	struct buf in = { NULL, 0, 0 }, line = { NULL, 0, 0 };
	char fdpath[64], target[PATH_MAX];
	const char *rest, *slash;
	char *out;
	ssize_t ln;
	size_t n;

	if (strncmp(v, pfx, sizeof(pfx) - 1) == 0) {
		rest = v + sizeof(pfx) - 1;
		slash = strchr(rest, '/');
		n = slash ? (size_t)(slash - rest) : strlen(rest);
		if (n == 0 || n > 10 || strspn(rest, "0123456789") < n) {
			ln = -1;
		} else {
			snprintf(fdpath, sizeof(fdpath), "/proc/self/fd/%.*s",
			    (int)n, rest);
			ln = readlink(fdpath, target, sizeof(target) - 1);
		}
		if (ln == -1 || target[0] != '/') {
			buf_str(&in, "<bad-fd-");
			buf_add(&in, rest, n);
			buf_str(&in, ">");
		} else {
			target[ln] = '\0';
			buf_str(&in, target);
		}
		if (slash != NULL)
			buf_str(&in, slash);
	} else if (v[0] == '/') {
		buf_str(&in, v);
	} else {
		buf_str(&in, cwd);
		buf_add(&in, "/", 1);
		buf_str(&in, v);
	}
	out = in.s[0] == '/' ? canonical(in.s) : NULL;
	buf_str(&line, v);
	buf_str(&line, " => ");
	buf_str(&line, out != NULL ? out : in.s);
	emit("RES", line.s);
	free(line.s);
	free(out);
	free(in.s);
}

static void
list_fds(void)
{
	struct rlimit rl;
	char fdpath[64], target[PATH_MAX], line[PATH_MAX + 32];
	ssize_t ln;
	int fd, max = MAXFD;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < MAXFD)
		max = (int)rl.rlim_cur;
	for (fd = 0; fd < max; fd++) {
		if (fcntl(fd, F_GETFD) == -1)
			continue;
		snprintf(fdpath, sizeof(fdpath), "/proc/self/fd/%d", fd);
		ln = readlink(fdpath, target, sizeof(target) - 1);
		if (ln == -1)
			snprintf(target, sizeof(target), "<%s>",
			    strerror(errno));
		else
			target[ln] = '\0';
		snprintf(line, sizeof(line), "%d %s", fd, target);
		emit("FD", line);
	}
}

static void
probe_result(const char *name, int r, int err)
{
	char line[128];

	if (r == 0)
		snprintf(line, sizeof(line), "%s ok", name);
	else
		snprintf(line, sizeof(line), "%s denied %s", name,
		    strerror(err));
	emit("PROBE", line);
}

static void
probe_open(const char *name, const char *path, int flags)
{
	int fd, err;

	fd = open(path, flags | O_CLOEXEC, 0600);
	err = errno;
	if (fd != -1) {
		close(fd);
		if (flags & O_CREAT)
			(void)unlink(path);
	}
	probe_result(name, fd == -1 ? -1 : 0, err);
}

/*
 * What rsync could do beyond its job, relative to the working directory
 * (DIR): each attempt is undone when it succeeds.  The harness knows what
 * lies at ../outside.
 */
static void
probes(void)
{
	pid_t pid;
	int r, st, err;

	probe_open("read_outside", "../outside/secret.txt", O_RDONLY);
	probe_open("read_etc_passwd", "/etc/passwd", O_RDONLY);
	probe_open("list_parent", "..", O_RDONLY | O_DIRECTORY);
	probe_open("write_outside", "../outside/sandbox-probe.w",
	    O_WRONLY | O_CREAT | O_EXCL);
	probe_open("create_in_dir", "sandbox-probe.new",
	    O_WRONLY | O_CREAT | O_EXCL);

	r = mkfifo("sandbox-probe.fifo", 0600);
	err = errno;
	if (r == 0)
		(void)unlink("sandbox-probe.fifo");
	probe_result("mkfifo_in_dir", r, err);

	r = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	err = errno;
	if (r != -1) {
		close(r);
		r = 0;
	}
	probe_result("socket_inet", r, err);

	r = kill(getppid(), 0);
	probe_result("signal_parent", r, errno);

	/* exec: the child reports execve's errno as its exit status */
	fflush(stderr);
	if ((pid = fork()) == -1) {
		probe_result("exec_bin_true", -1, errno);
		return;
	}
	if (pid == 0) {
		char *av[] = { NULL, NULL }, *ev[] = { NULL };
		char prog[] = "/bin/true";

		av[0] = prog;
		execve(prog, av, ev);
		_exit(errno > 0 && errno < 256 ? errno : 255);
	}
	if (waitpid(pid, &st, 0) == -1)
		probe_result("exec_bin_true", -1, errno);
	else if (WIFEXITED(st))
		probe_result("exec_bin_true", WEXITSTATUS(st) ? -1 : 0,
		    WEXITSTATUS(st));
	else
		probe_result("exec_bin_true", -1, EINTR);
}

static int
is_probe(const char *v)
{
	const char *leaf;
	size_t n = strlen(v);

	while (n > 0 && v[n - 1] == '/')
		n--;
	for (leaf = v + n; leaf > v && leaf[-1] != '/'; leaf--)
		;
	return (size_t)(v + n - leaf) == strlen("sandbox-probe") &&
	    strncmp(leaf, "sandbox-probe", v + n - leaf) == 0;
}

int
main(int argc, char *argv[])
{
	char **e, *cwd;
	const char *v;
	int i, seen_dd = 0, probe = 0;

	/* descriptors first, before stdio could open anything of its own */
	setvbuf(stderr, NULL, _IOFBF, BUFSIZ);
	list_fds();

	if ((cwd = getcwd(NULL, 0)) == NULL) {
		cwd = strdup("<getcwd failed>");
		if (cwd == NULL)
			oom();
	}
	emit("CWD", cwd);
	for (i = 1; i < argc; i++)
		emit("ARG", argv[i]);
	/* paths: --opt=VALUE before the "--", every word after it */
	for (i = 1; i < argc; i++) {
		v = argv[i];
		if (!seen_dd) {
			if (strcmp(v, "--") == 0) {
				seen_dd = 1;
				continue;
			}
			if (strncmp(v, "--", 2) != 0 ||
			    (v = strchr(v, '=')) == NULL)
				continue;
			v++;
		} else if (is_probe(v))
			probe = 1;
		resolve(v, cwd);
	}
	for (e = environ; *e != NULL; e++)
		emit("ENV", *e);
	if (probe)
		probes();
	emit("END", NULL);
	free(cwd);
	if (fflush(stderr) == EOF || ferror(stderr))
		return 1;
	return 0;
}
