#!/bin/sh
# Checks that every plugin given exports exactly one dynamic symbol,
# schemareg_providers, so plugins cannot clash through their symbols.
# Usage: plugin_exports_test.sh NM PLUGIN.so...
set -eu

nm_tool=$1
shift
status=0
for plugin in "$@"; do
    symbols=$("$nm_tool" -D --defined-only "$plugin" | awk '{ print $3 }' | sort)
    if [ "$symbols" != "schemareg_providers" ]; then
        echo "$plugin: exports [$(echo $symbols)], expected exactly schemareg_providers" >&2
        status=1
    else
        echo "$plugin: exports only schemareg_providers"
    fi
done
exit $status
