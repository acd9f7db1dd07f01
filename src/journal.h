/* journal.h - checkpoint and resume of task-farming commands (qnn, adapters,
 * batch): a journal of the tasks done, with their results, in DIR/journal.
 *
 * A task's result depends only on the job and the task's index (its random
 * streams derive from (seed, task)), so a resumed job runs only the tasks the
 * journal lacks and writes the same output as a job never stopped. The
 * journal is rewritten whole (a temporary renamed over it, src/outfile.c)
 * after every round of tasks, so a kill at any moment leaves the previous
 * round's journal. Its first lines name the job (the command, a hash of its
 * input file and of the options that change results); resuming with another
 * job is an error.
 * A round ends with a collective check for a stop: SIGUSR1 or SIGTERM
 * (checkpoint_install_signals), or the test hook TNEMU_STOP_AFTER_TASKS=N
 * (stop once N tasks have run in this process; TNEMU_SIGNAL_AFTER_TASKS=N
 * instead raises a real SIGTERM on world rank 0 then, for tests of the signal
 * path), after which the command exits with TN_STOPPED (status 3).
 * Not for: the state checkpoints of `tnemu run` (checkpoint.c, resume.c). */
#ifndef TN_JOURNAL_H
#define TN_JOURNAL_H

#include <mpi.h>
#include <stddef.h>

#include "group.h"

typedef struct journal journal;

/* The identity of a job: "COMMAND input-hash options-hash" over the input
 * file's bytes and argv without the options that do not change results
 * (-o, -q, --checkpoint, --resume, --progress, --groups, --max-memory).
 * Reads the file; call on one rank. *out is malloc'd. */
int journal_identity(const char *command, const char *input_path, int argc, char **argv, char **out);

/* Opens DIR/journal for a job of ntasks tasks: afresh (resume = 0: an old
 * journal there, and its parts, are replaced by an empty journal now), or
 * read back (resume = 1: it must exist and name the same identity; the
 * records of its parts are merged in and saved). Not collective (world rank 0). */
int journal_open(const char *dir, int resume, const char *identity, long ntasks, journal **out);

/* Task t's recorded result, or NULL when it is not done. */
const char *journal_record(const journal *j, long t);

/* Records task t's result (a copy of one line of text). */
int journal_set(journal *j, long t, const char *text);

/* Tasks recorded. */
long journal_done(const journal *j);

/* Rewrites DIR/journal with every record (atomically). */
int journal_save(journal *j);

/* Per-task records of one group leader, appended as its tasks finish (batch,
 * whose results are gathered only at the end): DIR/journal.part.R for world
 * rank R, the journal's header then one "t text" line per task, each line
 * written whole and flushed to disk, so that a kill -9 loses only the tasks
 * running. journal_open merges every part it finds into the journal when it
 * resumes (a line cut short by the kill is ignored, its task runs again) and
 * removes them when it starts afresh. Not collective. */
typedef struct journal_part journal_part;
int journal_part_open(const char *dir, const char *identity, long ntasks, int world_rank, journal_part **out);
int journal_part_append(journal_part *p, long t, const char *text);
void journal_part_close(journal_part **p);   /* NULL is fine */

/* Removes DIR's journal.part.* files (after journal_save has every record). */
void journal_remove_parts(const journal *j);

/* Frees j (NULL is fine) and sets it to NULL. */
void journal_destroy(journal **j);

/* n doubles as exact hexadecimal text, and back (TN_ERR_INPUT unless text
 * holds exactly n numbers). */
int journal_encode(const double *v, size_t n, char **text);
int journal_decode(const char *text, size_t n, double *v);

/* The TNEMU_STOP_AFTER_TASKS hook alone: 1 once `ran` tasks ran here. Not collective. */
int journal_stop_hook(long ran);

/* Collective over world: 1 when the job must stop after this round (a
 * signal, or the TNEMU_STOP_AFTER_TASKS hook with `ran` tasks run here). */
int journal_stop_due(MPI_Comm world, long ran);

/* A task: run task t on group g (collective over g->comm); g's leader
 * writes its `width` doubles to out. */
typedef int (*journal_task)(void *ctx, long t, tn_group *g, double *out);

typedef struct {
    const char *dir;            /* --checkpoint or --resume DIR; NULL: no journal */
    int resume;                 /* read DIR's journal first */
    const char *identity;       /* journal_identity of the job (world rank 0) */
    long round;                 /* tasks per round; <= 0: all in one round without a journal, G with one */
    const char *command;        /* for messages: "tnemu qnn" */
} journal_options;

/* Runs tasks 0..T-1 on ngroups groups of world in rounds of jo->round
 * tasks, one round after another; within a round, the k-th task not yet
 * done runs on group k mod G. World rank 0 ends with every task's width
 * doubles in all (T x width). With a journal, tasks done in it are not
 * run again, and the journal is saved after each round. Collective over
 * world. Returns TN_OK, the first failure on any rank, or TN_STOPPED (with
 * a message saying how to resume) when a stop came before the last round.
 * *rounds: the rounds of the whole job; *resumed: tasks taken from the
 * journal. */
int journal_farm(MPI_Comm world, int ngroups, long T, size_t width, journal_task fn, void *ctx,
                 const journal_options *jo, double *all, long *rounds, long *resumed);

#endif
