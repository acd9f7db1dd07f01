/* noise.h - noise models: which channels follow which gate, how long gates
 * take, how qubits relax while they wait, and how readout errs.
 *
 * Sources (format detected from the JSON, or named with --noise-format):
 *  - ibm:    IBM backend properties (props_*.json; a conf_*.json beside it is
 *            read for the qubit count). Per calibrated gate and qubits, the
 *            convention of Qiskit Aer's NoiseModel.from_backend: thermal
 *            relaxation over the gate length on each qubit (T1, T2; T2 clipped
 *            to 2 T1), preceded by a depolarizing channel whose parameter makes
 *            the composite's average gate infidelity equal the reported
 *            gate_error (never negative; at most the physical maximum).
 *            Readout from prob_meas1_prep0 / prob_meas0_prep1, else
 *            readout_error. A gate_error of 1 marks a gate unusable.
 *  - origin: Origin Quantum chip configurations (chip_config_*.json with
 *            QubitParams / AdjMatrix, or cloud_chip_config_*.json with adjJSON
 *            / gateJSON): T1, T2 (the Ramsey "T2" or the echo "Ts2", as
 *            noise_t2 chooses), single-qubit fidelity for every one-qubit
 *            gate, the pair's CZ fidelity for every two-qubit gate on a
 *            coupler, readout from the fidelity matrix or P00/P11, the same
 *            construction as ibm with error = 1 - fidelity. Diagonal
 *            one-qubit gates (rz, p, z, s, t ...) are virtual: no error, no
 *            time. Qubits outside AvailableQubits are unusable.
 *  - tnemu:  tnemu's own JSON (docs/noise-format.md).
 *            A two-qubit ecr or cx calibrated in one direction only runs the
 *            other way as the device runs it: the calibrated gate with one sx
 *            on each qubit before and after it (Qiskit's GateDirection: ry's
 *            and h's, one sx each), so its error is 1 - (1 - e_gate) times
 *            (1 - e_sx) squared for each qubit, its length the gate's plus
 *            two sx lengths. dt (for delays in dt) comes from conf_*.json.
 *            Its coherent errors (coherent.h): a rule's "overrotation" adds
 *            eps to the gate's angle; "couplers" give static ZZ phases
 *            exp(-i 2 pi zz t Z_a Z_b / 2) over the schedule.
 * delay(T) has no rule: its qubit relaxes (T1, T2) for T, nothing else.
 * A rule matches an operation by gate name and qubits; the most specific wins:
 * (name, qubits) > (name, any qubits) > (any gate, qubits) > (any, any).
 * The noise scale lambda multiplies every error rate: probabilities scale by
 * lambda, relaxation rates 1/T1 and 1/T2 by lambda, readout errors by lambda.
 * Not for: applying noise (noisy.h), parsing circuits. */
#ifndef TN_NOISE_H
#define TN_NOISE_H

#include "channel.h"
#include "circuit.h"

/* One channel after a gate: on every qubit of the gate (one-qubit channel,
 * each = 1) or on the gate's qubits at positions pos[0..k-1]. */
typedef struct {
    channel ch;
    int each;
    int pos[CHANNEL_MAX_QUBITS];
} noise_apply;

typedef struct {
    char gate[CIRC_NAME_MAX];          /* "" matches any gate */
    int nqubits;                       /* 0 matches any qubits */
    int qubits[CIRC_MAX_GATE_QUBITS];
    int symmetric;                     /* the qubits match in either order */
    double duration;                   /* seconds; < 0: not given */
    double gate_error;                 /* the reported error, or -1 */
    int faulty;                        /* marked unusable by the calibration */
    noise_apply *apply;
    int napply;
    double overrotation;               /* radians added to the gate's angle (coherent.h), times the scale; 0: none */
    char where[96];                    /* the entry, for messages */
} noise_rule;

/* Which T2 relaxes an Origin qubit (--t2): the Ramsey T2 ("T2") or the
 * echo T2 ("Ts2"). NOISE_T2_DEFAULT asks for NOISE_T2_MEASURED, the one that
 * agreed better with the Wukong hardware runs (README, "Which T2"). Other
 * formats give one T2 per qubit and take only the default. */
typedef enum { NOISE_T2_DEFAULT = 0, NOISE_T2_RAMSEY, NOISE_T2_ECHO } noise_t2;
#define NOISE_T2_MEASURED NOISE_T2_ECHO

/* Static ZZ on a coupler: exp(-i 2 pi zz t Z_a Z_b / 2) over time t. */
typedef struct {
    int a, b;
    double zz;                         /* Hz, times the noise scale */
    char where[32];                    /* the entry, for messages */
} noise_coupler;

typedef struct {
    double t1, t2;                     /* seconds; 0: no relaxation while idle */
    double p1_given0, p0_given1;       /* readout confusion */
    int faulty;
    int without_times;                 /* a calibrated qubit lacking T1 or T2 (counted in times_missing) */
    int listed;                        /* tnemu format: 1 + the index of its "qubits" entry; 0: none */
    int t2_other;                      /* origin: the chosen T2 was missing, the other one is used */
} noise_qubit;

