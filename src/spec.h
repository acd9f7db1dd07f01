/* spec.h - pieces shared by the JSON specs of `tnemu adapters` and `tnemu qnn`
 * (and the manifests of `tnemu batch`): a bounded number, the "device" object,
 * and file names inside a spec, which are relative to the spec's folder.
 * Not for: what the specs mean (adapters.c, qnn.c). */
#ifndef TN_SPEC_H
#define TN_SPEC_H

#include <jansson.h>

#include "blocks.h"
#include "noise.h"

/* *out = v when v is a finite number in [lo, hi]; else TN_ERR_INPUT naming
 * the spec file, the key and the range. */
int spec_number(const char *path, json_t *v, const char *name, double lo, double hi, double *out);

/* The path of a file named inside the spec at spec_path: name itself when it
 * is absolute, else name in the spec's folder (so a spec means the same files
 * from any working directory). Returns a malloc'd string, or NULL when out of
 * memory (TN_ERR_MEMORY recorded). */
char *spec_resolve(const char *spec_path, const char *name);

/* The noise keys of a spec: "noise" (a calibration file, resolved against
 * the spec's folder; null or false: none), "t2" (ramsey or echo), "noise_scale"
 * (0..1000) and "trajectories" (1..1e8). Each key present is read into its
 * field; absent ones leave theirs. Errors name the spec (TN_ERR_INPUT). */
int spec_noise(const char *path, json_t *root, char **noise_path, noise_t2 *t2, double *noise_scale,
               long *trajectories);

/* The device of a spec: {"kind": "ibm"|"origin", "file": F}, {"kind": "line",
 * "qubits": N} or {"kind": "grid", "rows": R, "cols": C}; F relative to the
 * spec's folder. *origin is set for Origin devices (their circuits are OriginIR). */
int spec_device(const char *path, json_t *dev, device_graph *g, int *origin);

#endif
