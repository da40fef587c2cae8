/* serveopts.h - serve's own command line (pure), shared with lint. */
#ifndef RSGUARD_SERVEOPTS_H
#define RSGUARD_SERVEOPTS_H

#include "log.h"
#include "request.h"
#include "sandbox.h"
#include "snapshot.h"

#define MAX_ROOTS	16	/* --root, per command= */
#define MAX_ROOT_NAME	64

/* One --root NAME=DIR:MODE. */
struct serve_root {
	char		 name[MAX_ROOT_NAME + 1];
	const char	*dir;		/* as given (absolute), into argv: */
	size_t		 dirlen;	/* not NUL-terminated there */
	int		 ro, wo;	/* MODE: ro, wo or rw (neither) */
	int		 no_del;	/* ro, or -no-del given */
	int		 snapshots;	/* MODE wo:snapshots */
};

struct serve_opts {
	struct policy	 pol;
	const char	*rsync;
	enum log_target	 logt;
	const char	*logpath;
	int		 allow_home;
	int		 dry_run;
	int		 help;		/* -h, -help, --help seen */
	int		 version;	/* --version seen */
	const char	*dirarg;
	const char	*exact;		/* the one command allowed, or NULL */
	struct serve_root roots[MAX_ROOTS];	/* --root, in order given */
	int		 nroots;
	struct keep	 keep;		/* --keep, for every store */
	struct sandbox	 sb;
};

/*
 * Parse serve's argv (argv[0] is the program) into *o, as serve judges
 * it: exactly what serve accepts returns 0.  -h or --version stop the
 * parse at once with o->help or o->version set (and 0).  Anything serve
 * refuses returns -1 with *errstr set to the message serve prints (a
 * static buffer, valid until the next call).  prog names the program in
 * the "see PROG -h" hint.  Pointers in *o point into argv.
 */
int	 serve_opts_parse(int, char **, const char *, struct serve_opts *,
	    const char **);

#endif
