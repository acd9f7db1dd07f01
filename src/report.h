/* report.h - running the project's plotting scripts (the .py files in scripts/, with
 * /usr/bin/python3 and matplotlib) from the C commands, and writing report
 * directories all or nothing.
 * Not for: computing what is plotted (compare.c, adapters.c). */
#ifndef TN_REPORT_H
#define TN_REPORT_H

#include <stddef.h>

/* The path of helper script NAME: $TNEMU_SCRIPTS/NAME, else, beside the
 * folder of the executable (/proc/self/exe), ../share/tnemu/NAME (installed)
 * or ../scripts/NAME (a checkout). Returns 1 if found. */
int report_find_script(const char *name, char *out, size_t size);

/* Runs $TNEMU_PYTHON (default /usr/bin/python3) on scripts/NAME with two
 * arguments; what names the option in messages. The script's stderr is
 * captured: on failure its last line is the reason (the scripts say there
 * whether a Python module is missing; TNEMU_TRACE=1 shows all of it).
 * Returns TN_OK, TN_ERR_WRITE (not found, cannot start) or TN_ERR_INTERNAL
 * (the script failed), with a one-line message. */
int report_run_script(const char *name, const char *what, const char *arg1, const char *arg2);

/* TN_ERR_USAGE if dir exists and is not a directory, else TN_OK. */
int report_check_dir(const char *dir, const char *what);

/* Writes dir/json_name (json_text) and what scripts/SCRIPT draws from it
 * into dir, all or nothing: everything is made in a staging directory
 * beside dir and moved in only when the script succeeded, so a failure
 * leaves dir as it was (or absent). Returns TN_OK or a tn_status with a
 * one-line message (report_run_script's on a failing script). */
int report_write_dir(const char *dir, const char *json_name, const char *json_text, const char *script,
                     const char *what);

#endif
