#!/bin/sh
# Installs the project into a temporary prefix. Then builds the plugin
# template out of tree with nothing but `pkg-config --cflags
# schemareg-provider` and checks its exports. Compiles the ABI header as
# C99 and as C++11, and runs the installed schemareg-lint and
# schemareg-host (when they are part of the install) on the result.
#
# Usage: sdk_template_test.sh SOURCE_DIR
set -eu

source_dir=$(cd "$1" && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/schemareg-sdk.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM

prefix=$work/prefix
plugins=$work/plugins
mkdir -p "$plugins"

fail() {
    echo "FAIL: $*" >&2
    exit 1
}

step() {
    echo "== $*"
}

# Exactly one dynamic symbol, schemareg_providers.
check_exports() {
    symbols=$(nm -D --defined-only "$1" | awk '{ print $3 }' | sort | tr '\n' ' ')
    [ "$symbols" = "schemareg_providers " ] ||
        fail "$1 exports [$symbols], expected only schemareg_providers"
}

step "install into $prefix"
unset DESTDIR
meson setup "$work/build" "$source_dir" --prefix "$prefix" --libdir lib \
    -Dtests=disabled -Dinstall_examples=true >"$work/setup.log" 2>&1 ||
    { cat "$work/setup.log" >&2; fail "meson setup of $source_dir"; }
ninja -C "$work/build" -j2 >"$work/build.log" 2>&1 ||
    { cat "$work/build.log" >&2; fail "build"; }
meson install -C "$work/build" --quiet >"$work/install.log" 2>&1 ||
    { cat "$work/install.log" >&2; fail "meson install"; }

for file in include/schemareg/provider.h lib/pkgconfig/schemareg-provider.pc \
    lib/schemareg.d/billing.so lib/schemareg.d/crm.so lib/schemareg.d/identity.so; do
    [ -e "$prefix/$file" ] || fail "meson install did not create $prefix/$file"
done

step "build the template with pkg-config only"
export PKG_CONFIG_PATH="$prefix/lib/pkgconfig"
cflags=$(pkg-config --cflags schemareg-provider)
plugindir=$(pkg-config --variable=plugindir schemareg-provider)
[ "$plugindir" = "$prefix/lib/schemareg.d" ] ||
    fail "plugindir is $plugindir, expected $prefix/lib/schemareg.d"
cp "$source_dir/template/provider.c" "$work/provider.c"
(cd "$work" && cc -shared -fPIC $cflags -o "$plugins/myservice.so" provider.c) ||
    fail "the README build line failed"
check_exports "$plugins/myservice.so"

step "compile the header as C99 and as C++11"
(cd "$work" && cc -std=c99 -Wall -Wextra -Werror -pedantic -shared -fPIC $cflags \
    -o "$work/c99.so" provider.c) || fail "template does not build as C99"
check_exports "$work/c99.so"
c++ -std=c++11 -Wall -Wextra -Werror -pedantic -shared -fPIC $cflags \
    -o "$work/cxx.so" "$source_dir/tests/sdk_cxx_provider.cpp" ||
    fail "the header does not build as C++11"
check_exports "$work/cxx.so"

# A copy of the template whose seed lacks its condition expression.
sed 's/\.condition_expression = "attribute_not_exists(setting_id)",//' \
    "$work/provider.c" >"$work/broken.c"
(cd "$work" && cc -shared -fPIC $cflags -o "$work/broken.so" broken.c)

for program in schemareg-lint schemareg-host; do
    [ -x "$prefix/bin/$program" ] || fail "meson install did not install bin/$program"
done

step "schemareg-lint"
"$prefix/bin/schemareg-lint" "$plugins/myservice.so" "$work/cxx.so" ||
    fail "schemareg-lint rejected the template"
status=0
"$prefix/bin/schemareg-lint" "$work/broken.so" >"$work/lint.out" 2>&1 || status=$?
cat "$work/lint.out"
[ "$status" -eq 1 ] || fail "schemareg-lint exited $status on a seed without condition, expected 1"
grep -q "seed-condition" "$work/lint.out" || fail "schemareg-lint did not name the seed-condition rule"

step "schemareg-host validate and list"
cp "$work/cxx.so" "$plugins/cxxnotes.so"
"$prefix/bin/schemareg-host" --plugin-dir "$plugins" validate ||
    fail "schemareg-host validate rejected the template"
"$prefix/bin/schemareg-host" --plugin-dir "$plugins" list --providers >"$work/list.out" ||
    fail "schemareg-host list failed"
cat "$work/list.out"
for service in myservice cxxnotes; do
    grep -q "provider $service" "$work/list.out" ||
        fail "schemareg-host list does not show provider $service"
done

echo "PASS"
