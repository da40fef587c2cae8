/*
 * authorize.c - "rsguard authorize": the authorized_keys line that ties a
 * key to "rsguard serve", printed or installed atomically.
 *
 * MUST invariants (tests/integration/test_keys.sh, tests/unit):
 *  1. MUST emit a line that sshd parses back (authkeys) to exactly the
 *     command built here, and whose command the shell splits back to
 *     exactly serve's argv (every word shell-quoted).
 *  2. MUST put "restrict" (or, with --legacy-no-opts, every no-* option)
 *     and an absolute rsguard path and DIR in every line.
 *  3. --install MUST replace the file atomically: under a lock on its
 *     directory, afile_writeat (a temp file made O_CREAT|O_EXCL|O_NOFOLLOW
 *     beside it, fsync, rename, fsync of the directory); mode 0600, owner
 *     kept; other lines byte for byte; one line per key; a second run
 *     changes nothing.
 *  4. MUST NOT print or install a line whose serve would refuse its
 *     writable DIR for what it holds (exposure.c: the same check).
 */
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "afile.h"
#include "authkeys.h"
#include "commands.h"
#include "exposure.h"
#include "shword.h"
#include "util.h"

#define MAX_AUTHKEYS_FILE	(4 * 1024 * 1024)	/* bytes read */

static const char *const modeopts[] = {
	"-ro", "-wo", "-munge", "-no-del", "-no-overwrite", "-no-lock",
	"-absolute",
};
#define NMODEOPTS	(sizeof(modeopts) / sizeof(modeopts[0]))

static void
usage(int status)
{
	fprintf(status ? stderr : stdout,
"usage: rsguard authorize --key FILE.pub [--from HOSTS] [--legacy-no-opts]\n"
"           [-ro|-wo] [-munge] [-no-del] [-no-overwrite] [-no-lock]\n"
"           [-absolute] [--exact CMD] [--log WHERE] [--sandbox MODE]\n"
"           [--install [--file FILE]] DIR\n"
"\n"
"Print the authorized_keys line that lets the key run only\n"
"\"rsguard serve [options] DIR\" (restrict, from=, command=).\n"
"\n"
"  --key FILE.pub     the client's public key (from rsguard keygen)\n"
"  --from HOSTS       sshd from= patterns of the client (strongly advised)\n"
"  --legacy-no-opts   no-* options instead of restrict, for sshd < 7.2\n"
"  -ro -wo -munge -no-del -no-overwrite -no-lock -absolute\n"
"                     passed to rsguard serve (see rsguard(1))\n"
"  --exact CMD        allow only this exact rsync server command\n"
"  --log WHERE        serve's log: syslog (default), none, or a FILE path\n"
"  --sandbox MODE     serve's kernel sandbox: auto (default), require, off\n"
"  --install          add the line to ~/.ssh/authorized_keys atomically,\n"
"                     replacing a line for the same key\n"
"  --file FILE        with --install: this authorized_keys file instead\n"
"  -h, --help         this text\n");
	exit(status);
}

static int
has_ctl(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 1;
	return 0;
}

/* Read the first key line of a .pub file into *k (MUST: no options). */
static void
read_pub(const char *path, struct ak_line *k)
{
	char buf[MAX_AUTHKEYS_LINE + 2];
	const char *e;
	size_t n;
	FILE *f;

	if ((f = fopen(path, "r")) == NULL)
		err(1, "%s", path);
	for (;;) {
		if (fgets(buf, sizeof(buf), f) == NULL)
			errx(1, "%s: no public key in it", path);
		n = strlen(buf);
		if (n > 0 && buf[n - 1] == '\n')
			buf[--n] = '\0';
		else if (!feof(f))
			errx(1, "%s: line too long", path);
		if (authkeys_parse_line(buf, n, k, &e) == -1)
			errx(1, "%s: not a public key: %s", path, e);
		if (!k->blank)
			break;
		authkeys_free(k);
	}
	fclose(f);
	if (k->nopts != 0)
		errx(1, "%s: has options; give the plain public key (.pub)",
		    path);
	if (has_ctl(k->comment))
		errx(1, "%s: control character in the comment", path);
}

