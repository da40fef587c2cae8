/*
 * opttab.c - the long options an rsync 3.5 client sends to a server,
 * classified as rsync 3.5.0's rrsync classifies them.  Kept sorted (a unit
 * test checks it, and another checks it against the installed rsync's
 * --help so that a new option is noticed).  Everything rsguard knows
 * about a long option is in its row: how its value is treated, what it
 * makes rsync read or do, how a path value is confined, and under which
 * policy it is refused.
 */
#include <stdlib.h>
#include <string.h>

#include "opttab.h"

const struct opt opttab[] = {
/*	  name			type, needs, role, refused when (opttab.h) */
	{ "append",		ARG_NONE, 0, ROLE_NONE, OFF_WO | OFF_SNAP },
	{ "backup-dir",		ARG_PATH_RECV, 0, ROLE_CREATE_DIR,
	    OFF_NOOVER | OFF_NODEL_RECV },
	{ "block-size",		ARG_FREE, 0, ROLE_NONE, 0 },
	{ "bwlimit",		ARG_FREE, 0, ROLE_NONE, 0 },
	{ "checksum-choice",	ARG_FREE, 0, ROLE_NONE, 0 },
	{ "checksum-seed",	ARG_FREE, 0, ROLE_NONE, 0 },
	{ "compare-dest",	ARG_PATH_RECV, 0, ROLE_BASIS_DIR, OFF_SNAP },
	{ "compress-choice",	ARG_FREE, 0, ROLE_NONE, 0 },
	{ "compress-level",	ARG_FREE, 0, ROLE_NONE, 0 },
	{ "compress-threads",	ARG_FREE, 0, ROLE_NONE, 0 },
	{ "copy-dest",		ARG_PATH_RECV, 0, ROLE_BASIS_DIR, OFF_SNAP },
	{ "copy-devices",	ARG_DISABLED, 0, ROLE_NONE, 0 },
	{ "copy-unsafe-links",	ARG_NONE, 0, ROLE_NONE, OFF_SUBDIR },
	{ "daemon",		ARG_DISABLED, 0, ROLE_NONE, 0 },
	{ "debug",		ARG_DISABLED, 0, ROLE_NONE, 0 },
	{ "delay-updates",	ARG_NONE, 0, ROLE_NONE,
	    OFF_NOOVER | OFF_NODEL_RECV },
	{ "delete",		ARG_NONE, 0, ROLE_NONE, OFF_NODEL },
	{ "delete-after",	ARG_NONE, 0, ROLE_NONE, OFF_NODEL },
	{ "delete-before",	ARG_NONE, 0, ROLE_NONE, OFF_NODEL },
	{ "delete-delay",	ARG_NONE, 0, ROLE_NONE, OFF_NODEL },
	{ "delete-during",	ARG_NONE, 0, ROLE_NONE, OFF_NODEL },
	{ "delete-excluded",	ARG_NONE, 0, ROLE_NONE, OFF_NODEL },
	{ "delete-missing-args", ARG_NONE, 0, ROLE_NONE, OFF_NODEL },
	{ "dirs",		ARG_NONE, 0, ROLE_NONE, 0 },
	{ "existing",		ARG_NONE, 0, ROLE_NONE, 0 },
	{ "fake-super",		ARG_NONE, 0, ROLE_NONE, 0 },
	{ "files-from",		ARG_PATH_ALWAYS, 0, ROLE_READ_FILE, 0 },
	{ "force",		ARG_NONE, 0, ROLE_NONE, OFF_NODEL_RECV },
	{ "from0",		ARG_NONE, 0, ROLE_NONE, 0 },
	{ "fsync",		ARG_NONE, 0, ROLE_NONE, 0 },
	{ "fuzzy",		ARG_NONE, 0, ROLE_NONE, 0 },
	{ "group",		ARG_NONE, REQ_NEED_GROUPS, ROLE_NONE, 0 },
	{ "groupmap",		ARG_FREE, REQ_NEED_GROUPS, ROLE_NONE, 0 },
	{ "hard-links",		ARG_NONE, 0, ROLE_NONE, 0 },
	{ "iconv",		ARG_FREE, 0, ROLE_NONE, 0 },
	{ "ignore-errors",	ARG_NONE, 0, ROLE_NONE, 0 },
	{ "ignore-existing",	ARG_NONE, 0, ROLE_NONE, 0 },
	{ "ignore-missing-args", ARG_NONE, 0, ROLE_NONE, 0 },
	{ "ignore-times",	ARG_NONE, 0, ROLE_NONE, 0 },
	{ "info",		ARG_FREE, 0, ROLE_NONE, 0 },
	{ "inplace",		ARG_NONE, 0, ROLE_NONE, OFF_SNAP },
	{ "link-dest",		ARG_PATH_RECV, 0, ROLE_BASIS_DIR, OFF_SNAP },
	{ "links",		ARG_NONE, 0, ROLE_NONE, 0 },
	{ "list-only",		ARG_NONE, 0, ROLE_NONE, 0 },
	{ "log-file",		ARG_PATH_ALWAYS, REQ_LOG_FILE, ROLE_WRITE_FILE,
	    OFF_RO | OFF_NOOVER },
	{ "log-format",		ARG_FREE, 0, ROLE_NONE, 0 },
	{ "max-alloc",		ARG_FREE, 0, ROLE_NONE, 0 },
	{ "max-delete",		ARG_FREE, 0, ROLE_NONE, 0 },
	{ "max-size",		ARG_FREE, 0, ROLE_NONE, 0 },
	{ "min-size",		ARG_FREE, 0, ROLE_NONE, 0 },
	{ "mkpath",		ARG_NONE, REQ_MKPATH, ROLE_NONE, 0 },
	{ "modify-window",	ARG_FREE, 0, ROLE_NONE, 0 },
	{ "msgs2stderr",	ARG_NONE, 0, ROLE_NONE, 0 },
	{ "munge-links",	ARG_NONE, 0, ROLE_NONE, 0 },
	{ "new-compress",	ARG_NONE, 0, ROLE_NONE, 0 },
	{ "no-W",		ARG_NONE, 0, ROLE_NONE, 0 },
	{ "no-implied-dirs",	ARG_NONE, 0, ROLE_NONE, 0 },
	{ "no-msgs2stderr",	ARG_NONE, 0, ROLE_NONE, 0 },
	{ "no-munge-links",	ARG_DISABLED, 0, ROLE_NONE, 0 },
	{ "no-r",		ARG_NONE, 0, ROLE_NONE, 0 },
	{ "no-relative",	ARG_NONE, REQ_NO_RELATIVE, ROLE_NONE, 0 },
	{ "no-specials",	ARG_NONE, 0, ROLE_NONE, 0 },
	{ "numeric-ids",	ARG_NONE, REQ_NUMERIC_IDS, ROLE_NONE, 0 },
	{ "old-compress",	ARG_NONE, 0, ROLE_NONE, 0 },
	{ "one-file-system",	ARG_NONE, 0, ROLE_NONE, 0 },
	{ "only-write-batch",	ARG_FREE, 0, ROLE_NONE, 0 },
	{ "open-noatime",	ARG_NONE, 0, ROLE_NONE, 0 },
	{ "owner",		ARG_NONE, REQ_NEED_USERS, ROLE_NONE, 0 },
	{ "partial",		ARG_NONE, 0, ROLE_NONE, 0 },
	{ "partial-dir",	ARG_PATH_RECV, 0, ROLE_CREATE_PRIVATE_DIR,
	    OFF_NOOVER | OFF_NODEL_RECV },
	{ "perms",		ARG_NONE, 0, ROLE_NONE, 0 },
	{ "preallocate",	ARG_NONE, 0, ROLE_NONE, 0 },
	{ "recursive",		ARG_NONE, 0, ROLE_NONE, 0 },
	{ "remove-sent-files",	ARG_NONE, REQ_REMOVE_SRC, ROLE_NONE,
	    OFF_NODEL },
	{ "remove-source-files", ARG_NONE, REQ_REMOVE_SRC, ROLE_NONE,
	    OFF_NODEL },
	{ "safe-links",		ARG_NONE, 0, ROLE_NONE, 0 },
	{ "sender",		ARG_NONE, 0, ROLE_NONE, OFF_WO | OFF_RECV },
	{ "server",		ARG_NONE, 0, ROLE_NONE, 0 },
	{ "size-only",		ARG_NONE, 0, ROLE_NONE, 0 },
	{ "skip-compress",	ARG_FREE, 0, ROLE_NONE, 0 },
	{ "specials",		ARG_NONE, 0, ROLE_NONE, 0 },
	{ "stats",		ARG_NONE, 0, ROLE_NONE, 0 },
	{ "stderr",		ARG_FREE, 0, ROLE_NONE, 0 },
	{ "suffix",		ARG_FREE, 0, ROLE_NONE, 0 },
	{ "super",		ARG_NONE, 0, ROLE_NONE, 0 },
	{ "temp-dir",		ARG_PATH_RECV, 0, ROLE_MUST_EXIST_DIR, 0 },
	{ "timeout",		ARG_FREE, 0, ROLE_NONE, 0 },
	{ "times",		ARG_NONE, 0, ROLE_NONE, 0 },
	{ "use-qsort",		ARG_NONE, 0, ROLE_NONE, 0 },
	{ "usermap",		ARG_FREE, REQ_NEED_USERS, ROLE_NONE, 0 },
	{ "write-devices",	ARG_DISABLED, 0, ROLE_NONE, 0 },
};
const unsigned int opttab_count = sizeof(opttab) / sizeof(opttab[0]);

static int
cmp(const void *key, const void *elem)
{
	return strcmp(key, ((const struct opt *)elem)->name);
}

const struct opt *
opttab_lookup(const char *name)
{
	return bsearch(name, opttab, opttab_count, sizeof(opttab[0]), cmp);
}
