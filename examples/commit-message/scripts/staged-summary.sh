#!/bin/sh
# Lists staged files with added/removed line counts, largest change first.
git diff --cached --numstat | sort -k1,1nr | awk '{ printf "%6s +%-6s -%-6s %s\n", NR, $1, $2, $3 }'
