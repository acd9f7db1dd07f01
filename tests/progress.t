#!/bin/sh
# progress.t - progress lines fit 80 columns whatever the numbers; the work model of gates predicts the work a circuit does, ends at 1, never goes back (tests/unit/test_progress.c).
exec "${TNEMU_BUILD:-build}/tests/test_progress"
