/* report.h - running the project's plotting scripts (the .py files in scripts/, with
 * /usr/bin/python3 and matplotlib) from the C commands.
 * Not for: computing what is plotted (compare.c, adapters.c). */
#ifndef TN_REPORT_H
#define TN_REPORT_H

#include <stddef.h>

/* The path of helper script NAME: $TNEMU_SCRIPTS/NAME, else, beside the
 * folder of the executable (/proc/self/exe), ../share/tnemu/NAME (installed)
 * or ../scripts/NAME (a checkout). Returns 1 if found. */
int report_find_script(const char *name, char *out, size_t size);

/* Runs $TNEMU_PYTHON (default /usr/bin/python3) on scripts/NAME with two
 * arguments; what names the option in messages. Returns TN_OK or TN_ERR_WRITE
 * with a one-line message. */
int report_run_script(const char *name, const char *what, const char *arg1, const char *arg2);

#endif