/* Slurp an open file (bounded); *len set; NUL-terminated. */
static char *
slurp(int fd, const char *path, size_t *len)
{
	size_t cap = 65536, n = 0;
	char *b = xmalloc(cap);
	ssize_t r;

	for (;;) {
		if (n + 1 >= cap) {
			if (cap >= MAX_AUTHKEYS_FILE)
				errx(1, "%s: larger than %d bytes", path,
				    MAX_AUTHKEYS_FILE);
			cap *= 2;
			b = xreallocarray(b, cap, 1);
		}
		if ((r = read(fd, b + n, cap - n - 1)) == -1) {
			if (errno == EINTR)
				continue;
			err(1, "read %s", path);
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	b[n] = '\0';
	*len = n;
	return b;
}

/*
 * New file contents: old with the first line for the key replaced by
 * `line' and later lines for it dropped, or `line' appended.
 */
static char *
merge(const char *old, size_t oldlen, const struct ak_line *key,
    const char *line, size_t *newlen, int *replaced, int *dropped)
{
	size_t cap = oldlen + strlen(line) + 2, o = 0, n;
	const char *p = old, *end = old + oldlen, *nl, *e;
	char *out = xmalloc(cap);
	struct ak_line l;
	int same;

	*replaced = *dropped = 0;
	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		same = 0;
		if (authkeys_parse_line(p, n, &l, &e) == 0) {
			same = authkeys_same_key(&l, key);
			authkeys_free(&l);
		}
		if (same && *replaced) {
			(*dropped)++;
		} else if (same) {
			memcpy(out + o, line, strlen(line));
			o += strlen(line);
			out[o++] = '\n';
			*replaced = 1;
		} else {
			memcpy(out + o, p, n);
			o += n;
			if (nl != NULL)
				out[o++] = '\n';
		}
		p += n + (nl != NULL);
	}
	if (!*replaced) {
		if (o > 0 && out[o - 1] != '\n')
			out[o++] = '\n';
		memcpy(out + o, line, strlen(line));
		o += strlen(line);
		out[o++] = '\n';
	}
	*newlen = o;
	return out;
}

static void
install(const char *file, int is_default, const struct ak_line *key,
    const char *line)
{
	char *dir, *base, *slash, *old, *new;
	const char *e;
	size_t oldlen = 0, newlen;
	struct stat st = { 0 }, dst;
	int dfd, fd, replaced, dropped;
	uid_t uid = (uid_t)-1;
	gid_t gid = (gid_t)-1;

	if (strchr(file, '/') == NULL)
		dir = xasprintf("./%s", file);
	else
		dir = xstrdup(file);
	slash = strrchr(dir, '/');
	*slash = '\0';
	base = slash + 1;
	if (*base == '\0')
		errx(1, "--file names a directory");
	if (is_default && mkdir(dir[0] ? dir : "/", 0700) == -1 &&
	    errno != EEXIST)
		err(1, "mkdir %s", dir);
	if ((dfd = open(dir[0] ? dir : "/", O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC)) == -1)
		err(1, "%s", dir);
	/* the directory's inode survives the rename: lock it, not the file */
	if (flock(dfd, LOCK_EX) == -1)
		err(1, "lock %s", dir);
	if (fstat(dfd, &dst) == -1)
		err(1, "%s", dir);
	if (is_default && dst.st_uid == geteuid() &&
	    (dst.st_mode & 077) != 0 && fchmod(dfd, 0700) == -1)
		err(1, "chmod 0700 %s", dir);
	else if ((dst.st_mode & 022) != 0)
		warnx("warning: %s is group or world writable: sshd's "
		    "StrictModes will ignore %s", dir, file);

	if ((fd = openat(dfd, base, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) ==
	    -1) {
		if (errno != ENOENT)
			err(1, "%s", file);
		old = xstrdup("");
		/* a new file belongs to the directory's owner, as ~/.ssh */
		uid = dst.st_uid;
		gid = dst.st_gid;
	} else {
		if (fstat(fd, &st) == -1)
			err(1, "%s", file);
		if (!S_ISREG(st.st_mode))
			errx(1, "%s: not a regular file", file);
		uid = st.st_uid;
		gid = st.st_gid;
		old = slurp(fd, file, &oldlen);
		close(fd);
	}
	new = merge(old, oldlen, key, line, &newlen, &replaced, &dropped);
	if (fd != -1 && newlen == oldlen && memcmp(old, new, newlen) == 0 &&
	    (st.st_mode & 07777) == 0600) {
		fprintf(stderr, "rsguard: %s already has this line; "
		    "unchanged\n", file);
		goto out;
	}
	/* authorize.c MUST 3: the owner is kept (only root can give it away) */
	if (afile_writeat(dfd, base, new, newlen, 0600, geteuid() == 0 ?
	    uid : (uid_t)-1, gid, &e) == -1)
		err(1, "%s: %s in %s", file, e, dir);
	fprintf(stderr, "rsguard: %s %s%s\n", replaced ?
	    "replaced the line for this key in" : "added the line to", file,
	    dropped ? " (and removed duplicate lines for it)" : "");
 out:
	close(dfd);	/* releases the lock */
	free(old);
	free(new);
	free(dir);
}

/*
 * authorize.c MUST 4: serve's check of a writable DIR, before anything
 * is printed.
 */
static void
check_exposure(const char *exe, const char *rdir, const char *file)
{
	struct exposure_ctx ctx;
	struct exposure_list l;
	struct passwd *pw;
	const char *es = NULL;
	char cwd[PATH_MAX], *abs = NULL;
	size_t w = 0;
	int r;

	if (file != NULL && file[0] != '/') {
		if (getcwd(cwd, sizeof(cwd)) == NULL)
			err(1, "getcwd");
		file = abs = xasprintf("%s/%s", cwd, file);
	}
	memset(&ctx, 0, sizeof(ctx));
	ctx.word = exe;
	ctx.self = exe;
	ctx.rsync = RSYNC_PATH;
	if ((pw = getpwuid(geteuid())) != NULL) {
		ctx.shell = pw->pw_shell;
		ctx.home = pw->pw_dir;
	}
	ctx.keys = file;
	exposure_init(&l);
	if (exposure_collect(&l, &ctx, &es) == -1 || (r = exposure_find(&l,
	    rdir, EXPOSURE_RUN | EXPOSURE_HOME, &w, &es)) == -1)
		errx(1, "cannot check what DIR %s holds: %s%s%s", rdir, es,
		    w < l.n ? ": " : "", w < l.n ? l.v[w].path : "");
	if (r == 1)
		errx(1, "DIR %s is writable and holds %s (%s): a client could "
		    "replace it and take the key over; serve would refuse "
		    "this line (use -ro, or a DIR apart from it)", rdir,
		    l.v[w].path, l.v[w].what);
	exposure_free(&l);
	free(abs);
}

/* Append " PREFIX WORD" to *cmd, shell-quoting WORD if asked. */
static void
add_word(char **cmd, const char *prefix, const char *word, int quote)
{
	char *q = quote ? shword_quote(word) : NULL, *w;

	w = xasprintf("%s %s%s", *cmd, prefix, q ? q : word);
	free(q);
	free(*cmd);
	*cmd = w;
}

struct auth_opts {
	const char	*keyfile;	/* --key */
	const char	*from;		/* --from */
	const char	*exact;		/* --exact */
	const char	*file;		/* --file */
	const char	*dirarg;	/* DIR */
	const char	*logto;		/* --log */
	const char	*sandbox;	/* --sandbox */
	int		 legacy;	/* --legacy-no-opts */
	int		 doinstall;	/* --install */
	int		 modes[NMODEOPTS];
};

/* The command line into *o, checked; exits on a bad one. */
static void
parse_args(int argc, char **argv, struct auth_opts *o)
{
	size_t j;
	int i;

	memset(o, 0, sizeof(*o));
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

#define VALOPT(nm, var)							\
		if (strcmp(a, nm) == 0) {				\
			if (i + 1 >= argc)				\
				errx(1, "%s needs a value", nm);	\
			var = argv[++i];				\
			continue;					\
		}							\
		if (strncmp(a, nm "=", sizeof(nm)) == 0) {		\
			var = a + sizeof(nm);				\
			continue;					\
		}
		VALOPT("--key", o->keyfile);
		VALOPT("--from", o->from);
		VALOPT("--exact", o->exact);
		VALOPT("--file", o->file);
		VALOPT("--log", o->logto);
		VALOPT("--sandbox", o->sandbox);
#undef VALOPT
		if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0)
			usage(0);
		if (strcmp(a, "--legacy-no-opts") == 0) {
			o->legacy = 1;
			continue;
		}
		if (strcmp(a, "--install") == 0) {
			o->doinstall = 1;
			continue;
		}
		for (j = 0; j < NMODEOPTS; j++)
			if (strcmp(a, modeopts[j]) == 0)
				break;
		if (j < NMODEOPTS) {
			o->modes[j] = 1;
			continue;
		}
		if (a[0] == '-') {
			warnx("unknown option %s", a);
			usage(1);
		}
		if (o->dirarg != NULL)
			errx(1, "only one DIR");
		o->dirarg = a;
	}
	if (o->keyfile == NULL || o->dirarg == NULL)
		usage(1);
	if (o->modes[0] && o->modes[1])
		errx(1, "-ro and -wo exclude each other");
	if (o->file != NULL && !o->doinstall)
		errx(1, "--file goes with --install");
	if (o->exact != NULL && (o->exact[0] == '\0' ||
	    has_ctl(o->exact)))
		errx(1, "--exact: empty or has a control character");
	/* serve's own rule: syslog, none, or an absolute file path. */
	if (o->logto != NULL && strcmp(o->logto, "syslog") != 0 &&
	    strcmp(o->logto, "none") != 0 && (o->logto[0] != '/' ||
	    has_ctl(o->logto)))
		errx(1, "--log takes syslog, none or an absolute file path");
	if (o->sandbox != NULL && strcmp(o->sandbox, "auto") != 0 &&
	    strcmp(o->sandbox, "require") != 0 &&
	    strcmp(o->sandbox, "off") != 0)
		errx(1, "--sandbox takes auto, require or off");
	if (o->sandbox != NULL && strcmp(o->sandbox, "off") == 0)
		warnx("warning: --sandbox off: a hijacked rsync could reach "
		    "everything this user can");
	if (o->from != NULL && (o->from[0] == '\0' ||
	    strpbrk(o->from, "\" \t") || has_ctl(o->from)))
		errx(1, "--from: give sshd patterns like "
		    "\"192.0.2.7,backup.example.org\" (no blanks or quotes)");
}

