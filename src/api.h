/* api.h - what the files of the public library (api*.c) share: the status
 * and message a public function leaves, MPI brought up on first use, the
 * communicator a caller passes, and the handles' layouts.
 * Not for: callers of the library (they include tnemu.h only). */
#ifndef TN_API_H
#define TN_API_H

#include <jansson.h>
#include <mpi.h>
#include <stdint.h>

#include "circuit.h"
#include "tnemu.h"

/* Ends a public function: records the message of a failing internal status
 * (tn_last_message, else its tn_strerror name) for tnemu_last_error() and
 * returns the public status (0, 1 or 2). */
int api_status(int status);

/* Fails with bad input and a printf-style message (returns TN_ERR_USAGE). */
int api_bad(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Clears the message of this thread; call on entry to a public function. */
void api_enter(void);

/* Brings MPI up (once) and sets BLAS threads; TN_OK or TN_ERR_INTERNAL. */
int api_ready(void);

/* The communicator a caller passed: NULL is MPI_COMM_WORLD, else a pointer
 * to an MPI_Comm (a tnemu_comm is one). */
MPI_Comm api_comm(const void *comm);

/* Sends a buffer of bytes from rank 0 of comm to every rank; the others
 * receive *bytes and a new malloc'ed *buf (NULL for 0 bytes). Collective. */
int api_bcast_buffer(MPI_Comm comm, void **buf, int64_t *bytes);

/* Serialises a JSON value to text (compact, 17 digits); NULL when out of memory. */
char *api_json_text(const json_t *v);

/* A copy of s in memory tnemu_free releases; NULL when out of memory. */
char *api_strdup(const char *s);

/* The engine's circuit behind a handle (api_circuit.c). */
const circuit *api_circuit(const tnemu_circuit *c);

/* Passes a warning to the caller's handler, or standard error, unless quiet. */
void api_warn(const char *message);

struct tnemu_comm {
    MPI_Comm comm;   /* first: a tnemu_comm * is a pointer to an MPI_Comm */
};

#endif
