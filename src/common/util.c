/* util.c - allocation wrappers that die instead of returning NULL. */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

const char *util_progname = "rsguard";
const char *util_argv0;
void (*util_fatal_hook)(const char *) = NULL;

void
fatal(const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* serve's hook writes the message and its log record, and exits. */
	if (util_fatal_hook != NULL)
		util_fatal_hook(msg);
	fprintf(stderr, "%s: error: %s\n", util_progname, msg);
	exit(1);
}

void *
xmalloc(size_t n)
{
	void *p;

	if (n == 0)
		fatal("xmalloc: zero size");
	if ((p = malloc(n)) == NULL)
		fatal("out of memory (allocating %zu bytes)", n);
	return p;
}

void *
xcalloc(size_t nmemb, size_t size)
{
	void *p;

	if (nmemb == 0 || size == 0)
		fatal("xcalloc: zero size");
	if (SIZE_MAX / nmemb < size)
		fatal("xcalloc: %zu * %zu overflows", nmemb, size);
	if ((p = calloc(nmemb, size)) == NULL)
		fatal("out of memory (allocating %zu * %zu bytes)", nmemb,
		    size);
	return p;
}

void *
xreallocarray(void *ptr, size_t nmemb, size_t size)
{
	void *p;

	if (nmemb == 0 || size == 0)
		fatal("xreallocarray: zero size");
	if (SIZE_MAX / nmemb < size)
		fatal("xreallocarray: %zu * %zu overflows", nmemb, size);
	/* NB. a temporary: the caller's pointer stays valid on failure. */
	if ((p = realloc(ptr, nmemb * size)) == NULL)
		fatal("out of memory (allocating %zu * %zu bytes)", nmemb,
		    size);
	return p;
}

char *
xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

char *
xstrndup(const char *s, size_t n)
{
	char *p;

	if (n == SIZE_MAX)
		fatal("xstrndup: overflow");
	p = xmalloc(n + 1);
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *
xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *p;
	int r;

	va_start(ap, fmt);
	r = vasprintf(&p, fmt, ap);
	va_end(ap);
	if (r < 0)
		fatal("out of memory (formatting)");
	return p;
}

const char *
path_beneath(const char *path, const char *dir, size_t dirlen)
{
	if (dirlen == 1 && dir[0] == '/') {	/* DIR is "/" */
		if (path[0] != '/')
			return NULL;
		return path[1] == '\0' ? path + 1 : path;
	}
	if (strncmp(path, dir, dirlen) != 0 ||
	    (path[dirlen] != '\0' && path[dirlen] != '/'))
		return NULL;
	return path + dirlen;
}

void
strvec_push(struct strvec *sv, char *s)
{
	char **nv;
	size_t ncap;

	if (sv->n + 1 >= sv->cap) {
		ncap = sv->cap ? sv->cap * 2 : 16;
		nv = xreallocarray(sv->v, ncap, sizeof(*nv));
		sv->v = nv;
		sv->cap = ncap;
	}
	sv->v[sv->n++] = s;
	sv->v[sv->n] = NULL;
}

void
strvec_free(struct strvec *sv)
{
	size_t i;

	for (i = 0; i < sv->n; i++)
		free(sv->v[i]);
	free(sv->v);
	sv->v = NULL;
	sv->n = sv->cap = 0;
}

unsigned
fnv1a(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

const char *
serve_refusal(const char *err)
{
	static const char *const tags[] = { "rsguard: error: ",
	    "rrsync: error: " };
	const char *p, *next;
	size_t i, n;

	for (p = err; p != NULL && *p != '\0'; p = next) {
		for (i = 0; i < sizeof(tags) / sizeof(tags[0]); i++) {
			n = strlen(tags[i]);
			if (strncmp(p, tags[i], n) == 0)
				return p + n;
		}
		next = p + strcspn(p, "\n");
		if (*next == '\n')
			next++;
	}
	return NULL;
}
