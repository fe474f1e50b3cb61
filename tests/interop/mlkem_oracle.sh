#!/usr/bin/env bash
# ML-KEM-768 against an independent implementation, @noble/post-quantum's ml_kem768 (npm).
# For MLKEM_ORACLE_CASES random cases (default 200) both sides compute keygen_derand(d, z),
# encaps_derand(ek, m), decaps of that ciphertext and of a random one (implicit rejection), and the
# FIPS 203 7.2 modulus check on an ek with one coefficient >= q; every output must match byte for byte.
# Usage: tests/interop/mlkem_oracle.sh BUILD_DIR
#   Needs BUILD_DIR/libburrow.a; compiles only a small driver (tests/interop/mlkem_oracle/) in a temp dir.
#   noble is installed once into BUILD_DIR/mlkem_oracle_node with npm; without node, npm or the
#   registry the case is SKIPped. MLKEM_ORACLE_NOBLE_VERSION picks the version (default 0.7.1).
# Prints PASS/FAIL/SKIP per case; exits 1 if any case failed.
set -u

if [ $# -ne 1 ]; then
	echo "usage: $0 BUILD_DIR" >&2
	exit 2
fi
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
BUILD=$(cd "$1" 2>/dev/null && pwd) || { echo "FAIL: mlkem768_noble_oracle ($1 is not a directory)"; exit 1; }
LIB="$BUILD/libburrow.a"
JS="$HERE/mlkem_oracle/mlkem_oracle.mjs"
CASES="${MLKEM_ORACLE_CASES:-200}"
VERSION="${MLKEM_ORACLE_NOBLE_VERSION:-0.7.1}"
MODULES="$BUILD/mlkem_oracle_node"
NODE="${NODE:-node}"
NAME=mlkem768_noble_oracle
failed=0

pass() { echo "PASS: $1"; }
fail() { echo "FAIL: $1 ($2)"; failed=1; }
skip() { echo "SKIP: $1 ($2)"; }

T=$(mktemp -d "${TMPDIR:-/tmp}/burrow-mlkem-oracle.XXXXXX") || exit 2
trap 'rm -rf "$T"' EXIT

if [ ! -f "$LIB" ]; then
	fail "$NAME" "$LIB not found: build the libburrow target first"
	exit 1
fi

# Our side: a driver over the static library (sanitizer runtime too, if the build uses it).
extra=()
if grep -q '^BURROW_SANITIZE:BOOL=ON' "$BUILD/CMakeCache.txt" 2>/dev/null; then
	extra=(-fsanitize=address,undefined)
fi
crypto_libs=$(pkg-config --libs libcrypto 2>/dev/null || echo -lcrypto)
# shellcheck disable=SC2086
if ! "${CC:-cc}" -std=c11 -O2 "${extra[@]}" -I"$ROOT/src/lib" -I"$ROOT/include" \
	"$HERE/mlkem_oracle/mlkem768_driver.c" "$LIB" $crypto_libs -o "$T/driver" >"$T/cc.log" 2>&1; then
	fail "$NAME" "driver did not build: $(head -c 400 "$T/cc.log" | tr '\n' ' ')"
	exit 1
fi

# The other side: node and noble, installed on first use.
if ! command -v "$NODE" >/dev/null 2>&1; then
	skip "$NAME" "node not found"
	exit 0
fi
if ! "$NODE" "$JS" probe "$MODULES" >/dev/null 2>&1; then
	if ! command -v npm >/dev/null 2>&1; then
		skip "$NAME" "npm not found to install @noble/post-quantum"
		exit 0
	fi
	mkdir -p "$MODULES"
	if ! timeout 300 npm install --prefix "$MODULES" --no-audit --no-fund "@noble/post-quantum@$VERSION" \
		>"$T/npm.log" 2>&1; then
		why=$(grep -E '^npm (ERR!|error) ' "$T/npm.log" | grep -v 'complete log' | head -n 1)
		skip "$NAME" "npm install @noble/post-quantum@$VERSION failed (offline?): ${why:-$(tail -n 1 "$T/npm.log")}"
		exit 0
	fi
	if ! "$NODE" "$JS" probe "$MODULES" >"$T/probe.log" 2>&1; then
		skip "$NAME" "noble does not load under $("$NODE" --version): $(tail -n 1 "$T/probe.log")"
		exit 0
	fi
fi

if ! "$NODE" "$JS" gen "$CASES" >"$T/in" 2>"$T/gen.log"; then
	fail "$NAME" "input generation failed: $(tail -n 1 "$T/gen.log")"
	exit 1
fi
if ! "$T/driver" <"$T/in" >"$T/ours" 2>"$T/driver.log"; then
	fail "$NAME" "driver failed: $(tail -n 1 "$T/driver.log")"
	exit 1
fi
"$NODE" "$JS" check "$MODULES" "$T/in" "$T/ours" >"$T/check" 2>"$T/check.log"
status=$?
cat "$T/check"
if [ "$status" -ne 0 ] || grep -q '^FAIL:' "$T/check"; then
	[ -s "$T/check" ] || fail "$NAME" "comparison failed: $(tail -n 1 "$T/check.log")"
	failed=1
fi
exit "$failed"
