/*
 * keyfile.c - the local checks of a job's (or check's) private key, so
 * that a fault on this machine is named as such and never reported as
 * "the server refused the key".
 *
 * MUST 1: say ok only after ssh-keygen has loaded the key without a
 *         passphrase: a file that merely looks like a key is not enough.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "keyfile.h"
#include "spawn.h"

#define KEY_HEAD	64	/* bytes read to recognise the format */

static int
refuse(char *why, size_t whysz, const char *path, const char *detail)
{
	snprintf(why, whysz, "key file %s: %s", path, detail);
	return -1;
}

static int
cannot_read(char *why, size_t whysz, const char *path)
{
	snprintf(why, whysz, "key file %s: cannot read it: %s", path,
	    strerror(errno));
	return -1;
}

int
keyfile_check(const char *path, char *why, size_t whysz)
{
	const char *kg[] = { "ssh-keygen", "-y", "-P", "", "-f", path, NULL };
	struct spawn_result r;
	struct stat sb;
	char head[KEY_HEAD + 1];
	ssize_t n;
	int fd;

	if (lstat(path, &sb) == -1)
		return refuse(why, whysz, path, strerror(errno));
	if (stat(path, &sb) == -1)
		return refuse(why, whysz, path, "a dangling symlink");
	if (!S_ISREG(sb.st_mode))
		return refuse(why, whysz, path,
		    "not a regular file");
	/* ssh ignores such a key; it is also no longer a secret */
	if (sb.st_mode & 077) {
		char m[80];
		snprintf(m, sizeof(m), "mode %04o gives group or others "
		    "access; ssh will not use it (chmod 600 it)",
		    (unsigned)(sb.st_mode & 07777));
		return refuse(why, whysz, path, m);
	}
	if ((fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)) == -1)
		return cannot_read(why, whysz, path);
	n = read(fd, head, KEY_HEAD);
	close(fd);
	if (n < 0)
		return cannot_read(why, whysz, path);
	head[n] = '\0';
	if (strncmp(head, "ssh-", 4) == 0 || strncmp(head, "ecdsa-", 6) == 0 ||
	    strncmp(head, "sk-", 3) == 0)
		return refuse(why, whysz, path, "this is "
		    "a public key; name the private key (the file without "
		    ".pub)");
	if (strncmp(head, "-----BEGIN ", 11) != 0 ||
	    strstr(head, "PRIVATE KEY-----") == NULL)
		return refuse(why, whysz, path,
		    "not a private key (no \"-----BEGIN ... PRIVATE "
		    "KEY-----\" line)");
	/* keyfile.c MUST 1 */
	if (spawn_run(kg, NULL, NULL, 10, SPAWN_OUT | SPAWN_ERR, &r) == -1)
		return refuse(why, whysz, path,
		    "cannot run ssh-keygen to load it");
	if (r.status != 0 || r.timed_out) {
		char d[160];
		snprintf(d, sizeof(d), "%s", r.err ? r.err : "");
		d[strcspn(d, "\r\n")] = '\0';
		spawn_free(&r);
		if (strstr(d, "passphrase") != NULL)
			return refuse(why, whysz, path,
			    "it needs a passphrase: an unattended ssh "
			    "(BatchMode) cannot use it");
		snprintf(why, whysz, "key file %s: ssh-keygen cannot load "
		    "it: %s", path, d[0] ? d : "(no message)");
		return -1;
	}
	spawn_free(&r);
	return 0;
}
