/* tnemu.h - the public C API of libtnemu, the MPI-distributed matrix-product-state
 * emulator of noisy quantum circuits (libtnemu.so, libtnemu.a; `pkg-config tnemu`).
 *
 * This is the one header a program includes. It is made for C callers and for
 * foreign-function interfaces (Python ctypes): plain C types only, opaque handles,
 * no structs passed by value, arrays of double and int64_t owned by the caller
 * (the caller passes the buffer and its length), and the few strings the library
 * allocates are released with tnemu_free().
 *
 * Conventions of every function below:
 *  - It returns an int status: TNEMU_OK (0) on success, TNEMU_ERR_INTERNAL (1)
 *    for an internal, numerical, memory or write failure, TNEMU_ERR_INPUT (2)
 *    for bad input (a malformed file, an option out of range, a bad argument,
 *    a buffer too short). These are the exit statuses of the tnemu command.
 *    On failure, tnemu_last_error() returns a one-line message saying what
 *    was wrong ("FILE:LINE:COL: ...", or the argument and its valid range).
 *  - Handles: create(..., &h) sets h; free(&h) accepts NULL and sets h to NULL.
 *    A failed create leaves h NULL.
 *  - Qubits and classical bits are 0-based. Bitstrings (counts keys, amplitude
 *    requests) put qubit (or classical bit) 0 rightmost, as Qiskit does.
 *  - Complex numbers are two doubles, real part first (numpy complex128 layout).
 *  - "Collective" functions must be called by every rank of the communicator
 *    they run on, in the same order, with the same arguments. Every rank gets
 *    the same result and the same status.
 *  - Threads: call the library from one thread at a time (it uses OpenMP and
 *    threaded BLAS inside). The last-error message is kept per thread.
 *  - The library never calls exit() and never prints, except warnings (see
 *    tnemu_set_warning_handler).
 *
 * MPI. The library works in a process that never called MPI_Init: the first
 * call that needs MPI initialises it (MPI_THREAD_FUNNELED), and it is finalised
 * at process exit, or by tnemu_finalize(), only if the library initialised it.
 * A program that initialised MPI itself keeps that duty. The functions that run
 * (tnemu_run, tnemu_adapters_run, tnemu_qnn_run) take a communicator: a pointer
 * to an MPI_Comm handle (from C: &comm; from mpi4py: MPI._addressof(comm)), or a
 * handle from tnemu_comm_from_fortran(), or NULL for MPI_COMM_WORLD. Under
 * `mpirun -n P`, P processes calling with NULL run together on the world.
 *
 * Version: TNEMU_VERSION_MAJOR.MINOR.PATCH below; a program may compare
 * tnemu_version_number() (MAJOR * 10000 + MINOR * 100 + PATCH) with
 * TNEMU_VERSION_NUMBER to see that it runs with the library it was built for.
 * Within one major version, functions are only added, never changed. */
#ifndef TNEMU_H
#define TNEMU_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define TNEMU_VERSION_MAJOR 0
#define TNEMU_VERSION_MINOR 1
#define TNEMU_VERSION_PATCH 0
#define TNEMU_VERSION_NUMBER (TNEMU_VERSION_MAJOR * 10000 + TNEMU_VERSION_MINOR * 100 + TNEMU_VERSION_PATCH)

/* Statuses every function returns. */
#define TNEMU_OK 0
#define TNEMU_ERR_INTERNAL 1   /* internal, numerical, memory or write failure */
#define TNEMU_ERR_INPUT 2      /* bad input: file, option, argument, buffer size */

/* ---- library ------------------------------------------------------------------ */

/* The version as "MAJOR.MINOR.PATCH" (a static string; never NULL). */
const char *tnemu_version(void);

/* The version as MAJOR * 10000 + MINOR * 100 + PATCH. */
int tnemu_version_number(void);

/* The message of the last failure on this thread ("" if none): one line, no
 * trailing newline; valid until the next call into the library on this thread. */
const char *tnemu_last_error(void);

/* Initialises MPI if nobody has (MPI_Init_thread, MPI_THREAD_FUNNELED); calling
 * it is optional: every function that needs MPI does it. Not collective beyond
 * MPI_Init's own rules. Returns TNEMU_OK or TNEMU_ERR_INTERNAL. */
int tnemu_init(void);

/* Finalises MPI if the library initialised it (and nothing else still needs
 * it); else does nothing. Later calls that need MPI fail (MPI cannot restart).
 * Collective over MPI_COMM_WORLD when it finalises. Returns TNEMU_OK. */
