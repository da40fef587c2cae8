/* main.c - subcommand dispatch only. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "serve.h"
#include "util.h"

static void
usage(int status)
{
	FILE *f = status ? stderr : stdout;

	fprintf(f,
"usage: rsguard COMMAND [ARGS...]\n"
"\n"
"Secure unattended mirroring with rsync over SSH.\n"
"\n"
"commands:\n"
"  serve    the SSH forced command: a confined, stricter rrsync\n"
"           (see \"rsguard serve -h\"; also run as \"rrsync\")\n"
"  help     this text\n"
"\n"
"See rsguard(1).\n");
	exit(status);
}

int
main(int argc, char **argv)
{
	const char *base;

	base = argv[0] ? strrchr(argv[0], '/') : NULL;
	base = base ? base + 1 : argv[0] ? argv[0] : "rsguard";
	/* An existing command="rrsync ..." line keeps working. */
	if (strcmp(base, "rrsync") == 0) {
		util_progname = "rrsync";
		return serve_main(argc, argv);
	}
	if (argc < 2)
		usage(1);
	if (strcmp(argv[1], "serve") == 0)
		return serve_main(argc - 1, argv + 1);
	if (strcmp(argv[1], "help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "--help") == 0)
		usage(0);
	if (strcmp(argv[1], "--version") == 0) {
		printf("rsguard 0.1.0\n");
		return 0;
	}
	fprintf(stderr, "rsguard: error: unknown command \"%s\"\n", argv[1]);
	usage(1);
}
