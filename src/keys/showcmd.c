/*
 * showcmd.c - "rsguard showcmd -- rsync ARGS...": the exact rsync server
 * command that rsync client would send, found without any network by
 * running the real rsync client with rsguard itself as the remote shell
 * ("showcmd --stand-in"), which records what ssh would have sent and
 * exits so that rsync stops.
 *
 * MUST invariants (tests/unit/test_showcmd.c, tests/integration/test_pin.sh):
 *  1. MUST join the stand-in's words after HOST with single spaces, as
 *     ssh does when it builds the command sshd sees as
 *     SSH_ORIGINAL_COMMAND.
 *  2. MUST NOT run rsync for a command line that names no remote path
 *     (rsync would copy locally instead of calling the remote shell).
 *  3. MUST pass the command from the stand-in through a file created
 *     O_EXCL|O_NOFOLLOW in a private (0700) temporary directory.
 */
#include <sys/stat.h>

#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "authkeys.h"
#include "cmdline.h"
#include "commands.h"
#include "secluded.h"
#include "showcmd.h"
#include "spawn.h"
#include "util.h"

#define SHOWCMD_TIMEOUT	30	/* seconds rsync may take to give up */

/* rsync 3.5 options whose value may be the next word (rsync --help). */
static const char *const long_with_arg[] = {
	"--address", "--backup-dir", "--block-size", "--bwlimit",
	"--checksum-choice", "--checksum-seed", "--chmod", "--chown",
	"--compare-dest", "--compress-choice", "--compress-level",
	"--compress-threads", "--confine-root", "--contimeout", "--copy-as",
	"--copy-dest", "--debug", "--early-input", "--exclude",
	"--exclude-from", "--files-from", "--filter", "--groupmap",
	"--iconv", "--include", "--include-from", "--info", "--link-dest",
	"--log-file", "--log-file-format", "--max-alloc", "--max-delete",
	"--max-size", "--min-size", "--modify-window", "--only-write-batch",
	"--out-format", "--outbuf", "--partial-dir", "--password-file",
	"--port", "--protocol", "--read-batch", "--remote-option", "--rsh",
	"--rsync-path", "--skip-compress", "--sockopts", "--stderr",
	"--stop-after", "--stop-at", "--suffix", "--temp-dir", "--timeout",
	"--usermap", "--write-batch", NULL
};
static const char short_with_arg[] = "eBfTM@";

static int
is_remote(const char *a)
{
	const char *colon, *slash;

	if (strncmp(a, "rsync://", 8) == 0)
		return 1;
	if ((colon = strchr(a, ':')) == NULL)
		return 0;
	slash = strchr(a, '/');
	return slash == NULL || slash > colon;
}

int
showcmd_has_remote(int argc, char *const argv[])
{
	int i, j, opts = 1;
	const char *a, *p;

	for (i = 1; i < argc; i++) {
		a = argv[i];
		if (opts && strcmp(a, "--") == 0) {
			opts = 0;
			continue;
		}
		if (opts && a[0] == '-' && a[1] == '-') {
			if (strchr(a, '=') != NULL)
				continue;
			for (j = 0; long_with_arg[j] != NULL; j++)
				if (strcmp(a, long_with_arg[j]) == 0) {
					i++;	/* its value */
					break;
				}
			continue;
		}
		if (opts && a[0] == '-' && a[1] != '\0') {
			for (p = a + 1; *p != '\0'; p++)
				if (strchr(short_with_arg, *p) != NULL) {
					if (p[1] == '\0')
						i++;	/* value is the next word */
					break;
				}
			continue;
		}
		if (is_remote(a))
			return 1;
	}
	return 0;
}