/*
 * authorize.c MUST 1: serve's command line, each word shell-quoted
 * (allocated).
 */
static char *
serve_command(const struct auth_opts *o, const char *exe, const char *rdir)
{
	char *cmd;
	size_t j;

	cmd = shword_quote(exe);
	add_word(&cmd, "", "serve", 0);
	if (o->logto != NULL)
		add_word(&cmd, "--log=", o->logto, 1);
	if (o->sandbox != NULL)
		add_word(&cmd, "--sandbox=", o->sandbox, 0);
	if (o->exact != NULL)
		add_word(&cmd, "--exact=", o->exact, 1);
	for (j = 0; j < NMODEOPTS; j++)
		if (o->modes[j])
			add_word(&cmd, "", modeopts[j], 0);
	add_word(&cmd, "", rdir, 1);

	return cmd;
}

/* The line tying key to cmd, emitted and read back (allocated). */
static char *
key_line(const struct auth_opts *o, const struct ak_line *key,
    const char *cmd)
{
	struct ak_line out;
	const char *e;
	char *line;
	size_t j;

	memset(&out, 0, sizeof(out));
	if (o->legacy) {
		static const enum ak_opt no[] = { AKO_NO_AGENT_FWD,
		    AKO_NO_PORT_FWD, AKO_NO_PTY, AKO_NO_USER_RC,
		    AKO_NO_X11_FWD };

		for (j = 0; j < sizeof(no) / sizeof(no[0]); j++)
			out.opts[out.nopts++].id = no[j];
	} else
		out.opts[out.nopts++].id = AKO_RESTRICT;
	if (o->from != NULL) {
		out.opts[out.nopts].id = AKO_FROM;
		out.opts[out.nopts++].value = (char *)(uintptr_t)o->from;
	}
	out.opts[out.nopts].id = AKO_COMMAND;
	out.opts[out.nopts++].value = (char *)(uintptr_t)cmd;
	out.type = key->type;
	out.b64 = key->b64;
	out.comment = key->comment;
	/* authorize.c MUST 1: what sshd reads back is what was meant */
	if ((line = authkeys_emit(&out, &e)) == NULL)
		errx(1, "cannot write the line: %s", e);
	return line;
}

