/*
 * fuzz_request.c - libFuzzer target: split the input as the part after
 * "rsync --server ", then request_parse it under several policies and
 * normalize every argument, freeing everything.
 *
 * When the first byte is odd, the policies are --root ones too (what
 * serve.c use_dir makes of a root: its NAME, DIR and mode), and the
 * root mapping of each argument is checked against the plain policy of
 * the same DIR: "NAME/rest" must normalize as "/rest" does there (up to
 * repeated slashes), and a path whose first component is not NAME must
 * be refused.  The byte stays part of the command (a letter, a space):
 * the seeds need no prefix, and an odd first byte is a common one.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cmdline.h"
#include "request.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* s with every run of '/' squeezed to one '/', in place. */
static void
squeeze(char *s)
{
	char *o = s, *start = s;

	for (; *s != '\0'; s++) {
		if (*s == '/' && o > start && o[-1] == '/')
			continue;
		*o++ = *s;
	}
	*o = '\0';
}

/*
 * The root mapping of one argument u under p (p->root set), against
 * plain, the same policy without a root: refused when u (after
 * rrsync's "./" strip and "//" squeeze) does not begin with NAME, else
 * as plain reads "/rest".
 */
static void
check_root(const struct policy *p, const struct policy *plain,
    const char *u)
{
	char *sq, *out = NULL, *pout = NULL, *em = NULL, *pem = NULL, *alt;
	const char *s;
	int fl, pfl, named, r, pr;

	/* what request_normalize looks at: "./" gone, "//" squeezed */
	sq = malloc(strlen(u) + 1);
	if (sq == NULL)
		abort();
	strcpy(sq, strncmp(u, "./", 2) == 0 ? u + 1 : u);
	squeeze(sq);
	for (s = sq; *s == '/'; s++)
		;
	named = strncmp(s, p->root, p->rootlen) == 0 &&
	    (s[p->rootlen] == '/' || s[p->rootlen] == '\0');
	r = request_normalize(p, "arg", u, 1, &out, &fl, &em);
	if (!named) {
		/* another root, no root, or a pattern: always refused */
		if (r != -1 || em == NULL ||
		    strstr(em, "one transfer names one root") == NULL)
			abort();
		free(em);
		free(sq);
		return;
	}
	alt = malloc(strlen(s) + 2);
	if (alt == NULL)
		abort();
	alt[0] = '/';
	strcpy(alt + 1, s + p->rootlen);
	pr = request_normalize(plain, "arg", alt, 1, &pout, &pfl, &pem);
	if (r != pr)
		abort();
	if (r == 0) {
		squeeze(out);
		squeeze(pout);
		if (strcmp(out, pout) != 0 || fl != pfl)
			abort();
		/* beneath DIR: DIR itself, or DIR "/" something */
		if (p->subdir && (strncmp(out, p->dir, p->dirlen) != 0 ||
		    (out[p->dirlen] != '\0' && out[p->dirlen] != '/')))
			abort();
	}
	free(out);
	free(pout);
	free(em);
	free(pem);
	free(alt);
	free(sq);
}

static void
check(const struct policy *p, const struct policy *plain, const char *rest,
    const struct words *ws)
{
	struct request r;
	char *em = NULL, *out, *u;
	size_t i;
	int fl;

	if (request_parse(p, rest, ws, &r, &em) == -1) {
		if (em == NULL || r.items != NULL || r.nitems != 0)
			abort();
		free(em);
		return;
	}
	if (em != NULL || r.nitems == 0 || strcmp(r.items[0].text,
	    "--server") != 0)
		abort();
	if (p->ro && !r.am_sender)
		abort();
	if (p->wo && r.am_sender)
		abort();
	for (i = 0; i < r.nitems; i++) {
		if (r.items[i].text == NULL && r.items[i].value == NULL)
			abort();
		if (r.items[i].is_path && !p->subdir)
			abort();
		/* MUST 3: no ".." component survives in a confined value */
		if (p->subdir && r.items[i].value != NULL &&
		    (strcmp(r.items[i].value, "..") == 0 ||
		    strncmp(r.items[i].value, "../", 3) == 0 ||
		    strstr(r.items[i].value, "/../") != NULL))
			abort();
		/* a root's path option names that root's DIR, absolutely */
		if (p->root != NULL && p->subdir && r.items[i].is_path &&
		    strncmp(r.items[i].value, p->dir, p->dirlen) != 0)
			abort();
	}
	for (i = 0; i < r.nargs; i++) {
		u = cmdline_unescape(r.args[i]);
		out = NULL;
		em = NULL;
		if (request_normalize(p, "arg", u, 1, &out, &fl, &em) == 0) {
			if (em != NULL || out == NULL)
				abort();
			if (p->subdir && (fl & NORM_ROOTREL) &&
			    strncmp(out, p->dir, p->dirlen) != 0)
				abort();
		} else if (em == NULL || out != NULL)
			abort();
		free(out);
		free(em);
		if (p->root != NULL)
			check_root(p, plain, u);
		free(u);
	}
	request_free(&r);
}

/* The --root policies: NAME, DIR and mode as serve.c use_dir sets them. */
static void
roots(struct policy *p, struct policy *plain)
{
	static const struct {
		const char	*name, *dir;
		int		 ro, wo, no_del, munge;
	} t[] = {
		{ "www",	"/srv/www",	1, 0, 0, 0 },
		{ "up",		"/srv/up",	0, 1, 1, 0 },
		{ "a",		"/srv/a",	0, 0, 0, 1 },
		{ "...",	"/srv/d",	0, 0, 1, 0 },	/* a legal NAME */
		{ "w.w-_",	"/",		0, 0, 0, 0 },	/* DIR "/" */
	};
	size_t i;

	memset(p, 0, sizeof(*p) * 5);
	for (i = 0; i < 5; i++) {
		p[i].dir = t[i].dir;
		p[i].dirlen = strlen(t[i].dir);
		p[i].subdir = strcmp(t[i].dir, "/") != 0;
		p[i].ro = t[i].ro;
		p[i].wo = t[i].wo;
		p[i].no_del = t[i].no_del;
		p[i].munge = t[i].munge;
		plain[i] = p[i];
		p[i].root = t[i].name;
		p[i].rootlen = strlen(t[i].name);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct policy p[5], rp[5], plain[5];
	struct words ws;
	const char *err;
	char *s;
	int i;

	if (size > 65536)
		return 0;
	s = malloc(size + 1);
	if (s == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	if (cmdline_split(s, &ws, &err) == 0) {
		memset(p, 0, sizeof(p));
		for (i = 0; i < 5; i++) {
			p[i].dir = "/srv/x";
			p[i].dirlen = 6;
			p[i].subdir = 1;
		}
		p[1].dir = "/";
		p[1].dirlen = 1;
		p[1].subdir = 0;
		p[2].ro = 1;
		p[2].no_del = 1;
		p[3].wo = 1;
		p[3].no_overwrite = 1;
		p[4].absolute = 1;
		p[4].munge = 1;
		for (i = 0; i < 5; i++)
			check(&p[i], NULL, s, &ws);
		if (size > 0 && (data[0] & 1)) {
			roots(rp, plain);
			for (i = 0; i < 5; i++)
				check(&rp[i], &plain[i], s, &ws);
		}
		cmdline_free(&ws);
	}
	free(s);
	return 0;
}