char *
showcmd_join(int argc, char *const argv[], const char **errstr)
{
	size_t len = 0, o = 0, n;
	char *s;
	int i = 0, first;

	/* rsync adds only "-l USER" (and -4/-6 for ssh) before HOST. */
	while (i < argc && argv[i][0] == '-')
		i += strcmp(argv[i], "-l") == 0 ? 2 : 1;
	if (i >= argc) {
		*errstr = "no host among the remote shell's arguments";
		return NULL;
	}
	if (++i >= argc) {
		*errstr = "no command after the host";
		return NULL;
	}
	for (first = i; i < argc; i++) {
		len += strlen(argv[i]) + 1;
		if (len > MAX_SHOWCMD_LEN) {
			*errstr = "command is too long";
			return NULL;
		}
	}
	s = xmalloc(len);
	for (i = first; i < argc; i++) {
		if (i > first)
			s[o++] = ' ';
		n = strlen(argv[i]);
		memcpy(s + o, argv[i], n);
		o += n;
	}
	s[o] = '\0';
	return s;
}

/*
 * The words that follow "--server" up to the "." that ends the options;
 * calls fn on each (NUL-terminated copy) until it returns non-zero.
 */
static int
server_words(const char *cmd, int (*fn)(const char *))
{
	const char *p = strstr(cmd, " --server"), *e;
	char w[256];
	size_t n;
	int r;

	if (p == NULL)
		return 0;
	for (p += 9; *p == ' '; p++)
		;
	for (; *p != '\0'; p = *e ? e + 1 : e) {
		e = strchr(p, ' ');
		if (e == NULL)
			e = p + strlen(p);
		n = (size_t)(e - p);
		if (n == 1 && *p == '.')
			return 0;
		if (n >= sizeof(w))
			continue;	/* no option is that long */
		memcpy(w, p, n);
		w[n] = '\0';
		if ((r = fn(w)) != 0)
			return r;
	}
	return 0;
}

static int
w_protect(const char *w)
{
	const char *p;

	if (w[0] != '-' || w[1] == '-')
		return 0;
	/* "-slogDtpre.iLsfxCIvu": flags before the '.', compat after it. */
	for (p = w + 1; *p != '\0' && *p != '.'; p++)
		if (*p == 's')
			return 1;
	return -1;	/* only the first short-option cluster counts */
}

static int
w_sender(const char *w)
{
	return strcmp(w, "--sender") == 0;
}

int
showcmd_protect_args(const char *cmd)
{
	return server_words(cmd, w_protect) == 1;
}

/* Append s to b (at *o), always single-quoted for sh. */
static void
put_quoted(char *b, size_t *o, const char *s)
{
	b[(*o)++] = '\'';
	for (; *s != '\0'; s++) {
		if (*s == '\'') {
			memcpy(b + *o, "'\\''", 4);
			*o += 4;
		} else
			b[(*o)++] = *s;
	}
	b[(*o)++] = '\'';
}

char *
showcmd_fragment(const char *rsguard, const char *cmd, const char *dir)
{
	const char *mode = server_words(cmd, w_sender) ? "-ro" : "-wo", *e;
	struct ak_line l;
	size_t cap, o = 0;
	char *b, *r;

	/* Worst case: every byte becomes 4 ("'\''"), plus the fixed text. */
	cap = 4 * (strlen(rsguard) + strlen(cmd) + strlen(dir)) + 128;
	b = xmalloc(cap);
	put_quoted(b, &o, rsguard);
	o += (size_t)snprintf(b + o, cap - o, " serve --exact=");
	put_quoted(b, &o, cmd);
	o += (size_t)snprintf(b + o, cap - o, " %s ", mode);
	put_quoted(b, &o, dir);
	b[o] = '\0';
	/* sshd-quoted and read back by the one emitter authorize uses */
	memset(&l, 0, sizeof(l));
	l.opts[l.nopts++].id = AKO_RESTRICT;
	l.opts[l.nopts].id = AKO_COMMAND;
	l.opts[l.nopts++].value = b;
	r = authkeys_emit(&l, &e);
	free(b);
	return r;
}

