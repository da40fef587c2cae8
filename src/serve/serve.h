/* serve.h - the forced command. */
#ifndef RSGUARD_SERVE_H
#define RSGUARD_SERVE_H

int	 serve_main(int, char **);
void	 serve_usage(int);

#endif
