/*
 * walk.h - internal to the confine module (confine.c, cglob.c,
 * mkdirs.c): the descriptor walk beneath DIR and the pin table.
 */
#ifndef RSGUARD_WALK_H
#define RSGUARD_WALK_H

#include <sys/stat.h>

#include "confine.h"

/* Open one component (no '/') beneath dirfd, O_PATH, never following. */
int	 cf_open_component(int dirfd, const char *name);
/* 1 if fd still names DIR or something beneath it, 0 if not, -1 error. */
int	 cf_under_dir(struct confine *, int fd);
/* 0 if fd still names DIR or beneath it, else -1 and CF_MSG_ESCAPED. */
int	 cf_still_under(struct confine *, int fd, const char *orig,
	    char **errmsg);
/*
 * The confine module's refusals, each written once: two %s, orig and
 * a detail (strerror, or NULL for none).  rrsync's race wording is kept
 * for what a lookup beneath a held fd meets only when the tree changes
 * under it (EXDEV, EAGAIN from openat2: CF_MSG_RACE).
 */
#define CF_MSG_UNSAFE	"unsafe arg: %s%s"
#define CF_MSG_NOENT	"%s: no such file or directory in the restricted dir%s"
#define CF_MSG_NOTDIR	"%s: not a directory in the restricted dir%s"
#define CF_MSG_LOOP	"%s: too many levels of symbolic links in the " \
			"restricted dir%s"
#define CF_MSG_CANNOT_OPEN "%s: cannot open in the restricted dir: %s"
#define CF_MSG_RACE	"post-realpath open failed (race detected): %s %s"
#define CF_MSG_STAT	"post-pin stat failed (race?): %s %s"
#define CF_MSG_CHANGED	"post-pin path changed (race?): %s %s"
#define CF_MSG_ESCAPED	"post-pin path escaped tree (race?): %s%s"
#define CF_MSG_DEEP	"path is too deep: %s%s"
#define CF_MSG_PIN	"unable to pin path: %s %s"
#define CF_MSG_OPT_MISSING "receiver option path does not exist: %s%s"
#define CF_MSG_OPT_BAD	"bad receiver option path: %s%s"
#define CF_MSG_OPT_MKDIR "unable to create receiver option dir: %s %s"
#define CF_MSG_OPT_NOTDIR "receiver option path is not a usable directory: %s%s"
#define CF_MSG_OPT_PIN	"unable to pin receiver option dir: %s %s"
#define CF_MSG_BASIS_FULL "basis placeholder is not empty: %s%s"
#define CF_MSG_BASIS	"unable to create basis placeholder: %s %s"

/* Format a refusal: fmt has two %s, orig and detail (may be NULL). */
char	*cf_errf(const char *fmt, const char *orig, const char *detail)
	    __attribute__((format(printf, 1, 0)));
/*
 * Walk rel from the root fd (see walk.c).  On success *fdp is an O_PATH
 * fd of the object reached; when a component is missing, *fdp is the
 * deepest directory reached and *rest the unresolved remainder.
 */
int	 cf_walk(struct confine *, const char *orig, const char *rel,
	    int follow_last, int *fdp, char **rest, char **errmsg);
/* Does tail beneath afd reach *want? 0 yes, 1 no, -1 error (confine.c). */
int	 cf_same_beneath(int afd, const char *tail, int follow,
	    const struct stat *want);
/*
 * Keep fd for rsync; returns the number to spell (dirs deduplicated).
 * Past MAX_PINS (or if fd cannot be checked) fd is closed, c->limit set
 * and -1 returned: confine_path and confine_commit then fail.
 */
#define CF_LIMIT_PINS	"too many paths to pin"
int	 cf_pin(struct confine *, int fd);
/* "/proc/self/fd/N[/leaf]suffix" (malloc'd); leaf may be NULL. */
char	*cf_spell(int fd, const char *leaf, const char *suffix);
/* The refusal for a failed lookup of orig with errno err (malloc'd). */
char	*cf_openerr(const char *orig, int err);
/* A directory confine_commit creates, for decision `idx'. */
struct defer {
	int	 role;
	int	 basefd;	/* pinned deepest existing dir */
	char	*rest;		/* components still to create */
	char	*orig;
	char	*suffix;
	int	 idx;		/* the decision it settles (c->spell) */
};
/*
 * Queue a directory for confine_commit, for the decision confine_path
 * records next; takes ownership of fd and rest.
 */
int	 cf_defer(struct confine *, enum role, int fd, char *rest,
	    const char *orig, const char *suffix);

#endif
