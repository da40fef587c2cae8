/* opttab.h - the options a client rsync may send to a server (pure). */
#ifndef RSGUARD_OPTTAB_H
#define RSGUARD_OPTTAB_H

/* How an option's value is treated; the numbers are rrsync's. */
enum argtype {
	ARG_DISABLED = -1,	/* refused outright */
	ARG_NONE = 0,		/* takes no value */
	ARG_FREE = 1,		/* value is not a path */
	ARG_PATH_RECV = 2,	/* value is a path checked when receiving */
	ARG_PATH_ALWAYS = 3,	/* value is a path always checked */
};

struct opt {
	const char	*name;	/* long name without "--" */
	enum argtype	 type;
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