int tnemu_finalize(void);

/* Warnings go to fn(message, user) instead of standard error; fn NULL
 * restores standard error. A noisy tnemu_run warns (on rank 0) of what its
 * result JSON's "noise" also records: T2 clipped to 2 T1, qubits without
 * T1/T2, readout errors clipped, gates the calibration lacks. */
typedef void (*tnemu_warning_fn)(const char *message, void *user);
void tnemu_set_warning_handler(tnemu_warning_fn fn, void *user);

/* quiet != 0: warnings are dropped (the handler is not called either). */
void tnemu_set_quiet(int quiet);

/* Frees a string or array the library allocated (tnemu_result_json, ...);
 * accepts NULL. */
void tnemu_free(void *p);

/* ---- communicators ---------------------------------------------------------- */

/* A communicator from its Fortran handle (MPI_Comm_c2f; mpi4py: comm.py2f()).
 * *out can be passed wherever a communicator pointer is asked for, and is
 * freed with tnemu_comm_free (which does not free the MPI communicator). */
typedef struct tnemu_comm tnemu_comm;
int tnemu_comm_from_fortran(int64_t fortran_handle, tnemu_comm **out);
void tnemu_comm_free(tnemu_comm **comm);

/* The rank of this process and the size of a communicator (NULL: the world). */
int tnemu_comm_rank(const void *comm, int64_t *rank, int64_t *size);

/* ---- circuits ------------------------------------------------------------------- */

typedef struct tnemu_circuit tnemu_circuit;

/* Reads a circuit file: format "qasm" (OpenQASM 2, or 3 as Qiskit writes it),
 * "originir", or NULL to decide by the name (.ir/.originir: OriginIR, else
 * OpenQASM) as the command does. Not collective (each caller reads the file).
 * Returns TNEMU_OK, or TNEMU_ERR_INPUT with "FILE:LINE:COL: ..." for a bad
 * circuit or an unreadable file. */
int tnemu_circuit_load(const char *path, const char *format, tnemu_circuit **out);

/* Parses a circuit from text (len bytes; -1: up to the NUL); name is used in
 * messages (NULL: "<string>"); format as for tnemu_circuit_load (NULL: OpenQASM
 * unless name says OriginIR). */
int tnemu_circuit_parse(const char *text, int64_t len, const char *name, const char *format, tnemu_circuit **out);

/* An empty circuit of nqubits qubits (register q) and nclbits classical bits
 * (register c; may be 0), to build gate by gate. */
int tnemu_circuit_create(int64_t nqubits, int64_t nclbits, tnemu_circuit **out);

/* Appends a built-in gate by its OpenQASM name (h, x, sx, rz, cx, cz, ecr,
 * rzz, ccx, cswap, u3, ...: the qelib1 set plus sx, ecr, r, rxx, ryy, rzz, rzx,
 * iswap, dcx, ...) on nqubits qubits with nparams angles (radians). Fails with
 * TNEMU_ERR_INPUT for an unknown name, a wrong number of qubits or parameters,
 * a qubit out of range or repeated. */
int tnemu_circuit_gate(tnemu_circuit *c, const char *name, int64_t nqubits, const int64_t *qubits, int64_t nparams,
                       const double *params);

/* Appends a dense unitary on k qubits (1 <= k <= 10): matrix is 2^k x 2^k
 * complex, row-major, as 2 * 4^k doubles (re, im), qubits[0] the most
 * significant bit of the row index. Unitarity is checked to 1e-8. */
int tnemu_circuit_unitary(tnemu_circuit *c, int64_t k, const int64_t *qubits, const double *matrix);

/* Appends a measurement of qubit into classical bit clbit. */
int tnemu_circuit_measure(tnemu_circuit *c, int64_t qubit, int64_t clbit);

/* Appends measurements of qubit i into classical bit i for every qubit
 * (needs nclbits >= nqubits). */
int tnemu_circuit_measure_all(tnemu_circuit *c);

/* Appends a reset of qubit to |0>. */
int tnemu_circuit_reset(tnemu_circuit *c, int64_t qubit);

/* Sizes of a circuit: qubits, classical bits, operations, gate layers
 * (depth), and whether it is dynamic (mid-circuit measurement or reset of a
 * qubit used again, or a condition). Any output pointer may be NULL. */
int tnemu_circuit_info(const tnemu_circuit *c, int64_t *nqubits, int64_t *nclbits, int64_t *nops, int64_t *depth,
                       int64_t *dynamic);

void tnemu_circuit_free(tnemu_circuit **c);

