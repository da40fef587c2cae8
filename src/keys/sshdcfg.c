/*
 * sshdcfg.c - one yes/no keyword of sshd_config, for lint's RSG019
 * (serve's records carry key= only with ExposeAuthInfo yes).
 *
 * As sshd_config(5): keywords are case-insensitive and separated from
 * their value by blanks or one '='; the first value obtained wins;
 * Include reads files (glob patterns, relative to /etc/ssh) where it
 * stands; a Match block lasts until the next Match or the end of its
 * file, and "Match all" applies to every connection.
 *
 * MUST 1: never report a value it did not read: an unreadable file or
 *         a bound reached is r->unread, and the caller says "cannot
 *         tell", never "on".
 */
#include <errno.h>
#include <glob.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "sshdcfg.h"

#define SSHDCFG_DEPTH	8
#define SSHDCFG_FILES	128
#define SSHDCFG_LINE	4096

struct scan {
	const char		*kw;
	struct sshdcfg_flag	*r;
	unsigned		 nfiles;
};

static void	scan_file(struct scan *, const char *, int, int);

static void
unreadable(struct scan *s, const char *path, const char *why)
{
	if (!s->r->unread)
		snprintf(s->r->bad, sizeof(s->r->bad), "%s: %s", path, why);
	s->r->unread = 1;
}

/* Next blank-separated word of *p (quotes removed), or NULL. */
static char *
word(char **p)
{
	char *s = *p, *w;

	s += strspn(s, " \t\r\n");
	if (*s == '\0')
		return NULL;
	if (*s == '"') {
		w = ++s;
		s += strcspn(s, "\"");
	} else {
		w = s;
		s += strcspn(s, " \t\r\n");
	}
	if (*s != '\0')
		*s++ = '\0';
	*p = s;
	return w;
}

static void
include(struct scan *s, char *args, int depth, int in_match)
{
	char pat[PATH_MAX], *w;
	glob_t g;
	size_t i;
	int rc;

	while ((w = word(&args)) != NULL) {
		if (snprintf(pat, sizeof(pat), "%s%s", w[0] == '/' ? "" :
		    "/etc/ssh/", w) >= (int)sizeof(pat)) {
			unreadable(s, w, "name too long");
			continue;
		}
		rc = glob(pat, 0, NULL, &g);
		if (rc == GLOB_NOMATCH)
			continue;	/* sshd: no match is not an error */
		if (rc != 0) {
			unreadable(s, pat, "glob failed");
			continue;
		}
		for (i = 0; i < g.gl_pathc; i++)
			scan_file(s, g.gl_pathv[i], depth + 1, in_match);
		globfree(&g);
	}
}

static void
scan_file(struct scan *s, const char *path, int depth, int in_match)
{
	char line[SSHDCFG_LINE], *p, *k, *v;
	size_t ln = 0, n;
	int skip = 0;
	FILE *f;

	if (depth > SSHDCFG_DEPTH || ++s->nfiles > SSHDCFG_FILES) {
		unreadable(s, path, "too many nested or included files");
		return;
	}
	if ((f = fopen(path, "re")) == NULL) {
		unreadable(s, path, strerror(errno));
		return;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		n = strlen(line);
		if (skip) {	/* the rest of an over-long line */
			skip = n > 0 && line[n - 1] != '\n';
			continue;
		}
		ln++;
		if (n > 0 && line[n - 1] != '\n' && !feof(f)) {
			/* sshd refuses such a line; so cannot we tell */
			unreadable(s, path, "line too long");
			skip = 1;
			continue;
		}
		p = line + strspn(line, " \t");
		if (*p == '#' || *p == '\0' || *p == '\n' || *p == '\r')
			continue;
		k = p;
		p += strcspn(p, " \t\r\n=");
		if (*p != '\0') {
			*p++ = '\0';
			p += strspn(p, " \t");
			if (*p == '=')
				p++;
		}
		if (strcasecmp(k, "Match") == 0) {
			v = word(&p);
			in_match = !(v != NULL && strcasecmp(v, "all") == 0 &&
			    word(&p) == NULL);
		} else if (strcasecmp(k, "Include") == 0)
			include(s, p, depth, in_match);
		else if (strcasecmp(k, s->kw) == 0 &&
		    (v = word(&p)) != NULL) {
			if (in_match) {
				if (strcasecmp(v, "yes") == 0)
					s->r->in_match = 1;
			} else if (s->r->global == -1) {
				s->r->global = strcasecmp(v, "yes") == 0;
				snprintf(s->r->where,
					    sizeof(s->r->where), "%s:%zu",
					    path, ln);
			}
		}
	}
	if (ferror(f))
		unreadable(s, path, "read error");
	fclose(f);
}

void
sshdcfg_flag(const char *path, const char *kw, struct sshdcfg_flag *r)
{
	struct scan s = { kw, r, 0 };

	memset(r, 0, sizeof(*r));
	r->global = -1;
	scan_file(&s, path, 0, 0);
}
