/* trace.h - the gate trace of a run (--trace FILE), input of the scaling
 * simulator (scripts/scaling-sim.py, docs/scaling.md "Trace format").
 *
 * Every rank of a group walks the same operations, so every rank advances
 * the same event sequence number; each event is recorded by the one rank that
 * knows it (windows: the rank that computed them; gates, one-qubit gates and
 * rebalances: group rank 0). trace_write gathers the lines on group rank 0,
 * orders them by sequence number and writes the file atomically.
 * Every recording call accepts a NULL trace and then does nothing.
 * Not for: timing phases of a run (result.c), progress lines (progress.c). */
#ifndef TN_TRACE_H
#define TN_TRACE_H

#include <stddef.h>

#include "group.h"

typedef struct tn_trace tn_trace;

/* A new, empty trace for this rank (group NULL: one process). */
int trace_create(tn_group *grp, tn_trace **out);

/* Frees the trace; accepts NULL and sets *t to NULL. */
void trace_destroy(tn_trace **t);

/* A multi-qubit gate of k qubits begins (before its swaps); layer_begins:
 * it is the first gate of a layer. Called on every rank. */
void trace_gate(tn_trace *t, int k, int layer_begins);

/* A one-qubit gate on site. Called on every rank. */
void trace_one(tn_trace *t, int site);

/* A window update (a gate's or a swap's) begins: advances the sequence
 * number on every rank; returns it. */
long trace_tick(tn_trace *t);

/* The window [first, first + k) with bond dimensions before[0..k] and
 * after[0..k] (bonds first .. first + k), computed in seconds on this rank,
 * under the sequence number seq from trace_tick. */
void trace_window(tn_trace *t, long seq, int first, int k, const int *before, const int *after, double seconds);

/* The partition changed to lo[0..nranks]. Called on every rank. */
void trace_rebalance(tn_trace *t, int nranks, const int *lo);

/* What the header line of a trace says about the run. */
typedef struct {
    const char *circuit;
    int qubits, chi, threads, vidal;
    double cutoff;
    int team_size, scalapack_min;   /* --team-size > 1: window seconds include the team's grid (written then only) */
} trace_info;

/* Gathers every rank's lines on group rank 0, which writes path (through a
 * temporary file and a rename) with a header from info; this rank's
 * gate-phase seconds and bytes sent go on its "p" line. Collective over the
 * group; only group 0 of several writes. Returns TN_OK, TN_ERR_MEMORY or
 * TN_ERR_WRITE. */
int trace_write(tn_trace *t, const char *path, const trace_info *info, double gate_seconds, size_t gate_bytes);

#endif
