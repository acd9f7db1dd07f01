/* input.h - reading the files a user gives tnemu, the same way for every
 * reader: whole files (standard input for "-", pipes and other files that
 * cannot seek), directories refused as such, a UTF-8 byte-order mark
 * skipped, JSON with FILE:LINE:COL errors, and JSON objects whose keys must
 * all be known ones (a typo is an error, not a silently ignored key).
 * Limits that keep hostile input from exhausting the stack or memory live
 * here too.
 * Not for: writing files (result.c, checkpoint.c), what a file means. */
#ifndef TN_INPUT_H
#define TN_INPUT_H

#include <jansson.h>
#include <stddef.h>
#include <stdio.h>

/* The deepest an arithmetic expression of a circuit may nest (parentheses
 * and unary signs), in OpenQASM and OriginIR alike: far beyond any real
 * circuit, far below what the recursive-descent parsers' stack can hold. */
#define INPUT_MAX_EXPR_DEPTH 200

/* The most operations a circuit text may expand to, in both languages: a
 * gate that calls another twice, a few dozen deep, or broadcasts over huge
 * registers would otherwise take all memory and time. About 500 MB of
 * operations; QASMBench's largest circuits have about 200,000. */
#define INPUT_MAX_OPS (1L << 22)

/* The name of PATH in messages: "<stdin>" for "-", else PATH. */
const char *input_name(const char *path);

/* Opens the file PATH for reading ("-" is a file here: standard input is
 * for circuits, which one rank reads). A directory is refused: NULL with
 * errno = EISDIR (else NULL with fopen's errno). */
FILE *input_open(const char *path);

/* Reads all of PATH ("-": standard input) into a NUL-terminated buffer
 * (*text, free it; *len bytes before the NUL), in chunks, so pipes and
 * other unseekable files work. TN_ERR_INPUT for a directory, TN_ERR_IO if
 * PATH cannot be opened or read, TN_ERR_MEMORY. */
int input_read_file(const char *path, char **text, size_t *len);

/* Reads f from where it stands to its end, as input_read_file does; name
 * is for messages. Does not close f. */
int input_read_stream(FILE *f, const char *name, char **text, size_t *len);

/* 3 if text starts with the UTF-8 byte-order mark EF BB BF, else 0. */
size_t input_bom_length(const char *text, size_t len);

/* Parses the JSON file PATH ("-" is a file; jansson flags, e.g. JSON_REJECT_DUPLICATES)
 * after any byte-order mark. TN_ERR_INPUT "PATH:LINE:COL: error: ..." for
 * malformed JSON and "PATH: Is a directory"; TN_ERR_IO "cannot read 'PATH':
 * why" if it cannot be opened; what (e.g. "option --noise"), when set,
 * starts those two messages. */
int input_load_json(const char *path, size_t flags, const char *what, json_t **root);

/* TN_OK if obj is not an object or every key of obj is in valid (a
 * NULL-terminated list); else TN_ERR_INPUT naming the first unknown key:
 * "PATH: WHERE: unknown key "KEY" (valid: a, b, c)" (no "WHERE: " if where
 * is NULL or empty). */
int input_check_keys(const char *path, const char *where, const json_t *obj, const char *const *valid);

/* Reads a number at p (digits, '.', exponent; end: the end of the text) for
 * the circuit readers; returns its length, *is_real 1 if it has '.' or an
 * exponent. */
int input_scan_number(const char *p, const char *end, int *is_real);

#endif
