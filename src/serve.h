/* serve.h - the forced command. */
#ifndef RSGUARD_SERVE_H
#define RSGUARD_SERVE_H

void	 serve_usage(int);

#endif