static void __attribute__((noreturn))
usage(int status)
{
	FILE *f = status ? stderr : stdout;

	fprintf(f,
"usage: rsguard showcmd [-e SSH_CMD] [--authorized-keys=DIR] -- rsync ARGS...\n"
"\n"
"Prints the exact command (\"rsync --server ...\") that this rsync command\n"
"line would ask the remote side to run, as sshd passes it to a forced\n"
"command in SSH_ORIGINAL_COMMAND.  Nothing is sent over the network: the\n"
"real rsync client runs with rsguard standing in as its remote shell.\n"
"\n"
"  -e SSH_CMD                accepted and ignored (ssh options do not\n"
"                            change the command); so is rsync's own -e\n"
"  --authorized-keys=DIR     also print an authorized_keys fragment that\n"
"                            pins the key to this command with\n"
"                            \"rsguard serve --exact\" (-ro for a pull,\n"
"                            -wo for a push) confined to DIR\n"
"  -h, --help                this help\n"
"See rsguard-showcmd(1).\n");
	exit(status);
}

/*
 * rsync -s: the client sends the arguments on our stdin; the command is
 * then the one serve checks and --exact pins (secluded_command), and a
 * second line "-s" tells showcmd_main so.
 */
static char *
unseclude(char *cmd)
{
	struct strvec args = { NULL, 0, 0 };
	const char *rest, *es = NULL;
	char *full, *out;
	long at;

	if (cmdline_classify(cmd, &rest, &es) != CMD_RSYNC ||
	    (at = secluded_flag(rest)) == -1)
		return cmd;
	if (secluded_iconv(rest))
		errx(1, "%s", SECLUDED_ICONV_MSG);
	if (secluded_read(0, SHOWCMD_TIMEOUT * 1000 / 3, &args, &es) == -1)
		errx(1, "stand-in: rsync -s: %s", es);
	if ((full = secluded_command(rest, at, &args, &es)) == NULL)
		errx(1, "%s", es);
	out = xasprintf("%s\n-s\n", full);
	free(full);
	free(cmd);
	strvec_free(&args);
	return out;
}

/* The hidden remote-shell mode: record the command, make rsync stop. */
static int
stand_in(int argc, char **argv)
{
	const char *path = getenv(SHOWCMD_ENV), *es;
	char *cmd;
	size_t n;
	int fd;

	if (path == NULL || path[0] != '/')
		errx(1, "showcmd --stand-in is run by \"rsguard showcmd\" only");
	if ((cmd = showcmd_join(argc, argv, &es)) == NULL)
		errx(1, "stand-in: %s", es);
	if (showcmd_protect_args(cmd))
		cmd = unseclude(cmd);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	    0600);
	if (fd == -1)
		err(1, "stand-in: %s", path);
	n = strlen(cmd);
	if (write(fd, cmd, n) != (ssize_t)n || close(fd) == -1)
		err(1, "stand-in: %s", path);
	free(cmd);
	/* Nothing on stdout: rsync reads it as the protocol stream. */
	return 1;
}

static char *
read_small(const char *path, size_t *len)
{
	char *b = xmalloc(MAX_SHOWCMD_LEN + 1);
	ssize_t n;
	size_t o = 0;
	int fd;

	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) == -1) {
		free(b);
		return NULL;
	}
	while (o < MAX_SHOWCMD_LEN &&
	    (n = read(fd, b + o, MAX_SHOWCMD_LEN - o)) > 0)
		o += (size_t)n;
	close(fd);
	b[o] = '\0';
	*len = o;
	return b;
}