/* ---- run options ------------------------------------------------------------------- */

/* What a run computes and how: the options of `tnemu run` (docs/tnemu.1),
 * parsed and checked by the same code as the command's. A fresh object has
 * the command's defaults (chi 0 = no limit, cutoff 0, shots -1 = 1024 if the
 * circuit measures else 0, identity order, Vidal form, no noise) except the
 * seed: 1 (the command draws one from the clock; a library run is
 * reproducible unless the caller sets a seed). A setter called again
 * replaces the value; observables and amplitudes accumulate. */
typedef struct tnemu_options tnemu_options;

int tnemu_options_create(tnemu_options **out);
void tnemu_options_free(tnemu_options **o);

/* Maximum bond dimension (0: no limit; the command's --chi and its range). */
int tnemu_options_set_chi(tnemu_options *o, int64_t chi);

/* Discarded weight allowed per decomposition (0 .. 1; --cutoff). */
int tnemu_options_set_cutoff(tnemu_options *o, double cutoff);

/* Shots to sample (0 .. 1e9; -1: the default; --shots). */
int tnemu_options_set_shots(tnemu_options *o, int64_t shots);

/* The seed of every random stream (any 64-bit value; --seed). */
int tnemu_options_set_seed(tnemu_options *o, uint64_t seed);

/* Canonical form: "vidal" (default) or "center" (--canonical). */
int tnemu_options_set_canonical(tnemu_options *o, const char *form);

/* Qubit-to-site order: "identity", "auto" or a file (--order). */
int tnemu_options_set_order(tnemu_options *o, const char *order);

/* Noise model from a calibration file (--noise FILE): format "ibm",
 * "origin", "tnemu" or NULL to detect; scale >= 0 multiplies every error rate
 * (--noise-scale; 1 as calibrated). path NULL removes the noise. The file is
 * read when the run starts (errors then name it). */
int tnemu_options_set_noise(tnemu_options *o, const char *path, const char *format, double scale);

/* Which T2 relaxes Origin qubits: "ramsey" or "echo" (--t2). */
int tnemu_options_set_t2(tnemu_options *o, const char *t2);

/* Noise trajectories of a static noisy circuit (1 .. 1e8; 0: the default;
 * --trajectories). */
int tnemu_options_set_trajectories(tnemu_options *o, int64_t trajectories);

/* MPI groups the ranks are split into (0: chosen from the work; --groups). */
int tnemu_options_set_groups(tnemu_options *o, int64_t groups);

/* Adds a Pauli-string observable such as "Z0 Z1" or "X3" (--observable). */
int tnemu_options_add_observable(tnemu_options *o, const char *pauli);

/* Adds a bitstring whose amplitude is asked, qubit 0 rightmost (--amplitude). */
int tnemu_options_add_amplitude(tnemu_options *o, const char *bits);

/* on != 0: record the exact outcome distribution of the measured bits
 * (--probabilities). */
int tnemu_options_set_probabilities(tnemu_options *o, int64_t on);

/* Sets any option of `tnemu run` by its command-line name and value, e.g.
 * ("--chi", "128"), ("--dephasing-1f", "..."), ("--probabilities", NULL) for a
 * flag: the same parsing and the same messages as the command. Options that
 * only concern files and printing (-o, --format, -q, --checkpoint ...) are
 * refused with TNEMU_ERR_INPUT. */
int tnemu_options_set_arg(tnemu_options *o, const char *name, const char *value);

/* ---- running a circuit ---------------------------------------------------------- */

typedef struct tnemu_result tnemu_result;

/* Emulates c with options o (NULL: the defaults) on communicator comm (see
 * MPI above; NULL: MPI_COMM_WORLD). Collective over comm. Every rank gets the
 * whole result. Returns TNEMU_OK, TNEMU_ERR_INPUT (bad observable, amplitude,
 * order, noise file ...) or TNEMU_ERR_INTERNAL. */
int tnemu_run(const tnemu_circuit *c, const tnemu_options *o, const void *comm, tnemu_result **out);

/* Scalars of a result; any pointer may be NULL. fidelity: the estimate
 * prod(1 - discarded weight) (dynamic and noisy runs: the mean over shots or
 * trajectories); max_bond: the largest bond dimension reached. */
int tnemu_result_summary(const tnemu_result *r, int64_t *nqubits, int64_t *shots, double *fidelity,
                         double *log_fidelity, double *discarded_weight, int64_t *max_bond);

