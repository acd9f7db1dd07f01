/* plan.h - `tnemu plan`: fit, layout and predicted time of a run on M nodes
 * from the scaling model (docs/scaling.md). Not for: running it (run.c). */
#ifndef TN_PLAN_H
#define TN_PLAN_H

/* Runs `tnemu plan`; returns a status code (error.h). */
int plan_command(int argc, char **argv);

#endif
