/* spec.h - pieces shared by the JSON specs of `tnemu adapters` and `tnemu qnn`:
 * a bounded number, and the "device" object.
 * Not for: what the specs mean (adapters.c, qnn.c). */
#ifndef TN_SPEC_H
#define TN_SPEC_H

#include <jansson.h>

#include "blocks.h"

/* *out = v when v is a finite number in [lo, hi]; else TN_ERR_INPUT naming
 * the spec file, the key and the range. */
int spec_number(const char *path, json_t *v, const char *name, double lo, double hi, double *out);

/* The device of a spec: {"kind": "ibm"|"origin", "file": F}, {"kind": "line",
 * "qubits": N} or {"kind": "grid", "rows": R, "cols": C}. *origin is set for
 * Origin devices (their circuits are OriginIR). */
int spec_device(const char *path, json_t *dev, device_graph *g, int *origin);

#endif
