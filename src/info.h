/* info.h - `tnemu info CIRCUIT`: what a circuit is and what emulating it costs.
 * Not for: running it (run.c). */
#ifndef TN_INFO_H
#define TN_INFO_H

/* Runs `tnemu info`; returns a status code (error.h). */
int info_command(int argc, char **argv);

#endif
