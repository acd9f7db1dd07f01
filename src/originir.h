/* originir.h - the OriginIR front end (Origin Quantum's QPanda circuit text).
 *
 * Reads OriginIR as QPanda 2/3 and QPanda-lite write it: QINIT, CREG, the
 * QPanda gate set (H X Y Z S T X1 Y1 Z1 I ECHO, RX RY RZ U1 P, U2 RPhi, U3,
 * U4, CNOT CZ ISWAP SQISWAP SWAP, CR CP RXX RYY RZZ RZX ISWAPTHETA, CU,
 * TOFFOLI) plus QPanda-lite's (SX, RPhi90, RPhi180, XX YY ZZ XY, PHASE2Q,
 * UU15, CSWAP), parameters as PI expressions, DAGGER/ENDDAGGER,
 * CONTROL/ENDCONTROL, QGATE/ENDQGATE, MEASURE, RESET, BARRIER and // comments.
 * Gate matrices follow QPanda's own definitions (QuantumGate.cpp), which
 * differ from Qiskit's for some gates (ISWAPTHETA, SQISWAP, U4, CU); the
 * result is the same circuit IR (circuit.h) as the OpenQASM front end makes.
 * Classical control (QIF, QWHILE, classical expressions) is refused with
 * "FILE:LINE:COL: error: ... is not supported".
 * Not for: OpenQASM (qasm.h); writing OriginIR. */
#ifndef TN_ORIGINIR_H
#define TN_ORIGINIR_H

#include <stddef.h>

#include "circuit.h"

/* Parses the file at path ("-": standard input) into a new circuit. On
 * failure *out is NULL and the status is TN_ERR_INPUT ("path:line:col:
 * error: ...", or a directory) or TN_ERR_IO. */
int originir_parse_file(const char *path, circuit **out);

/* Parses text (len bytes, need not be NUL-terminated; a UTF-8 byte-order
 * mark at its start is skipped); name is used in messages. */
int originir_parse_string(const char *text, size_t len, const char *name, circuit **out);

/* Whether a circuit is OriginIR: format is "originir", or format is NULL and
 * path ends in ".ir" or ".originir". */
int originir_wants(const char *path, const char *format);

#endif
