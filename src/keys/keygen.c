/*
 * keygen.c - "rsguard keygen NAME": a dedicated ed25519 key without
 * passphrase, made by ssh-keygen, kept outside ~/.ssh so that agents and
 * keyrings do not pick it up.
 *
 * MUST invariants (tests/integration/test_keys.sh):
 *  1. MUST NOT overwrite an existing key or public key.
 *  2. MUST keep the key in a private directory and leave the private key
 *     0600: missing components are made 0700; an existing key directory
 *     is used only if it is ours, no symlink, and closed to group and
 *     others, and is never changed.  Checked on descriptors, not paths.
 *  3. MUST accept only NAMEs of [A-Za-z0-9._-], no leading dot, at most
 *     MAX_KEYNAME bytes: NAME is a file name, never a path.
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <err.h>
#include <fcntl.h>
#include <errno.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"
#include "paths.h"
#include "shword.h"
#include "spawn.h"
#include "util.h"

#define MAX_KEYNAME	64

static void
usage(int status)
{
	fprintf(status ? stderr : stdout,
"usage: rsguard keygen [--dir DIR] [-C COMMENT] NAME\n"
"\n"
"Make a dedicated ed25519 key without passphrase for unattended rsync,\n"
"with ssh-keygen, in ${XDG_CONFIG_HOME:-~/.config}/rsguard/keys/NAME\n"
"(/etc/rsguard/keys/NAME for root).  Never overwrites a key.\n"
"Missing directories are made 0700; an existing one that is not private\n"
"(group or others have access, owned by another user, or a symlink) is\n"
"refused and never changed.\n"
"\n"
"  --dir DIR    keep the key in DIR instead\n"
"  -C COMMENT   the key's comment (default rsguard-NAME@HOST)\n"
"  -h, --help   this text\n");
	exit(status);
}

/* keygen.c MUST 3 */
static int
valid_name(const char *s)
{
	size_t i;

	if (s[0] == '\0' || s[0] == '.' || strlen(s) > MAX_KEYNAME)
		return 0;
	for (i = 0; s[i] != '\0'; i++)
		if (!((s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= '0' && s[i] <= '9') || strchr("._-", s[i])))
			return 0;
	return 1;
}

/*
 * Set a regular file beneath dfd to mode and open it for reading, through
 * an O_PATH pin (ssh-keygen under a strict umask may leave it unreadable).
 * Returns an fd, or -1 with errno set.
 */
static int
fix_file(int dfd, const char *name, mode_t mode)
{
	char proc[32];
	struct stat st;
	int pfd, fd = -1;

	if ((pfd = openat(dfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC)) == -1)
		return -1;
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", pfd);
	if (fstat(pfd, &st) == -1)
		;
	else if (!S_ISREG(st.st_mode))
		errno = EINVAL;
	else if (chmod(proc, mode) == 0)
		fd = open(proc, O_RDONLY | O_CLOEXEC);
	close(pfd);
	return fd;
}

/*
 * keygen.c MUST 2: the directory that holds the key, opened on a descriptor.
 * Missing components are made 0700; an existing key directory is used
 * only if it is a directory (not a symlink), owned by us and 0700 or
 * tighter to group and others.  It is never changed.  Returns an fd or
 * exits with the reason and the fix.
 */
static int
open_keydir(const char *path)
{
	int dfd, made;
	struct stat st;

	if ((dfd = paths_mkdirs(path, 0700, PATHS_NOFOLLOW, &made)) == -1) {
		if ((errno == ELOOP || errno == ENOTDIR) &&
		    lstat(path, &st) == 0 && S_ISLNK(st.st_mode))
			errx(1, "%s is a symbolic link; not using it "
			    "(give --dir the directory it points to)", path);
		err(1, "%s", path);
	}
	if (fstat(dfd, &st) == -1)
		err(1, "%s", path);
	if (!S_ISDIR(st.st_mode))
		errx(1, "%s: not a directory", path);
	if (made)
		return dfd;
	if (st.st_uid != geteuid())
		errx(1, "%s is owned by uid %u, not by you (uid %u); not "
		    "using it (give --dir a directory of your own)", path,
		    (unsigned)st.st_uid, (unsigned)geteuid());
	/* NB. a shared directory (sticky, world-writable) is not ours to close */
	if ((st.st_mode & 077) != 0 && (st.st_mode & (S_ISVTX | 002)) != 0)
		errx(1, "%s is not private (mode %04o: a shared directory); "
		    "not using it and not changing it (give --dir a new "
		    "directory beneath it, e.g. %s/rsguard-keys)", path,
		    (unsigned)(st.st_mode & 07777), path);
	if ((st.st_mode & 077) != 0)
		errx(1, "%s is not private (mode %04o: group or others have "
		    "access); not using it and not changing it (fix: "
		    "chmod 700 %s, or give --dir a new directory)", path,
		    (unsigned)(st.st_mode & 07777), path);
	return dfd;
}

/* The command line: NAME, and --dir and -C when given. */
static void
parse_args(int argc, char **argv, const char **name, const char **dirarg,
    const char **comment)
{
	int i;

	*name = *dirarg = *comment = NULL;
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-h") == 0 ||
		    strcmp(argv[i], "--help") == 0)
			usage(0);
		else if (strcmp(argv[i], "--dir") == 0 && i + 1 < argc)
			*dirarg = argv[++i];
		else if (strncmp(argv[i], "--dir=", 6) == 0)
			*dirarg = argv[i] + 6;
		else if (strcmp(argv[i], "-C") == 0 && i + 1 < argc)
			*comment = argv[++i];
		else if (argv[i][0] == '-') {
			warnx("unknown option %s", argv[i]);
			usage(1);
		} else if (*name != NULL)
			usage(1);
		else
			*name = argv[i];
	}
	if (*name == NULL)
		usage(1);
}