/* Counts: *n distinct outcomes, each a key of *width characters. */
int tnemu_result_counts_size(const tnemu_result *r, int64_t *n, int64_t *width);

/* Copies the counts: keys gets n keys of width + 1 bytes each (the bitstring,
 * classical bit 0 rightmost, then a NUL), sorted; counts gets n numbers.
 * keys_bytes and n say how large the buffers are (TNEMU_ERR_INPUT if too
 * small). keys may be NULL to fetch only the numbers. */
int tnemu_result_counts(const tnemu_result *r, char *keys, int64_t keys_bytes, int64_t *counts, int64_t n);

/* The same counts with each outcome as an integer (bit j = classical bit j);
 * only for width <= 63 (else TNEMU_ERR_INPUT). */
int tnemu_result_counts_int(const tnemu_result *r, int64_t *outcomes, int64_t *counts, int64_t n);

/* Standard errors of the counts of a noisy run (0 when noiseless), in the
 * order of tnemu_result_counts. */
int tnemu_result_count_errors(const tnemu_result *r, double *errors, int64_t n);

/* Expectation values of the observables (in the order added) and their
 * standard errors (0 for a noiseless static run); n: the number asked. */
int tnemu_result_expectations(const tnemu_result *r, double *values, double *errors, int64_t n);

/* Amplitudes of the requested bitstrings: 2 n doubles (re, im). */
int tnemu_result_amplitudes(const tnemu_result *r, double *re_im, int64_t n);

/* *n = 2^width probabilities when asked (tnemu_options_set_probabilities), else 0. */
int tnemu_result_probabilities_size(const tnemu_result *r, int64_t *n);

/* The outcome distribution: index bit j = classical bit j. */
int tnemu_result_probabilities(const tnemu_result *r, double *p, int64_t n);

/* Bond dimensions after the run: nqubits - 1 numbers (dynamic: max over shots). */
int tnemu_result_bond_dimensions(const tnemu_result *r, int64_t *dims, int64_t n);

/* The result as the JSON object `tnemu run -o` writes (timing fields aside,
 * the same numbers); *json is NUL-terminated, free it with tnemu_free. */
int tnemu_result_json(const tnemu_result *r, char **json);

void tnemu_result_free(tnemu_result **r);

/* ---- adapters: Cayley unitary adapter blocks (docs/adapters.md) ------------------ */

/* A prepared adapter experiment: the spec of `tnemu adapters` (device, block
 * size, generators, inputs, shots, noise, ...), checked when it is made;
 * generators, inputs and other values may then be replaced between runs.
 * (Each run reads the spec's files again, as the command does: about 0.2 ms
 * for a small spec, docs/library.md.) */
typedef struct tnemu_adapters tnemu_adapters;

/* From a spec file (as `tnemu adapters SPEC.json`). Not collective. */
int tnemu_adapters_load(const char *spec_path, tnemu_adapters **out);

/* From spec JSON text; file names in it are relative to base_dir (NULL: the
 * current directory). The spec must still name generators and inputs (give
 * {"random": 1} and {"random": 1, "count": 1, "pieces": 1} when the caller
 * sets them with the functions below). */
int tnemu_adapters_parse(const char *spec_json, const char *base_dir, tnemu_adapters **out);

/* Sizes: block qubits k, d = 2^k, whether generators are complex, generators
 * held (1: shared by every piece, else one per piece), inputs, numbers per
 * input (pieces x d), blocks per circuit, circuits per run. Any pointer may be NULL. */
int tnemu_adapters_info(const tnemu_adapters *a, int64_t *k, int64_t *d, int64_t *complex_generators,
                        int64_t *ngenerators, int64_t *ninputs, int64_t *input_length, int64_t *blocks_per_circuit,
                        int64_t *circuits);

/* Replaces the generators: n generators (1, shared, or one per piece), each
 * as in the spec: the d(d-1)/2 entries above the diagonal of the skew-
 * symmetric K (real), or those as (re, im) pairs followed by the d imaginary
 * diagonal entries (complex). numbers_per_generator must match. */
int tnemu_adapters_set_generators(tnemu_adapters *a, int64_t n, int64_t numbers_per_generator, const double *gens);

/* Replaces the inputs: n vectors of length numbers each (a multiple of d). */
int tnemu_adapters_set_inputs(tnemu_adapters *a, int64_t n, int64_t length, const double *inputs);

/* Overrides of the spec: shots (1 .. 1e9), seed, noise scale (0 .. 1000;
 * 0: noiseless), trajectories (0: default), MPI groups (0: chosen). */
