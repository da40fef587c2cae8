/*
 * opttab.c - the long options an rsync 3.5 client sends to a server,
 * classified as rsync 3.5.0's rrsync classifies them.  Kept sorted (a unit
 * test checks it, and another checks it against the installed rsync's
 * --help so that a new option is noticed).
 */
#include <stdlib.h>
#include <string.h>

#include "opttab.h"

const struct opt opttab[] = {
	{ "append",		ARG_NONE },
	{ "backup-dir",		ARG_PATH_RECV },
	{ "block-size",		ARG_FREE },
	{ "bwlimit",		ARG_FREE },
	{ "checksum-choice",	ARG_FREE },
	{ "checksum-seed",	ARG_FREE },
	{ "compare-dest",	ARG_PATH_RECV },
	{ "compress-choice",	ARG_FREE },
	{ "compress-level",	ARG_FREE },
	{ "compress-threads",	ARG_FREE },
	{ "copy-dest",		ARG_PATH_RECV },
	{ "copy-devices",	ARG_DISABLED },
	{ "copy-unsafe-links",	ARG_NONE },
	{ "daemon",		ARG_DISABLED },
	{ "debug",		ARG_DISABLED },
	{ "delay-updates",	ARG_NONE },
	{ "delete",		ARG_NONE },
	{ "delete-after",	ARG_NONE },
	{ "delete-before",	ARG_NONE },
	{ "delete-delay",	ARG_NONE },
	{ "delete-during",	ARG_NONE },
	{ "delete-excluded",	ARG_NONE },
	{ "delete-missing-args", ARG_NONE },
	{ "dirs",		ARG_NONE },
	{ "existing",		ARG_NONE },
	{ "fake-super",		ARG_NONE },
	{ "files-from",		ARG_PATH_ALWAYS },
	{ "force",		ARG_NONE },
	{ "from0",		ARG_NONE },
	{ "fsync",		ARG_NONE },
	{ "fuzzy",		ARG_NONE },
	{ "group",		ARG_NONE },
	{ "groupmap",		ARG_FREE },
	{ "hard-links",		ARG_NONE },
	{ "iconv",		ARG_FREE },
	{ "ignore-errors",	ARG_NONE },
	{ "ignore-existing",	ARG_NONE },
	{ "ignore-missing-args", ARG_NONE },
	{ "ignore-times",	ARG_NONE },
	{ "info",		ARG_FREE },
	{ "inplace",		ARG_NONE },
	{ "link-dest",		ARG_PATH_RECV },
	{ "links",		ARG_NONE },
	{ "list-only",		ARG_NONE },
	{ "log-file",		ARG_PATH_ALWAYS },
	{ "log-format",		ARG_FREE },
	{ "max-alloc",		ARG_FREE },
	{ "max-delete",		ARG_FREE },
	{ "max-size",		ARG_FREE },
	{ "min-size",		ARG_FREE },
	{ "mkpath",		ARG_NONE },
	{ "modify-window",	ARG_FREE },
	{ "msgs2stderr",	ARG_NONE },
	{ "munge-links",	ARG_NONE },
	{ "new-compress",	ARG_NONE },
	{ "no-W",		ARG_NONE },
	{ "no-implied-dirs",	ARG_NONE },
	{ "no-msgs2stderr",	ARG_NONE },
	{ "no-munge-links",	ARG_DISABLED },
	{ "no-r",		ARG_NONE },
	{ "no-relative",	ARG_NONE },
	{ "no-specials",	ARG_NONE },
	{ "numeric-ids",	ARG_NONE },
	{ "old-compress",	ARG_NONE },
	{ "one-file-system",	ARG_NONE },
	{ "only-write-batch",	ARG_FREE },
	{ "open-noatime",	ARG_NONE },
	{ "owner",		ARG_NONE },
	{ "partial",		ARG_NONE },
	{ "partial-dir",	ARG_PATH_RECV },
	{ "perms",		ARG_NONE },
	{ "preallocate",	ARG_NONE },
	{ "recursive",		ARG_NONE },
	{ "remove-sent-files",	ARG_NONE },
	{ "remove-source-files", ARG_NONE },
	{ "safe-links",		ARG_NONE },
	{ "sender",		ARG_NONE },
	{ "server",		ARG_NONE },
	{ "size-only",		ARG_NONE },
	{ "skip-compress",	ARG_FREE },
	{ "specials",		ARG_NONE },
	{ "stats",		ARG_NONE },
	{ "stderr",		ARG_FREE },
	{ "suffix",		ARG_FREE },
	{ "super",		ARG_NONE },
	{ "temp-dir",		ARG_PATH_RECV },
	{ "timeout",		ARG_FREE },
	{ "times",		ARG_NONE },
	{ "use-qsort",		ARG_NONE },
	{ "usermap",		ARG_FREE },
	{ "write-devices",	ARG_DISABLED },
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
