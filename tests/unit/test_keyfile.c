/* test_keyfile.c - keyfile_check: every local fault named, a good key ok. */
#define TEST_MODULE "keyfile"
#include <sys/stat.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "keyfile.h"
#include "spawn.h"
#include "test.h"

static char dir[] = "/tmp/rsguard-keyfile.XXXXXX";

static char *
at(const char *name)
{
	static char p[4][256];
	static int i;

	i = (i + 1) % 4;
	snprintf(p[i], sizeof(p[i]), "%s/%s", dir, name);
	return p[i];
}

static void
put(const char *name, const char *text, mode_t mode)
{
	FILE *f = fopen(at(name), "w");

	if (f == NULL)
		exit(2);
	fputs(text, f);
	fclose(f);
	chmod(at(name), mode);
}

static int
says(const char *name, const char *want)
{
	char why[512];

	why[0] = '\0';
	if (keyfile_check(at(name), why, sizeof(why)) != -1)
		return 0;
	if (strstr(why, want) == NULL) {
		fprintf(stderr, "%s: got \"%s\", want \"%s\"\n", name, why,
		    want);
		return 0;
	}
	return 1;
}

int
main(void)
{
	const char *kg[] = { "ssh-keygen", "-q", "-t", "ed25519", "-N", "",
	    "-f", NULL, NULL };
	const char *kgp[] = { "ssh-keygen", "-q", "-t", "ed25519", "-N",
	    "secret", "-f", NULL, NULL };
	struct spawn_result r;
	char why[512], cmd[600];

	if (mkdtemp(dir) == NULL)
		return 2;
	kg[7] = at("good");
	ASSERT_INT_EQ(spawn_run(kg, NULL, NULL, 20, SPAWN_OUT | SPAWN_ERR,
	    &r), 0);
	ASSERT_INT_EQ(r.status, 0);
	spawn_free(&r);
	kgp[7] = at("locked");
	ASSERT_INT_EQ(spawn_run(kgp, NULL, NULL, 20, SPAWN_OUT | SPAWN_ERR,
	    &r), 0);
	spawn_free(&r);

	ASSERT_INT_EQ(keyfile_check(at("good"), why, sizeof(why)), 0);
	ASSERT_TRUE(says("missing", "No such file or directory"));
	chmod(at("good"), 0644);
	ASSERT_TRUE(says("good", "mode 0644 gives group or others access"));
	chmod(at("good"), 0640);
	ASSERT_TRUE(says("good", "chmod 600"));
	chmod(at("good"), 0600);
	chmod(at("good.pub"), 0600);
	ASSERT_TRUE(says("good.pub", "this is a public key"));
	put("junk", "hello\n", 0600);
	ASSERT_TRUE(says("junk", "not a private key"));
	put("fake", "-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n"
	    "-----END OPENSSH PRIVATE KEY-----\n", 0600);
	ASSERT_TRUE(says("fake", "ssh-keygen cannot load it"));
	ASSERT_TRUE(says("locked", "needs a passphrase"));
	ASSERT_TRUE(says(".", "not a regular file"));
	ASSERT_INT_EQ(symlink("nowhere", at("dangling")), 0);
	ASSERT_TRUE(says("dangling", "dangling symlink"));
	if (geteuid() != 0) {
		chmod(at("good"), 0200);
		ASSERT_TRUE(says("good", "cannot read it"));
	}
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	(void)!system(cmd);
	return test_summary();
}