int tnemu_adapters_set_shots(tnemu_adapters *a, int64_t shots);
int tnemu_adapters_set_seed(tnemu_adapters *a, uint64_t seed);
int tnemu_adapters_set_noise_scale(tnemu_adapters *a, double scale);
int tnemu_adapters_set_groups(tnemu_adapters *a, int64_t groups);

/* Sets one top-level key of the spec to a JSON value given as text, e.g.
 * ("device", "{\"kind\": \"ibm\", \"file\": \"conf_fez.json\"}"), ("noise",
 * "\"props_fez.json\""), ("noise", "null"), ("block_qubits", "3"), ("compile",
 * "\"separate\""): anything docs/adapters.md lists. The spec is checked again
 * at once (files read, blocks placed); on failure it is left as it was. */
int tnemu_adapters_set_spec(tnemu_adapters *a, const char *key, const char *json_value);

/* Runs every circuit on comm (NULL: the world). Collective. Fills outputs
 * (ninputs x input_length doubles; complex generators: ninputs x input_length
 * x 2, re and im), errors (ninputs x pieces relative errors |y - Ux| / |Ux| per
 * piece; may be NULL) and *mean_error (may be NULL). n_outputs and n_errors
 * are the buffers' lengths in doubles. Every rank gets the numbers. */
int tnemu_adapters_run(tnemu_adapters *a, const void *comm, double *outputs, int64_t n_outputs, double *errors,
                       int64_t n_errors, double *mean_error);

/* The JSON of the last run, as `tnemu adapters -o` writes it (free it with tnemu_free). */
int tnemu_adapters_json(const tnemu_adapters *a, char **json);

void tnemu_adapters_free(tnemu_adapters **a);

/* ---- qnn: QWTHN-style layers (docs/qnn.md) --------------------------------------- */

/* A prepared QNN layer: the spec of `tnemu qnn` (device, qubits, couplers,
 * layers, observables, noise ...); parameters and inputs may be replaced. */
typedef struct tnemu_qnn tnemu_qnn;

int tnemu_qnn_load(const char *spec_path, tnemu_qnn **out);
int tnemu_qnn_parse(const char *spec_json, const char *base_dir, tnemu_qnn **out);

/* Sizes: qubits used, parameters per set (2 x qubits x layers), features per
 * input, observables, parameter sets and inputs held. Any pointer may be NULL. */
int tnemu_qnn_info(const tnemu_qnn *q, int64_t *nqubits, int64_t *nparams, int64_t *nfeatures, int64_t *nobservables,
                   int64_t *nsets, int64_t *ninputs);

/* Replaces the parameters: nsets sets of nparams angles. */
int tnemu_qnn_set_parameters(tnemu_qnn *q, int64_t nsets, int64_t nparams, const double *params);

/* Replaces the inputs: ninputs rows of nfeatures angles (feature j on qubit j mod n). */
int tnemu_qnn_set_inputs(tnemu_qnn *q, int64_t ninputs, int64_t nfeatures, const double *inputs);

/* Sets one top-level key of the spec to a JSON value given as text (as
 * tnemu_adapters_set_spec; keys in docs/qnn.md: "device", "qubits",
 * "couplers", "layers", "observables", "noise", "noise_scale", ...). Checked
 * at once; on failure the spec is left as it was. */
int tnemu_qnn_set_spec(tnemu_qnn *q, const char *key, const char *json_value);

/* MPI groups (0: chosen) and seed overrides. */
int tnemu_qnn_set_groups(tnemu_qnn *q, int64_t groups);
int tnemu_qnn_set_seed(tnemu_qnn *q, uint64_t seed);

/* Runs on comm (NULL: the world). Collective. For every (set, input) pair p =
 * set x ninputs + input: values[p x nobs + k] = <O_k>, errors likewise
 * (standard errors; 0 noiseless; may be NULL). gradients non-NULL asks for
 * parameter-shift gradients: gradients[(p x nobs + k) x nparams + j] =
 * d<O_k>/d theta_j (2 more circuits per parameter). n_values, n_errors,
 * n_gradients are the buffers' lengths. */
int tnemu_qnn_run(tnemu_qnn *q, const void *comm, double *values, int64_t n_values, double *errors, int64_t n_errors,
                  double *gradients, int64_t n_gradients);

/* The JSON of the last run, as `tnemu qnn -o` writes it (free it with tnemu_free). */
int tnemu_qnn_json(const tnemu_qnn *q, char **json);

void tnemu_qnn_free(tnemu_qnn **q);

#ifdef __cplusplus
}
#endif

#endif
