#!/bin/bash
# Times "schemareg-host list" (ELF notes only), "list --providers" and
# "list --json" (each plugin loaded in its own child process) over 10 and
# 500 generated plugins. Each command runs RUNS times (default 5). The
# script prints the fastest and the median wall-clock time in ms. It also
# prints the median CPU time in ms, user plus system, loader processes
# included.
#
# Usage: tools/bench/list_bench.sh [BUILD_DIR]   (default: build)
# Environment: RUNS, COUNTS (default "10 500"), HOST_OPTIONS (extra options
# for schemareg-host, such as --load-in-process).
set -euo pipefail

build_dir=${1:-build}
host="$build_dir/host/schemareg-host"
template="$build_dir/tools/bench_plugin.so"
runs=${RUNS:-5}
counts=${COUNTS:-10 500}
read -r -a host_options <<< "${HOST_OPTIONS:-}"

if [[ ! -x /usr/bin/time ]]; then
    echo "list_bench: /usr/bin/time not found; install GNU time (Debian package time)" >&2
    exit 2
fi
for file in "$host" "$template"; do
    if [[ ! -f $file ]]; then
        echo "list_bench: $file not found; build first with ninja -C $build_dir" >&2
        exit 2
    fi
done

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Writes count copies of the template into dir, each with its own name.
generate() {
    local dir=$1 count=$2
    mkdir -m 0755 "$dir"
    for ((i = 0; i < count; i++)); do
        local name
        name=$(printf 'bench-%08d' "$i")
        LC_ALL=C sed "s/bench-XXXXXXXX/$name/g" "$template" > "$dir/$name.so"
    done
    chmod 0644 "$dir"/*.so
}

# Prints "min MS median MS cpu MS" over $runs runs of the command. The CPU
# time is that of the command and every process it waited for.
measure() {
    local times=() cpus=()
    local usage="$work/usage"
    for ((run = 0; run < runs; run++)); do
        local start=$EPOCHREALTIME
        /usr/bin/time -f '%U %S' -o "$usage" "$@" > /dev/null
        local end=$EPOCHREALTIME
        times+=("$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", (b - a) * 1000 }')")
        cpus+=("$(awk '{ printf "%.0f", ($1 + $2) * 1000 }' "$usage")")
    done
    local cpu
    cpu=$(printf '%s\n' "${cpus[@]}" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')
    printf '%s\n' "${times[@]}" | sort -n |
        awk -v cpu="$cpu" '{ v[NR] = $1 } END {
            printf "min %7.1f ms  median %7.1f ms  cpu %5d ms", v[1], v[int((NR + 1) / 2)], cpu }'
}

echo "schemareg-host list benchmark: $(nproc) CPUs, $runs runs each"
for count in $counts; do
    dir="$work/plugins-$count"
    generate "$dir" "$count"
    for mode in "" "--providers" "--json"; do
        label="list${mode:+ $mode}"
        printf '%4d plugins  %-16s %s\n' "$count" "$label" \
            "$(measure "$host" --plugin-dir "$dir" "${host_options[@]}" list $mode)"
    done
done
