/*
 * test_opttab.c - the option table: sorted, searchable, and in step with
 * the installed rsync's --help, so that a new rsync option fails this test
 * until someone decides whether a client can send it to a server.
 */
#define TEST_MODULE "opttab"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "opttab.h"
#include "test.h"

#ifndef RSYNC_PATH
#define RSYNC_PATH "rsync"
#endif

/*
 * Long options `rsync --help' lists that are deliberately NOT in opttab,
 * with a one-word reason:
 *   short    - the client sends it to the server as a short letter
 *   client   - acted on by the client only, never sent to a server
 *   local    - local/batch use only, no server involved
 *   daemon   - daemon (rsync://) mode only
 *   protocol - travels inside the protocol (filter rules), not argv
 *   alias    - another spelling; the client sends the canonical name
 *   capab    - sent folded into the "-e.xxx" capability string
 *   rrsync   - added by rrsync itself; the client must not send it
 *   omitted  - sendable, but rrsync 3.5.0 deliberately refuses it
 */
static const struct {
	const char *name, *why;
} help_only[] = {
	{ "8-bit-output",	"client" },
	{ "acls",		"short" },	/* -A */
	{ "address",		"client" },
	{ "append-verify",	"omitted" },	/* sent as --append --append */
	{ "archive",		"short" },	/* -rlptgoD */
	{ "atimes",		"short" },	/* -U */
	{ "backup",		"short" },	/* -b */
	{ "blocking-io",	"client" },
	{ "cc",			"alias" },	/* --checksum-choice */
	{ "checksum",		"short" },	/* -c */
	{ "chmod",		"client" },
	{ "chown",		"client" },	/* becomes --usermap/--groupmap */
	{ "compress",		"short" },	/* -z */
	{ "confine-root",	"rrsync" },
	{ "contimeout",		"daemon" },
	{ "copy-as",		"local" },
	{ "copy-dirlinks",	"short" },	/* -k */
	{ "copy-links",		"short" },	/* -L */
	{ "crtimes",		"short" },	/* -N */
	{ "cvs-exclude",	"short" },	/* -C */
	{ "del",		"alias" },	/* --delete-during */
	{ "devices",		"short" },	/* -D */
	{ "drop-D",		"rrsync" },
	{ "dry-run",		"short" },	/* -n */
	{ "early-input",	"daemon" },
	{ "exclude",		"protocol" },
	{ "exclude-from",	"protocol" },
	{ "executability",	"short" },	/* -E */
	{ "filter",		"protocol" },
	{ "help",		"client" },
	{ "human-readable",	"client" },
	{ "i-r",		"alias" },
	{ "ignore-non-existing", "alias" },	/* --existing */
	{ "inc-recursive",	"capab" },	/* "i" in -e.iLsfxC */
	{ "include",		"protocol" },
	{ "include-from",	"protocol" },
	{ "insecure-links",	"omitted" },
	{ "ipv4",		"client" },
	{ "ipv6",		"client" },
	{ "itemize-changes",	"short" },	/* -i */
	{ "keep-dirlinks",	"short" },	/* -K */
	{ "log-file-format",	"client" },
	{ "no-i-r",		"capab" },
	{ "no-inc-recursive",	"capab" },
	{ "no-motd",		"daemon" },
	{ "no-whole-file",	"alias" },	/* --no-W */
	{ "old-args",		"client" },
	{ "old-d",		"alias" },
	{ "old-dirs",		"omitted" },
	{ "omit-dir-times",	"short" },	/* -O */
	{ "omit-link-times",	"short" },	/* -J */
	{ "out-format",		"alias" },	/* sent as --log-format */
	{ "outbuf",		"client" },
	{ "password-file",	"daemon" },
	{ "port",		"daemon" },
	{ "progress",		"client" },
	{ "protocol",		"client" },
	{ "prune-empty-dirs",	"short" },	/* -m */
	{ "quiet",		"short" },	/* -q */
	{ "read-batch",		"local" },
	{ "relative",		"short" },	/* -R */
	{ "remote-option",	"client" },
	{ "rsh",		"client" },
	{ "rsync-path",		"client" },
	{ "secluded-args",	"short" },	/* -s, disabled */
	{ "sockopts",		"client" },
	{ "sparse",		"short" },	/* -S */
	{ "stop-after",		"omitted" },
	{ "stop-at",		"omitted" },
	{ "trust-sender",	"client" },
	{ "update",		"short" },	/* -u */
	{ "verbose",		"short" },	/* -v */
	{ "version",		"client" },
	{ "whole-file",		"short" },	/* -W */
	{ "write-batch",	"local" },
	{ "xattrs",		"short" },	/* -X */
	{ "zc",			"alias" },	/* --compress-choice */
	{ "zl",			"alias" },	/* --compress-level */
	{ "zt",			"alias" },	/* --compress-threads */
};