int
authorize_main(int argc, char **argv)
{
	struct auth_opts o;
	char exe[PATH_MAX], rdir[PATH_MAX], *cmd, *line, *path = NULL;
	const char *file;
	struct ak_line key;
	struct passwd *pw;
	struct stat st;
	ssize_t n;

	parse_args(argc, argv, &o);
	file = o.file;
	read_pub(o.keyfile, &key);

	/* authorize.c MUST 2: absolute paths only */
	if ((n = readlink("/proc/self/exe", exe, sizeof(exe) - 1)) == -1)
		err(1, "cannot find this program's path (/proc/self/exe)");
	exe[n] = '\0';
	if (realpath(o.dirarg, rdir) == NULL)
		err(1, "DIR %s", o.dirarg);
	if (stat(rdir, &st) == -1 || !S_ISDIR(st.st_mode))
		errx(1, "DIR %s is not a directory", o.dirarg);
	if (has_ctl(rdir) || has_ctl(exe))
		errx(1, "control character in a path");
	if (!o.modes[0]) {
		char *ak = NULL;

		if (o.doinstall && file == NULL &&
		    (pw = getpwuid(geteuid())) != NULL)
			ak = xasprintf("%s/.ssh/authorized_keys", pw->pw_dir);
		check_exposure(exe, rdir, file != NULL ? file : ak);
		free(ak);
	}
	cmd = serve_command(&o, exe, rdir);
	line = key_line(&o, &key, cmd);
	if (o.from == NULL) {
		fprintf(stderr,
		    "rsguard: WARNING: no --from: sshd will accept this key "
		    "from ANY address.\n"
		    "rsguard: WARNING: add --from=CLIENT-ADDRESS so that a "
		    "stolen key is useless elsewhere.\n");
	}
	printf("%s\n", line);
	fflush(stdout);
	if (o.doinstall) {
		if (file == NULL) {
			if ((pw = getpwuid(geteuid())) == NULL)
				errx(1, "no passwd entry for uid %u",
				    (unsigned)geteuid());
			path = xasprintf("%s/.ssh/authorized_keys",
			    pw->pw_dir);
			file = path;
		}
		install(file, path != NULL, &key, line);
	}
	free(path);
	free(line);
	free(cmd);
	authkeys_free(&key);
	return 0;
}
