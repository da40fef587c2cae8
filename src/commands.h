/* commands.h - the subcommands main() dispatches to. */
#ifndef RSGUARD_COMMANDS_H
#define RSGUARD_COMMANDS_H

#define RSGUARD_VERSION	"0.1.0"

int	 serve_main(int, char **);
int	 keygen_main(int, char **);
int	 authorize_main(int, char **);
int	 lint_main(int, char **);

#endif
