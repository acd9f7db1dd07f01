/* farm.h - a dynamic task farm over the groups of a world, with two-sided
 * messages only (no one-sided windows, so it runs on any transport: shared
 * memory, TCP, InfiniBand, with any osc component or none).
 *
 * World rank 0 (the leader of group 0) hands out task indices in order: the
 * leaders of the other groups ask it (FARM_TAG_ASK) and it answers
 * (FARM_TAG_TASK) between its own tasks; each leader asks for its next task
 * as soon as it starts one, so the answer is usually waiting when the task
 * ends. A leader passes the index to its group. Which group runs which task
 * depends on timing; what a task computes must not (its random stream comes
 * from the seed and the task index).
 * A rank that failed, or was signalled, says so in its next ask; world rank
 * 0 then hands out no more tasks, and every group stops after its current
 * one. World rank 0 answers until every leader has been told that there is
 * no more, so no message is left unmatched.
 * Not for: what a task is (src/batch.c). */
#ifndef TN_FARM_H
#define TN_FARM_H

#include "group.h"

#define FARM_FAILED 1           /* flag: this rank failed; stop handing out tasks */
#define FARM_STOP 2             /* flag: this rank was asked to stop (a signal) */

typedef struct tn_farm tn_farm;

/* A farm of ntasks tasks over the groups of g. Collective over g->world.
 * Returns TN_OK or TN_ERR_MEMORY (agreed on every rank). */
int farm_create(tn_group *g, long ntasks, tn_farm **out);

/* The next task for this group, or -1 when there is none (all handed out,
 * or the farm was stopped). Collective over g->comm. flags: FARM_FAILED
 * and/or FARM_STOP as this rank knows them now (only leaders' flags count). */
long farm_next(tn_farm *f, int flags);

/* On world rank 0, after the last farm_next: whether a rank asked the farm
 * to stop (FARM_STOP) or failed (FARM_FAILED); 0 elsewhere. */
int farm_stopped(const tn_farm *f);

/* Collective over g->world: world rank 0 answers every outstanding ask,
 * then everything is freed; accepts NULL and sets *f to NULL. */
void farm_destroy(tn_farm **f);

#endif
