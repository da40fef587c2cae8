/* request.h - classify an rsync server command against the policy (pure). */
#ifndef RSGUARD_REQUEST_H
#define RSGUARD_REQUEST_H

#include <stddef.h>

#include "cmdline.h"
#include "opttab.h"

/* The operator's policy: serve's own command line. */
struct policy {
	int		 ro, wo, munge, absolute, no_del, no_lock;
	int		 no_overwrite;
	int		 snapshots;	/* -snapshots: a push is a new snapshot */
	const char	*dir;		/* real path, no trailing '/' */
	size_t		 dirlen;
	int		 subdir;	/* DIR is not "/" */
	const char	*root;		/* --root: the NAME paths begin with */
	size_t		 rootlen;
};

/* One word of the final rsync option list. */
struct item {
	char		*text;		/* the word, or "--opt=" prefix */
	int		 is_path;	/* value needs confinement */
	enum argtype	 type;		/* for a value: its option's type */
	enum role	 role;		/* for a value: its option's role */
	char		*opt;		/* "--name" for a value */
	char		*value;		/* normalized value (is_path) */
	char		*orig;		/* the client's value, unescaped */
	int		 flags;		/* NORM_* */
	int		 eq;		/* given as --opt=value */
};

struct request {
	int		 am_sender;
	int		 relative;	/* client sent -R (last one wins) */
	int		 needs;		/* REQ_* (opttab.h): what rsync will do */
	struct item	*items;
	size_t		 nitems;
	char		**args;		/* raw words after ".", escapes kept */
	size_t		 nargs;
};

/*
 * Parse the words after "rsync --server" into *req, applying the policy's
 * option rules exactly as rrsync does.  Returns 0, or -1 with *errmsg set
 * to a malloc'd message in rrsync's words.
 */
int	 request_parse(const struct policy *, const char *rest,
	    const struct words *, struct request *, char **errmsg);
void	 request_free(struct request *);

#define NORM_ABSOLUTE	0x01	/* named DIR by its absolute path */
#define NORM_ROOTREL	0x02	/* began with "/": relative to DIR */

/*
 * With --root (p->root), a path must begin with the root's NAME, which
 * stands for its DIR ("www/x" is "/x"; "www" and "www/" are DIR).
 * rrsync's path normalization of a value or argument: strip a leading
 * "./" to "/", squeeze "//", make a leading "/" mean DIR, refuse "..".
 * With `is_path' (a transfer argument or a path option's value) and
 * -absolute, DIR's own path names DIR (NORM_ABSOLUTE).  *out is
 * rrsync's form (malloc'd): relative to DIR, or absolute under DIR;
 * *flags gets NORM_*.  Returns 0, or -1 with *errmsg.
 */
int	 request_normalize(const struct policy *, const char *opt,
	    const char *value, int is_path, char **out, int *flags,
	    char **errmsg);

#endif
