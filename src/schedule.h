/* schedule.h - the order in which a run applies a circuit's gates.
 *
 * Gates that share no qubit commute, so any order that keeps each qubit's
 * gates in circuit order gives the same state in exact arithmetic. The
 * scheduler picks, among the gates whose predecessors are done, the one
 * nearest the MPS orthogonality centre (one-qubit gates first: they cost no
 * centre move), so a layer of gates is swept like a snake instead of moving
 * the centre back and forth across the chain. The choice depends only on the
 * circuit and the state's replicated metadata, so it is the same on every
 * rank and rank count. Truncation makes the result depend on the order at
 * the level of the discarded weight, like any order would.
 * A state in Vidal form has no centre; for a circuit whose gates all sit on
 * adjacent sites the gates go by layers (the lowest ready layer first, then
 * circuit order), which lets the ranks of a group apply the gates of their
 * own segments at the same time. A circuit that needs swaps follows where
 * the centre would be (mps_focus) as in the centre form: the order of
 * long-range gates decides how many swaps the lazy permutation costs, and
 * the layer order cost 70% more swaps on fez's heavy-hex map.
 * Routing (schedule_attach): where the qubits of a two-qubit gate meet, and
 * whether they leave it exchanged, looking at the gates ahead, so that a
 * qubit with many partners in a row (a QFT's) is carried along the chain once
 * instead of travelling to each partner and staying behind.
 * Not for: measurements and conditional operations (run in circuit order). */
#ifndef TN_SCHEDULE_H
#define TN_SCHEDULE_H

#include <stddef.h>

#include "circuit.h"
#include "mps.h"

typedef struct schedule schedule;

/* Prepares the gates among ops [from, to) of c. Returns TN_OK or TN_ERR_MEMORY. */
int schedule_create(const circuit *c, size_t from, size_t to, schedule **out);

/* Sets *op to the index of the next gate to apply on m; returns 0 when no
 * gate is left, 1 otherwise. */
int schedule_next(schedule *s, const mps *m, size_t *op);

/* 1 if the gate schedule_next (or schedule_take) gave last is the first of
 * a later layer than the gate before it. */
int schedule_new_layer(const schedule *s);

/* 1 if the gates are going by layers (Vidal form, no swaps): the layer
 * numbers then never decrease, and the gates between two schedule_new_layer
 * marks share no qubit. */
int schedule_by_layers(const schedule *s);

/* Marks gate op as applied, exactly as schedule_next would have taken it
 * (resuming from a checkpoint replays the recorded order through this).
 * TN_ERR_INPUT if op is not ready. */
int schedule_take(schedule *s, size_t op);

/* Makes s the router of m's two-qubit gates (mps_set_router): a gate whose
 * qubits are apart meets where the gates ahead of it in circuit order need
 * the fewest swaps, and may leave its qubits exchanged (a swap fused into the
 * gate). Decided from the circuit and m's replicated qubit placement, so the
 * same on every rank and thread count. schedule_destroy detaches it. */
void schedule_attach(schedule *s, mps *m);

/* Frees s (NULL is fine); detaches it from the state it routes. */
void schedule_destroy(schedule **s);

#endif
