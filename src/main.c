/* main.c - subcommand dispatch only. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "util.h"

static const struct command {
	const char	*name;
	int		(*fn)(int, char **);
	const char	*what;
} commands[] = {
	{ "serve",	serve_main,
	    "the SSH forced command: a confined, stricter rrsync" },
	{ "keygen",	keygen_main,
	    "make a dedicated passphrase-less key for one mirror" },
	{ "authorize",	authorize_main,
	    "print or install the restricted authorized_keys line" },
	{ "lint",	lint_main,
	    "check authorized_keys files the way sshd reads them" },
	{ "showcmd",	showcmd_main,
	    "print the rsync server command an rsync command line sends" },
	{ "check",	check_main,
	    "prove from the client that a key works and is restricted" },
	{ "mirror",	mirror_main,
	    "run a mirror job: locked, pinned, retried, time-bounded" },
	{ "trust",	trust_main,
	    "pin a job's server host key on first use" },
	{ "status",	status_main,
	    "last result and age of each job; non-zero when overdue" },
	{ "schedule",	schedule_main,
	    "print or install systemd units or a crontab line for a job" },
};

static void
usage(int status)
{
	FILE *f = status ? stderr : stdout;
	size_t i;

	fprintf(f, "usage: rsguard COMMAND [ARGS...]\n\n"
	    "Secure unattended mirroring with rsync over SSH.\n\ncommands:\n");
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].what);
	fprintf(f, "  %-10s %s\n", "help", "this text");
	fprintf(f, "\n\"rsguard COMMAND -h\" describes a command; "
	    "see rsguard(1).\n");
	exit(status);
}

int
main(int argc, char **argv)
{
	const char *base;
	size_t i;

	util_argv0 = argv[0];
	base = argv[0] ? strrchr(argv[0], '/') : NULL;
	base = base ? base + 1 : argv[0] ? argv[0] : "rsguard";
	/* An existing command="rrsync ..." line keeps working. */
	if (strcmp(base, "rrsync") == 0) {
		util_progname = "rrsync";
		return serve_main(argc, argv);
	}
	if (argc < 2)
		usage(1);
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(argv[1], commands[i].name) == 0)
			return commands[i].fn(argc - 1, argv + 1);
	if (strcmp(argv[1], "help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "--help") == 0)
		usage(0);
	if (strcmp(argv[1], "--version") == 0) {
		printf("rsguard %s\n", RSGUARD_VERSION);
		return 0;
	}
	fprintf(stderr, "rsguard: error: unknown command \"%s\"\n", argv[1]);
	usage(1);
}
