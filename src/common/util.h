/* util.h - allocation wrappers and small string helpers. */
#ifndef RSGUARD_UTIL_H
#define RSGUARD_UTIL_H

#include <stddef.h>

/* Fatal on failure, zero size or overflow: these never return NULL. */
void	*xmalloc(size_t);
void	*xcalloc(size_t, size_t);
void	*xreallocarray(void *, size_t, size_t);
char	*xstrdup(const char *);
char	*xstrndup(const char *, size_t);
/*
 * The message of rsguard serve's refusal in err (what ssh passed on of
 * its stderr): what follows "rsguard: error: " or, invoked as rrsync,
 * "rrsync: error: " at the start of a line.  NULL if there is none.
 */
const char *serve_refusal(const char *err);
/* 32-bit FNV-1a of a string: stable across runs and builds. */
unsigned fnv1a(const char *);
char	*xasprintf(const char *, ...)
	    __attribute__((format(printf, 1, 2)));

/*
 * Is path DIR itself or beneath it?  dir is a real path without a
 * trailing '/' (dirlen its length); "/" holds every absolute path.
 * Returns what follows DIR in path: "" for DIR itself, "/REST" beneath
 * it; NULL if path is elsewhere.
 */
const char *path_beneath(const char *path, const char *dir, size_t dirlen);

/* A growable array of strings; the array owns its strings. */
struct strvec {
	char	**v;
	size_t	  n;
	size_t	  cap;
};
void	 strvec_push(struct strvec *, char *);	/* takes ownership */
void	 strvec_free(struct strvec *);

/* Set by main() so that fatal messages carry the right program name. */
extern const char *util_progname;
/* main()'s argv[0]: the word the shell ran (serve checks it). */
extern const char *util_argv0;
/* When set (serve), fatal() hands it the message; it must not return. */
extern void (*util_fatal_hook)(const char *);
void	 fatal(const char *, ...)
	    __attribute__((noreturn, format(printf, 1, 2)));

#endif