/*
 * opttab entries `rsync --help' does not list: server-only options,
 * undocumented spellings the client really sends, and old names.
 */
static const struct {
	const char *name, *why;
} table_only[] = {
	{ "daemon",		"daemon" },	/* only in "--daemon --help" */
	{ "log-format",		"alias" },	/* --out-format on the wire */
	{ "msgs2stderr",	"server" },
	{ "new-compress",	"server" },
	{ "no-munge-links",	"server" },
	{ "no-msgs2stderr",	"server" },
	{ "no-r",		"server" },
	{ "no-relative",	"server" },
	{ "no-specials",	"server" },
	{ "old-compress",	"server" },
	{ "remove-sent-files",	"old" },
	{ "sender",		"server" },
	{ "server",		"server" },
	{ "use-qsort",		"server" },
};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static void
test_sorted(void)
{
	unsigned int i;

	ASSERT_TRUE(opttab_count > 0);
	for (i = 1; i < opttab_count; i++)
		if (!ASSERT_TRUE(strcmp(opttab[i - 1].name, opttab[i].name)
		    < 0))
			fprintf(stderr, "    not sorted: \"%s\" before "
			    "\"%s\"\n", opttab[i - 1].name, opttab[i].name);
	for (i = 0; i < opttab_count; i++) {
		ASSERT_TRUE(opttab_lookup(opttab[i].name) == &opttab[i]);
		ASSERT_TRUE(strncmp(opttab[i].name, "--", 2) != 0);
		ASSERT_TRUE(strchr(opttab[i].name, '=') == NULL);
		ASSERT_TRUE(opttab[i].type >= ARG_DISABLED &&
		    opttab[i].type <= ARG_PATH_ALWAYS);
	}
}

/* A path option has a confine role; nothing else has one. */
static void
test_rows(void)
{
	unsigned int i;
	int path;

	for (i = 0; i < opttab_count; i++) {
		path = opttab[i].type == ARG_PATH_RECV ||
		    opttab[i].type == ARG_PATH_ALWAYS;
		if (!ASSERT_INT_EQ(opttab[i].role != ROLE_NONE, path))
			fprintf(stderr, "    --%s\n", opttab[i].name);
	}
	ASSERT_INT_EQ(opttab_lookup("files-from")->role, ROLE_READ_FILE);
	ASSERT_INT_EQ(opttab_lookup("partial-dir")->role,
	    ROLE_CREATE_PRIVATE_DIR);
	ASSERT_TRUE(opttab_lookup("owner")->needs & REQ_NEED_USERS);
	ASSERT_TRUE(opttab_lookup("mkpath")->needs & REQ_MKPATH);
	ASSERT_TRUE(opttab_lookup("sender")->off & OFF_RECV);
}

static void
test_lookup(void)
{
	static const char *unknown[] = {
		"", "foo", "a", "zzz", "--delete", "delete=", "Delete",
		"delet", "deletex", "rsh", "relative", "server ",
	};
	const struct opt *o;
	size_t i;

	for (i = 0; i < NELEM(unknown); i++)
		ASSERT_NULL(opttab_lookup(unknown[i]));
	/* rrsync's classification of a few */
	ASSERT_NOT_NULL(o = opttab_lookup("files-from"));
	if (o)
		ASSERT_INT_EQ(o->type, ARG_PATH_ALWAYS);
	ASSERT_NOT_NULL(o = opttab_lookup("partial-dir"));
	if (o)
		ASSERT_INT_EQ(o->type, ARG_PATH_RECV);
	ASSERT_NOT_NULL(o = opttab_lookup("debug"));
	if (o)
		ASSERT_INT_EQ(o->type, ARG_DISABLED);
	ASSERT_NOT_NULL(o = opttab_lookup("bwlimit"));
	if (o)
		ASSERT_INT_EQ(o->type, ARG_FREE);
	ASSERT_NOT_NULL(o = opttab_lookup("delete"));
	if (o)
		ASSERT_INT_EQ(o->type, ARG_NONE);
	/* the short sets */
	ASSERT_TRUE(strchr(OPTTAB_SHORT_NOARG, 's') != NULL);
	ASSERT_TRUE(strchr(OPTTAB_SHORT_NOARG, 'e') == NULL);
	for (i = 0; OPTTAB_SHORT_DISABLED[i]; i++)
		ASSERT_TRUE(strchr(OPTTAB_SHORT_NOARG,
		    OPTTAB_SHORT_DISABLED[i]) != NULL);
	for (i = 0; OPTTAB_SHORT_SUBDIR[i]; i++)
		ASSERT_TRUE(strchr(OPTTAB_SHORT_NOARG,
		    OPTTAB_SHORT_SUBDIR[i]) != NULL);
}

