/* commands.h - the subcommands main() dispatches to (serve.h: serve). */
#ifndef RSGUARD_COMMANDS_H
#define RSGUARD_COMMANDS_H

#include "serve.h"
#include "version.h"

int	 keygen_main(int, char **);
int	 authorize_main(int, char **);
int	 lint_main(int, char **);
int	 showcmd_main(int, char **);
int	 check_main(int, char **);
int	 mirror_main(int, char **);
int	 trust_main(int, char **);
int	 status_main(int, char **);
int	 schedule_main(int, char **);

#endif
