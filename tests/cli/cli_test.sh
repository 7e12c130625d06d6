#!/usr/bin/env bash
# The `nooterra` CLI contract (issue 2): outputs, exit codes, stderr format, --help everywhere.
# usage: cli_test.sh path/to/nooterra [reference-dir]   (NOOTERRA_REFERENCE_DIR overrides)
set -u
cli=$1
ref=${NOOTERRA_REFERENCE_DIR:-${2:-}}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0
fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*" >&2; }
expect_eq() { if [ "$1" = "$2" ]; then ok; else bad "$3: expected [$2] got [$1]"; fi; }

# canonicalize: stdin and FILE, one trailing newline, exit 0.
out=$(printf '{"b":1,"a":[1.0,2e0]}' | "$cli" canonicalize); rc=$?
expect_eq "$rc" 0 "canonicalize rc"
expect_eq "$out" '{"a":[1,2],"b":1}' "canonicalize stdin"
printf '{"z":null,"10":1,"9":2}' > "$tmp/a.json"
"$cli" canonicalize "$tmp/a.json" > "$tmp/out" 2> "$tmp/err"
expect_eq "$(tail -c 2 "$tmp/out" | od -An -tx1 | tr -d ' \n')" 7d0a "canonicalize ends with one newline"
expect_eq "$(cat "$tmp/out")" '{"9":2,"10":1,"z":null}' "canonicalize file"
expect_eq "$(wc -c < "$tmp/err")" 0 "canonicalize quiet stderr"

# Rejected input: exit 1, empty stdout, one stderr line with reason code and position.
printf '{"a":[1,]}' | "$cli" canonicalize > "$tmp/out" 2> "$tmp/err"; rc=$?
expect_eq "$rc" 1 "syntax error rc"
expect_eq "$(wc -c < "$tmp/out")" 0 "syntax error: nothing on stdout"
expect_eq "$(wc -l < "$tmp/err")" 1 "syntax error: one stderr line"
grep -q '^nooterra canonicalize: JSON_SYNTAX (INVALID_ARGUMENT) at byte 8: ' "$tmp/err" && ok || bad "stderr format: $(cat "$tmp/err")"
printf '[-0]' | "$cli" hash > "$tmp/out" 2> "$tmp/err"; rc=$?
expect_eq "$rc" 1 "-0 rc"
grep -q 'JSON_NEGATIVE_ZERO' "$tmp/err" && ok || bad "-0 reason: $(cat "$tmp/err")"
expect_eq "$(wc -c < "$tmp/out")" 0 "-0: nothing on stdout"

# hash: the protocol vector.
h=$(printf '{"b":1,"a":2,"c":{"y":true,"x":false}}' | "$cli" hash)
expect_eq "$h" 42aaf6f2c976f80db0240703956528caf86ada70ab5bddae3a4f05eae8c4731b "hash"

