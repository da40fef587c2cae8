/* opttab.h - the options a client rsync may send to a server (pure). */
#ifndef RSGUARD_OPTTAB_H
#define RSGUARD_OPTTAB_H

#include "confine.h"	/* enum role: an option row names its role */

/* How an option's value is treated; the numbers are rrsync's. */
enum argtype {
	ARG_DISABLED = -1,	/* refused outright */
	ARG_NONE = 0,		/* takes no value */
	ARG_FREE = 1,		/* value is not a path */
	ARG_PATH_RECV = 2,	/* value is a path checked when receiving */
	ARG_PATH_ALWAYS = 3,	/* value is a path always checked */
};

/* What an option makes rsync read or do (struct opt's needs, REQ_*). */
#define REQ_NEED_USERS	0x01	/* maps owners by name (-o, --usermap) */
#define REQ_NEED_GROUPS	0x02	/* maps groups by name (-g, --groupmap) */
#define REQ_NUMERIC_IDS	0x04	/* --numeric-ids: no name lookups */
#define REQ_REMOVE_SRC	0x10	/* --remove-source-files (a sender) */
#define REQ_LOG_FILE	0x20	/* --log-file: rsync writes a log in DIR */
#define REQ_MKPATH	0x40	/* --mkpath: rsync makes the dest's parents */
#define REQ_NO_RELATIVE	0x80	/* --no-relative: undoes an earlier -R */

/*
 * The policies under which an option is refused (struct opt's off).
 * OFF_NODEL_RECV and -wo's --append are stricter than rrsync.  -no-del:
 * when receiving, --force removes non-empty directories in the way, a
 * backup published onto an existing name deletes what was there, and a
 * partial dir (also the one --delay-updates uses) has its files consumed
 * and removed -- files the client can pick among those already in DIR.
 * -wo: --append(-verify) and a checksum comparison answer "is this what
 * you hold?" about files the client may not read.  -snapshots: serve
 * names the link base itself, and --inplace would write into files
 * that earlier snapshots share by hard link.
 */
#define OFF_RO		0x01	/* -ro */
#define OFF_WO		0x02	/* -wo */
#define OFF_NODEL	0x04	/* -no-del */
#define OFF_NODEL_RECV	0x08	/* -no-del, when the server receives */
#define OFF_NOOVER	0x10	/* -no-overwrite */
#define OFF_SUBDIR	0x20	/* DIR is not "/" */
#define OFF_RECV	0x40	/* the server receives (--sender not first) */
#define OFF_SNAP	0x80	/* -snapshots: serve picks the link base */

struct opt {
	const char	*name;	/* long name without "--" */
	enum argtype	 type;
	int		 needs;	/* REQ_* */
	enum role	 role;	/* for a path value: how it is confined */
	int		 off;	/* OFF_*: refused (disabled) under these */
};

/* Short letters taking no value, and those taking a number ("-B1024"). */
#define OPTTAB_SHORT_NOARG	"ACDEHIJKLNORSUWXbcdgklmnopqrstuvxyz"
#define OPTTAB_SHORT_NUM	"@B"
#define OPTTAB_SHORT_DISABLED	"s"	/* always refused */
#define OPTTAB_SHORT_SUBDIR	"KLk"	/* refused when DIR is not "/" */

extern const struct opt opttab[];
extern const unsigned int opttab_count;

/* Binary search by long name; NULL if unknown. */
const struct opt *opttab_lookup(const char *);

#endif
