/* progress.h - progress of a long run on stderr (world rank 0 only).
 *
 * On a terminal: one line rewritten in place about twice a second (done /
 * total, largest bond, fidelity estimate, elapsed, ETA). Otherwise (batch
 * logs, SLURM output files): one line every `every` seconds. every = 0 turns
 * both off. Numbers are this rank's view (exact on one process; on several
 * ranks the bond and fidelity of rank 0's own sites).
 * Not for: results (result.c). */
#ifndef TN_PROGRESS_H
#define TN_PROGRESS_H

typedef struct {
    int on, tty;
    double every, start, last;
    long total;
    const char *what;          /* "gates", "trajectories" */
} progress;

/* Starts reporting `total` steps of `what`; rank is the world rank. */
void progress_start(progress *p, int rank, double every, long total, const char *what);

/* Reports done steps (cheap when nothing is due). */
void progress_update(progress *p, long done, int max_bond, double fidelity);

/* Ends the terminal line. */
void progress_end(progress *p);

#endif
