/*
 * keygen.c - "rsguard keygen NAME": a dedicated ed25519 key without
 * passphrase, made by ssh-keygen, kept outside ~/.ssh so that agents and
 * keyrings do not pick it up.
 *
 * MUST invariants (tests/integration/test_keys.sh):
 *  1. MUST NOT overwrite an existing key or public key.
 *  2. MUST leave the key directory 0700 and the private key 0600.
 *  3. MUST accept only NAMEs of [A-Za-z0-9._-], no leading dot, at most
 *     MAX_KEYNAME bytes: NAME is a file name, never a path.
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <err.h>
#include <errno.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"
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
"\n"
"  --dir DIR    keep the key in DIR instead\n"
"  -C COMMENT   the key's comment (default rsguard-NAME@HOST)\n"
"  -h, --help   this text\n");
	exit(status);
}

/* MUST 3 */
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

/* mkdir -p with mode 0700 for the components it creates. */
static void
mkdirs(const char *path)
{
	char *p = xstrdup(path), *s;

	for (s = p + 1; ; s++) {
		if (*s == '/' || *s == '\0') {
			char c = *s;

			*s = '\0';
			if (mkdir(p, 0700) == -1 && errno != EEXIST)
				err(1, "mkdir %s", p);
			*s = c;
			if (c == '\0')
				break;
		}
	}
	free(p);
}

static char *
default_dir(void)
{
	const char *x = getenv("XDG_CONFIG_HOME"), *home;
	struct passwd *pw;

	if (geteuid() == 0)
		return xstrdup("/etc/rsguard/keys");
	if (x != NULL && x[0] == '/')
		return xasprintf("%s/rsguard/keys", x);
	if ((home = getenv("HOME")) == NULL || home[0] != '/') {
		if ((pw = getpwuid(getuid())) == NULL)
			errx(1, "who am I? no HOME and no passwd entry");
		home = pw->pw_dir;
	}
	return xasprintf("%s/.config/rsguard/keys", home);
}

int
keygen_main(int argc, char **argv)
{
	const char *name = NULL, *comment = NULL, *dirarg = NULL;
	const char *av[16];
	char *dir, *key, *pub, *cmt, *qkey, host[256];
	struct spawn_result r;
	struct stat st;
	int i;
	FILE *f;
	char line[1024];

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-h") == 0 ||
		    strcmp(argv[i], "--help") == 0)
			usage(0);
		else if (strcmp(argv[i], "--dir") == 0 && i + 1 < argc)
			dirarg = argv[++i];
		else if (strncmp(argv[i], "--dir=", 6) == 0)
			dirarg = argv[i] + 6;
		else if (strcmp(argv[i], "-C") == 0 && i + 1 < argc)
			comment = argv[++i];
		else if (argv[i][0] == '-') {
			warnx("unknown option %s", argv[i]);
			usage(1);
		} else if (name != NULL)
			usage(1);
		else
			name = argv[i];
	}
	if (name == NULL)
		usage(1);
	if (!valid_name(name))
		errx(1, "NAME must be 1-%d characters of A-Z a-z 0-9 . _ - "
		    "and not start with a dot", MAX_KEYNAME);
	if (comment != NULL && strpbrk(comment, "\n\r") != NULL)
		errx(1, "the comment must be one line");
	dir = dirarg != NULL ? xstrdup(dirarg) : default_dir();
	if (dir[0] != '/') {
		char cwd[PATH_MAX], *d;

		if (getcwd(cwd, sizeof(cwd)) == NULL)
			err(1, "getcwd");
		d = xasprintf("%s/%s", cwd, dir);
		free(dir);
		dir = d;
	}
	mkdirs(dir);
	{
		char rp[PATH_MAX];

		if (realpath(dir, rp) == NULL)
			err(1, "%s", dir);
		free(dir);
		dir = xstrdup(rp);
	}
	/* MUST 2: the directory that holds the key is ours and 0700 */
	if (lstat(dir, &st) == -1)
		err(1, "%s", dir);
	if (!S_ISDIR(st.st_mode))
		errx(1, "%s: not a directory", dir);
	if (st.st_uid != geteuid())
		errx(1, "%s: owned by uid %u, not by you", dir,
		    (unsigned)st.st_uid);
	if ((st.st_mode & 077) != 0 && chmod(dir, 0700) == -1)
		err(1, "chmod 0700 %s", dir);
	key = xasprintf("%s/%s", dir, name);
	pub = xasprintf("%s.pub", key);
	/* MUST 1 */
	if (lstat(key, &st) == 0 || errno != ENOENT)
		errx(1, "%s exists; not overwriting it (choose another NAME "
		    "or remove it)", key);
	if (lstat(pub, &st) == 0 || errno != ENOENT)
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
	av[i++] = key;
	av[i] = NULL;
	/* stdin is /dev/null: ssh-keygen cannot be talked into overwriting */
	if (spawn_run(av, NULL, NULL, 60, SPAWN_ERR, &r) == -1)
		err(1, "cannot run ssh-keygen");
	if (r.status != 0) {
		fprintf(stderr, "%s", r.err ? r.err : "");
		errx(1, "ssh-keygen failed (status %d)", r.status);
	}
	spawn_free(&r);
	if (chmod(key, 0600) == -1 || chmod(pub, 0644) == -1)
		err(1, "chmod %s", key);
	if (lstat(key, &st) == -1 || !S_ISREG(st.st_mode) ||
	    (st.st_mode & 07777) != 0600)
		errx(1, "%s: not a 0600 regular file after ssh-keygen", key);

	if ((f = fopen(pub, "r")) == NULL || fgets(line, sizeof(line), f) ==
	    NULL)
		err(1, "%s", pub);
	fclose(f);
	qkey = shword_quote(key);
	printf("Created %s (private, 0600) and %s.\n\n%s\n", key, pub, line);
	printf("Next steps:\n"
	    "1. Copy %s to the server and there, as the account that owns\n"
	    "   the data, run (with this machine's address and the "
	    "directory):\n"
	    "     rsguard authorize --key %s.pub --from CLIENT-ADDRESS "
	    "--install -ro /srv/DIR\n"
	    "2. Pull from this machine with the key and nothing else:\n"
	    "     rsync -a -e \"ssh -i %s -o IdentitiesOnly=yes "
	    "-o IdentityAgent=none\" USER@SERVER:/ /local/mirror/\n",
	    pub, name, qkey);
	free(qkey);
	free(cmt);
	free(key);
	free(pub);
	free(dir);
	return 0;
}