/* How to use the new key: authorize on the server, rsync -e here. */
static void
print_next(const char *pub, const char *name, const char *qkey)
{
	printf("Next steps:\n"
	    "1. Copy %s to the server and there, as the account that owns\n"
	    "   the data, run (with this machine's address and the "
	    "directory),\n"
	    "   for a key that pulls from the server (read-only):\n"
	    "     rsguard authorize --key %s.pub --from CLIENT-ADDRESS "
	    "--install -ro /srv/DIR\n"
	    "   or for a key that pushes to it (write-only):\n"
	    "     rsguard authorize --key %s.pub --from CLIENT-ADDRESS "
	    "--install -wo /srv/DIR\n"
	    "2. Run rsync with the key and nothing else, to pull:\n"
	    "     rsync -a -e \"ssh -i %s -o IdentitiesOnly=yes "
	    "-o IdentityAgent=none\" USER@SERVER:/ /local/mirror/\n"
	    "   or to push:\n"
	    "     rsync -a -e \"ssh -i %s -o IdentitiesOnly=yes "
	    "-o IdentityAgent=none\" /local/data/ USER@SERVER:/\n",
	    pub, name, name, qkey, qkey);
}

int
keygen_main(int argc, char **argv)
{
	const char *name, *comment, *dirarg;
	const char *av[16];
	char *dir, *key, *pub, *pubname, *cmt, *qkey, host[256];
	struct spawn_result r;
	struct stat st;
	int i, dfd, kfd;
	FILE *f;
	char line[1024];

	parse_args(argc, argv, &name, &dirarg, &comment);
	if (!valid_name(name))
		errx(1, "NAME must be 1-%d characters of A-Z a-z 0-9 . _ - "
		    "and not start with a dot", MAX_KEYNAME);
	if (comment != NULL && strpbrk(comment, "\n\r") != NULL)
		errx(1, "the comment must be one line");
	dir = dirarg != NULL ? xstrdup(dirarg) : paths_keys_dir();
	if (dir[0] != '/') {
		char cwd[PATH_MAX], *d;

		if (getcwd(cwd, sizeof(cwd)) == NULL)
			err(1, "getcwd");
		d = xasprintf("%s/%s", cwd, dir);
		free(dir);
		dir = d;
	}
	dfd = open_keydir(dir);
	/* from here on, names beneath the checked descriptor only */
	if (fchdir(dfd) == -1)
		err(1, "%s", dir);
	key = xasprintf("%s/%s", dir, name);
	pub = xasprintf("%s.pub", key);
	pubname = xasprintf("%s.pub", name);
	/* keygen.c MUST 1 */
	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 ||
	    errno != ENOENT)
		errx(1, "%s exists; not overwriting it (choose another NAME "
		    "or remove it)", key);
	if (fstatat(dfd, pubname, &st, AT_SYMLINK_NOFOLLOW) == 0 ||
	    errno != ENOENT)
		errx(1, "%s exists; not overwriting it", pub);
	if (comment == NULL) {
		if (gethostname(host, sizeof(host)) == -1)
			strcpy(host, "localhost");
		host[sizeof(host) - 1] = '\0';
		cmt = xasprintf("rsguard-%s@%s", name, host);
	} else
		cmt = xstrdup(comment);

	i = 0;
	av[i++] = "ssh-keygen";
	av[i++] = "-q";
	av[i++] = "-t";
	av[i++] = "ed25519";
	av[i++] = "-N";
	av[i++] = "";
	av[i++] = "-C";
	av[i++] = cmt;
	av[i++] = "-f";
	av[i++] = name;		/* in the cwd: the checked directory */
	av[i] = NULL;
	/* stdin is /dev/null: ssh-keygen cannot be talked into overwriting */
	if (spawn_run(av, NULL, NULL, 60, SPAWN_ERR, &r) == -1)
		err(1, "cannot run ssh-keygen");
	if (r.status != 0) {
		fprintf(stderr, "%s", r.err ? r.err : "");
		errx(1, "ssh-keygen failed (status %d)", r.status);
	}
	spawn_free(&r);
	if ((kfd = fix_file(dfd, name, 0600)) == -1 ||
	    fstat(kfd, &st) == -1 || !S_ISREG(st.st_mode) ||
	    (st.st_mode & 07777) != 0600)
		errx(1, "%s: not a 0600 regular file after ssh-keygen", key);
	close(kfd);
	if ((kfd = fix_file(dfd, pubname, 0644)) == -1 ||
	    (f = fdopen(kfd, "r")) == NULL ||
	    fgets(line, sizeof(line), f) == NULL)
		err(1, "%s", pub);
	fclose(f);
	close(dfd);
	qkey = shword_quote(key);
	printf("Created %s (private, 0600) and %s.\n\n%s\n", key, pub, line);
	print_next(pub, name, qkey);
	free(qkey);
	free(cmt);
	free(key);
	free(pub);
	free(pubname);
	free(dir);
	return 0;
}
