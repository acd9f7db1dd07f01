#!/bin/sh
# blocks.t - adapter blocks: compiled state preparations and their emission against the dense reference, placement.
exec "${TNEMU_BUILD:-build}/tests/test_blocks"