typedef struct {
    char source[256];
    char format[16];                   /* ibm, origin, tnemu */
    int nqubits;                       /* qubits described; 0: any */
    noise_qubit *qubit;                /* nqubits of them (or qubit_cap) */
    int qubit_cap;
    noise_rule *rules;
    size_t nrules, rules_cap;
    double scale;                      /* the noise scale applied */
    int idle;                          /* relax qubits while they wait */
    double duration_1q, duration_2q;   /* seconds, for gates no rule times */
    double measure_duration;
    double dt;                         /* seconds per sample (IBM conf "dt"), for delay(N dt); 0: unknown */
    int t2_clipped;                    /* qubits whose T2 > 2 T1 was clipped to 2 T1 */
    int times_missing;                 /* qubits without T1/T2 (0 in the file): no relaxation */
    noise_t2 t2_kind;                  /* origin: the T2 chosen (never DEFAULT); DEFAULT: the file's only T2 */
    int t2_fallback;                   /* origin: qubits relaxing with the other T2 (the chosen one missing) */
    int readout_clipped;               /* scaled readout errors clipped to 1/2 (no information) */
    int strict;                        /* a gate without a rule is an error (calibrations) */
    noise_coupler *couplers;           /* static ZZ (tnemu format "couplers") */
    int ncouplers;
    noise_qubit default_qubit;         /* for qubits past qubit_cap (tnemu format) */
    int has_default_qubit;
    struct noise_index *index;         /* rule lookup by hash, built by noise_load (NULL: a linear scan) */
} noise_model;

/* The parameters of qubit q (the default for qubits the model does not list). */
const noise_qubit *noise_qubit_params(const noise_model *m, int q);

/* Reads a noise model; format is "ibm", "origin", "tnemu" or NULL to detect.
 * scale >= 0 is the noise scale. Returns TN_OK, TN_ERR_IO, TN_ERR_INPUT (the
 * file and the offending entry named) or TN_ERR_MEMORY. */
int noise_load(const char *path, const char *format, double scale, noise_model **out);

/* noise_load with the T2 of Origin qubits chosen (noise_t2); a choice other
 * than NOISE_T2_DEFAULT for another format is TN_ERR_USAGE. */
int noise_load_t2(const char *path, const char *format, double scale, noise_t2 t2, noise_model **out);

/* Parses "ramsey" or "echo" for `what` (an option or a spec key); anything
 * else is TN_ERR_USAGE naming the valid values. */
int noise_parse_t2(const char *what, const char *value, noise_t2 *out);

/* "ramsey", "echo", or "as given" (NOISE_T2_DEFAULT: a format with one T2). */
const char *noise_t2_name(noise_t2 t2);

/* Checks that a model fits circuit c: a tnemu noise file (written for its
 * circuits) names no qubit >= c's width; TN_ERR_INPUT naming the entry, the
 * qubit and the range. Device calibrations may describe more qubits. */
int noise_check_circuit(const noise_model *m, const circuit *c);

/* Frees a model; accepts NULL; sets *m to NULL. */
void noise_destroy(noise_model **m);

/* The rule for a gate operation, or NULL if none matches. */
const noise_rule *noise_lookup(const noise_model *m, const circ_op *op);

/* The name rules use for a gate operation ("cx", "unitary" ...). */
const char *noise_gate_name(const circ_op *op);

/* The duration of op in seconds under m (rule, else the defaults; a delay's
 * own time, 0 if it is in dt and m has no dt: check noise_delay_known). */
double noise_duration(const noise_model *m, const circ_op *op, const noise_rule *rule);

/* Whether m can time op: 0 only for a delay in dt when m has no dt. */
int noise_delay_known(const noise_model *m, const circ_op *op);

/* Builds the rule of a calibrated gate the way ibm and origin do: thermal
 * relaxation on each of the k qubits over `length` seconds, after a
 * depolarizing channel making the average gate infidelity `error`.
 * *depol receives the depolarizing parameter. */
int noise_calibrated_rule(noise_model *m, const char *gate, int k, const int *qubits, double error, double length,
                          const char *where, double *depol);

/* Appends an empty rule (for loaders). */
int noise_add_rule(noise_model *m, noise_rule **rule);

/* A calibrated readout error p times the noise scale, clipped to 1/2 (a
 * reading that carries no information) and counted when clipped. */
double noise_scale_readout(noise_model *m, double p);

/* Adds a channel to a rule (for loaders); takes ownership of ch. */
int noise_add_channel(noise_rule *r, channel *ch, int each, const int *pos);

/* Makes room for qubits 0..n-1 (for loaders). */
int noise_reserve_qubits(noise_model *m, int n);

/* Loaders behind noise_load, on a parsed JSON document (json_t *). */
int noise_load_ibm(noise_model *m, void *props, const char *path);
int noise_load_origin(noise_model *m, void *root, const char *path);
int noise_load_tnemu(noise_model *m, void *root, const char *path);

#endif