/* The long option names on the option lines of `rsync --help'. */
static size_t
help_options(char ***namesp)
{
	char line[1024], *p, *end, **names = NULL;
	size_t n = 0, len;
	FILE *f;

	f = popen(RSYNC_PATH " --help 2>/dev/null", "r");
	if (f == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL) {
		/* "(aka --zc)" names an alias of the option on the line. */
		if ((p = strstr(line, "(aka --")) != NULL) {
			p += 7;
			len = strcspn(p, ")= ,\n");
			names = realloc(names, (n + 1) * sizeof(*names));
			names[n++] = strndup(p, len);
		}
		if (line[0] != '-')
			continue;	/* usage, prose, blank lines */
		/* The names end at the first run of two spaces. */
		if ((end = strstr(line, "  ")) != NULL)
			*end = '\0';
		for (p = line; (p = strstr(p, "--")) != NULL; ) {
			p += 2;
			len = strcspn(p, "=, \n");
			if (len == 0 || strncmp(p, "no-OPTION", len) == 0) {
				p += len;
				continue;
			}
			names = realloc(names, (n + 1) * sizeof(*names));
			names[n++] = strndup(p, len);
			p += len;
		}
	}
	pclose(f);
	*namesp = names;
	return n;
}

static void
test_vs_rsync_help(void)
{
	char **names = NULL;
	size_t n, i, j;
	unsigned int k;
	int found;

	n = help_options(&names);
	if (!ASSERT_TRUE(n > 100)) {
		fprintf(stderr, "    cannot run \"%s --help\"\n", RSYNC_PATH);
		free(names);
		return;
	}
	/* Every listed option is in the table or explained above. */
	for (i = 0; i < n; i++) {
		found = opttab_lookup(names[i]) != NULL;
		for (j = 0; !found && j < NELEM(help_only); j++)
			found = strcmp(names[i], help_only[j].name) == 0;
		if (!ASSERT_TRUE(found))
			fprintf(stderr, "    rsync --help lists --%s: add it to "
			    "opttab or to help_only[] with a reason\n",
			    names[i]);
	}
	/* The explanations are not stale: each is listed, not in the table. */
	for (j = 0; j < NELEM(help_only); j++) {
		found = 0;
		for (i = 0; !found && i < n; i++)
			found = strcmp(names[i], help_only[j].name) == 0;
		if (!ASSERT_TRUE(found && opttab_lookup(help_only[j].name) ==
		    NULL))
			fprintf(stderr, "    help_only[] entry --%s (%s) is "
			    "stale\n", help_only[j].name, help_only[j].why);
	}
	/* Every table entry is a real rsync option or explained above. */
	for (k = 0; k < opttab_count; k++) {
		found = 0;
		for (i = 0; !found && i < n; i++)
			found = strcmp(names[i], opttab[k].name) == 0;
		for (j = 0; !found && j < NELEM(table_only); j++)
			found = strcmp(opttab[k].name, table_only[j].name) == 0;
		if (!ASSERT_TRUE(found))
			fprintf(stderr, "    opttab has --%s, which rsync "
			    "--help does not list\n", opttab[k].name);
	}
	for (j = 0; j < NELEM(table_only); j++) {
		found = 0;
		for (i = 0; !found && i < n; i++)
			found = strcmp(names[i], table_only[j].name) == 0;
		if (!ASSERT_TRUE(!found && opttab_lookup(table_only[j].name)))
			fprintf(stderr, "    table_only[] entry --%s (%s) is "
			    "stale\n", table_only[j].name, table_only[j].why);
	}
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

int
main(void)
{
	test_sorted();
	test_rows();
	test_lookup();
	test_vs_rsync_help();
	return test_summary();
}
