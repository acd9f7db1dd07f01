/* qasm.h - the OpenQASM 2.0 and 3 front end.
 *
 * Reads OpenQASM 2.0 as QASMBench and Qiskit write it: qelib1 gates (built in,
 * `include "qelib1.inc"` needs no file) plus Qiskit's extensions, custom `gate`
 * definitions (expanded), register broadcast, measure, reset, barrier and
 * `if(creg==N)` with integers of any width. A header `OPENQASM 3` selects
 * the OpenQASM 3 subset of qasm3.c. Errors name FILE:LINE:COL.
 * Not for: OriginIR (originir.h). */
#ifndef TN_QASM_H
#define TN_QASM_H

#include <stddef.h>

#include "circuit.h"

/* Parses the file at path ("-": standard input) into a new circuit. On
 * failure *out is NULL and the status is TN_ERR_INPUT ("path:line:col:
 * error: ...", or a directory) or TN_ERR_IO. */
int qasm_parse_file(const char *path, circuit **out);

/* Parses text (len bytes, need not be NUL-terminated; a UTF-8 byte-order
 * mark at its start is skipped); name is used in messages. */
int qasm_parse_string(const char *text, size_t len, const char *name, circuit **out);

/* OpenQASM 3 inputs (`input float[64] theta;`) take their values from
 * assignments "NAME=VALUE" (`tnemu run --param`), kept for the process and
 * read by every later parse. Returns TN_OK or TN_ERR_USAGE naming the
 * option and the bad text. qasm_clear_params forgets them all. */
int qasm_bind_param(const char *assignment);
void qasm_clear_params(void);

#endif