int
showcmd_main(int argc, char **argv)
{
	const char *akdir = NULL, *tmp, **av;
	char self[PATH_MAX], tdir[PATH_MAX], out[PATH_MAX + 8], *ecmd, *cmd;
	struct spawn_result r;
	size_t len;
	int i, j, n, at;

	if (argc >= 2 && strcmp(argv[1], "--stand-in") == 0)
		return stand_in(argc - 2, argv + 2);
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0) {
			i++;
			break;
		}
		if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0)
			usage(0);
		else if (strcmp(argv[i], "-e") == 0 && i + 1 < argc)
			i++;	/* ssh options do not change the command */
		else if (strncmp(argv[i], "--authorized-keys=", 18) == 0)
			akdir = argv[i] + 18;
		else if (strcmp(argv[i], "--authorized-keys") == 0 &&
		    i + 1 < argc)
			akdir = argv[++i];
		else if (argv[i][0] == '-')
			errx(1, "unknown option %s (see \"rsguard showcmd -h\")",
			    argv[i]);
		else
			break;
	}
	if (i >= argc)
		usage(1);
	if (akdir != NULL && akdir[0] != '/')
		errx(1, "--authorized-keys needs an absolute DIR");
	n = argc - i;
	if (!showcmd_has_remote(n, argv + i))
		errx(1, "no remote path (HOST:PATH) in the rsync command line; "
		    "rsync would copy locally, so it was not run");
	if (realpath("/proc/self/exe", self) == NULL)
		err(1, "cannot find the rsguard executable");
	if (strchr(self, '\'') != NULL)
		errx(1, "the rsguard path contains a quote: %s", self);

	tmp = getenv("TMPDIR");
	snprintf(tdir, sizeof(tdir), "%s/rsguard-showcmd.XXXXXX",
	    tmp != NULL && tmp[0] == '/' ? tmp : "/tmp");
	if (mkdtemp(tdir) == NULL)	/* mode 0700 */
		err(1, "mkdtemp %s", tdir);
	snprintf(out, sizeof(out), "%s/cmd", tdir);
	if (setenv(SHOWCMD_ENV, out, 1) == -1)
		err(1, "setenv");

	/* rsync splits -e on blanks, honouring '...' quotes. */
	ecmd = xasprintf("'%s' showcmd --stand-in", self);
	/* Last -e wins; after a bare "--" it would be a file name. */
	for (at = i + 1; at < argc && strcmp(argv[at], "--") != 0; at++)
		;
	av = xcalloc((size_t)n + 3, sizeof(*av));
	for (j = 0; i < argc; i++) {
		if (i == at) {
			av[j++] = "-e";
			av[j++] = ecmd;
		}
		av[j++] = argv[i];
	}
	if (at == argc) {
		av[j++] = "-e";
		av[j++] = ecmd;
	}
	av[j] = NULL;
	if (spawn_run(av, NULL, NULL, SHOWCMD_TIMEOUT, SPAWN_OUT | SPAWN_ERR,
	    &r) == -1)
		err(1, "cannot run %s", av[0]);
	cmd = read_small(out, &len);
	(void)unlink(out);
	(void)rmdir(tdir);
	if (cmd == NULL || len == 0) {
		if (r.errlen > 0)
			fprintf(stderr, "%s", r.err);
		errx(1, "%s did not start its remote shell (exit %d%s)", av[0],
		    r.status, r.timed_out ? ", timed out" : "");
	}
	if (len > 4 && strcmp(cmd + len - 4, "\n-s\n") == 0) {
		cmd[len - 4] = '\0';
		fprintf(stderr, "rsguard: note: secluded args (-s) are on: "
		    "the client sends the arguments on the connection; serve "
		    "reads them and checks (and --exact pins) this command, "
		    "which is what it runs without -s\n");
	}
	printf("%s\n", cmd);
	if (akdir != NULL) {
		char *frag = showcmd_fragment(self, cmd, akdir);

		if (frag == NULL)
			errx(1, "cannot write an authorized_keys fragment "
			    "for this command (too long, or a newline in it)");
		printf("%s\n", frag);
		free(frag);
	}
	spawn_free(&r);
	free(cmd);
	free(av);
	free(ecmd);
	return 0;
}