# keygen / keyid / sign / verify-signature round trip.
id=$("$cli" keygen --out-dir "$tmp/keys"); rc=$?
expect_eq "$rc" 0 "keygen rc"
[ -f "$tmp/keys/public.pem" ] && [ -f "$tmp/keys/private.pem" ] && ok || bad "keygen files"
expect_eq "$(stat -c %a "$tmp/keys/private.pem")" 600 "private key mode"
expect_eq "$("$cli" keyid "$tmp/keys/public.pem")" "$id" "keyid matches keygen"
"$cli" keygen --out-dir "$tmp/keys" > /dev/null 2> "$tmp/err"; rc=$?
expect_eq "$rc" 2 "keygen refuses to overwrite"
grep -q FILE_EXISTS "$tmp/err" && ok || bad "keygen overwrite reason: $(cat "$tmp/err")"
# Only public.pem present: still refused, and no private.pem is left behind.
mkdir "$tmp/half" && touch "$tmp/half/public.pem"
"$cli" keygen --out-dir "$tmp/half" > /dev/null 2>&1; rc=$?
expect_eq "$rc" 2 "keygen with an existing public.pem"
[ ! -e "$tmp/half/private.pem" ] && ok || bad "keygen left a private.pem without its public key"
sig=$("$cli" sign --key "$tmp/keys/private.pem" "$tmp/a.json"); rc=$?
expect_eq "$rc" 0 "sign rc"
expect_eq "${#sig}" 88 "signature length"
"$cli" verify-signature --public-key "$tmp/keys/public.pem" --signature "$sig" "$tmp/a.json" > "$tmp/out"; rc=$?
expect_eq "$rc" 0 "verify valid rc"
expect_eq "$(cat "$tmp/out")" valid "verify valid output"
# Same content, other formatting: same canonical hash, still valid.
printf '{ "9" : 2, "z" : null, "10" : 1.0 }' | "$cli" verify-signature --public-key "$tmp/keys/public.pem" --signature "$sig" > /dev/null; rc=$?
expect_eq "$rc" 0 "verify valid for reformatted input"
printf '{"9":2,"10":1,"z":0}' | "$cli" verify-signature --public-key "$tmp/keys/public.pem" --signature "$sig" > "$tmp/out"; rc=$?
expect_eq "$rc" 1 "verify tampered rc"
expect_eq "$(cat "$tmp/out")" invalid "verify tampered output"
"$cli" keyid "$tmp/keys/private.pem" > /dev/null 2> "$tmp/err"; rc=$?
expect_eq "$rc" 1 "keyid of a private key"
grep -q KEY_INVALID_PEM "$tmp/err" && ok || bad "keyid reason: $(cat "$tmp/err")"

# Reference keys and a reference signature (re-signing is deterministic).
if [ -n "$ref" ] && [ -f "$ref/keys/ed25519_test_keypair.json" ]; then
  python3 - "$ref" "$tmp" <<'PY'
import json, sys
ref, tmp = sys.argv[1], sys.argv[2]
k = json.load(open(ref + "/keys/ed25519_test_keypair.json"))
open(tmp + "/ref_pub.pem", "w").write(k["publicKeyPem"])
open(tmp + "/ref_priv.pem", "w").write(k["privateKeyPem"])
s = json.load(open(ref + "/conformance/v1/signed-object-vectors/v1.json"))["cases"][0]
open(tmp + "/ref_obj.json", "w").write(s["canonicalJson"])
open(tmp + "/ref_sig", "w").write(s["signature"])
PY
  expect_eq "$("$cli" keyid "$tmp/ref_pub.pem")" key_282c80df2381d6831a92e89b "reference keyid"
  expect_eq "$("$cli" sign --key "$tmp/ref_priv.pem" "$tmp/ref_obj.json")" "$(cat "$tmp/ref_sig")" "reference signature reproduced"
  "$cli" verify-signature --public-key "$tmp/ref_pub.pem" --signature "$(cat "$tmp/ref_sig")" "$tmp/ref_obj.json" > /dev/null; rc=$?
  expect_eq "$rc" 0 "reference signature verifies"
else
  bad "reference data missing: set NOOTERRA_REFERENCE_DIR or provide ../shared/reference"
fi

# Usage errors: exit 2. --help everywhere: exit 0 with usage on stdout.
"$cli" > /dev/null 2>&1; expect_eq "$?" 2 "no command"
"$cli" frobnicate > /dev/null 2>&1; expect_eq "$?" 2 "unknown command"
"$cli" canonicalize a b > /dev/null 2>&1; expect_eq "$?" 2 "two files"
"$cli" canonicalize "$tmp/missing.json" > /dev/null 2>&1; expect_eq "$?" 2 "missing file"
"$cli" sign "$tmp/a.json" > /dev/null 2>&1; expect_eq "$?" 2 "sign without --key"
"$cli" hash --bogus > /dev/null 2>&1; expect_eq "$?" 2 "unknown option"
for c in canonicalize hash keygen keyid sign verify-signature; do
  "$cli" $c --help > "$tmp/out" 2>&1; rc=$?
  expect_eq "$rc" 0 "$c --help rc"
  grep -q "usage: nooterra $c" "$tmp/out" && ok || bad "$c --help text"
done
"$cli" --help | grep -q 'Commands:' && ok || bad "top-level --help"

echo "cli_contract: $pass passed, $fail failed"
[ "$fail" = 0 ]
