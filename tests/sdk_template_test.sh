#!/bin/sh
# Installs the project into a temporary prefix with meson's default libdir
# (lib/x86_64-linux-gnu on Debian) and checks that the plugin directory is
# PREFIX/lib/schemareg.d all the same: in the install, the pkg-config
# plugindir variable, schemareg-host --help and the host's default. Then
# builds the plugin template out of tree with nothing but `pkg-config
# --cflags schemareg-provider` and checks its exports. Compiles the ABI header as
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
meson setup "$work/build" "$source_dir" --prefix "$prefix" \
    -Dtests=disabled -Dinstall_examples=true >"$work/setup.log" 2>&1 ||
    { cat "$work/setup.log" >&2; fail "meson setup of $source_dir"; }
ninja -C "$work/build" -j2 >"$work/build.log" 2>&1 ||
    { cat "$work/build.log" >&2; fail "build"; }
meson install -C "$work/build" --quiet >"$work/install.log" 2>&1 ||
    { cat "$work/install.log" >&2; fail "meson install"; }

for file in include/schemareg/provider.h \
    lib/schemareg.d/billing.so lib/schemareg.d/crm.so lib/schemareg.d/identity.so; do
    [ -e "$prefix/$file" ] || fail "meson install did not create $prefix/$file"
done
pc_file=$(find "$prefix" -name schemareg-provider.pc)
[ -n "$pc_file" ] || fail "meson install did not create schemareg-provider.pc"

step "the plugin directory is PREFIX/lib/schemareg.d"
"$prefix/bin/schemareg-host" --help >"$work/help.out"
grep -q "^ *$prefix/lib/schemareg.d)\$" "$work/help.out" ||
    fail "schemareg-host --help does not name $prefix/lib/schemareg.d: $(cat "$work/help.out")"
(unset SCHEMAREG_PLUGIN_PATH && "$prefix/bin/schemareg-host" list) >"$work/default.out" ||
    fail "schemareg-host list without --plugin-dir failed"
grep -q "^$prefix/lib/schemareg.d/billing.so: billing " "$work/default.out" ||
    fail "the default plugin directory is not $prefix/lib/schemareg.d: $(cat "$work/default.out")"

step "build the template with pkg-config only"
export PKG_CONFIG_PATH="${pc_file%/*}"
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
