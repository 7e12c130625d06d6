#!/usr/bin/env bash
# The `nooterra-release` CLI contract: every case of conformance/v1/release-cases.json run the
# way the reference runner (run-release.mjs) runs it, then usage errors, the human format,
# --explain, the default trust file and --check-installed.
# usage: release_cli_test.sh path/to/nooterra-release [reference-dir]
#        (NOOTERRA_REFERENCE_DIR overrides the reference directory)
set -u
# Absolute paths: the cases run with another working directory.
bin=$(realpath "$1")
ref=${NOOTERRA_REFERENCE_DIR:-${2:-}}
[ -n "$ref" ] && ref=$(realpath -m "$ref")
pack="$ref/conformance/v1"
if [ -z "$ref" ] || [ ! -f "$pack/release-cases.json" ]; then
  echo "FAIL: reference data missing: cannot read $pack/release-cases.json" >&2
  echo "  The test needs ../shared/reference next to the repository, or NOOTERRA_REFERENCE_DIR." >&2
  exit 1
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0
fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*" >&2; }
expect_eq() { if [ "$1" = "$2" ]; then ok; else bad "$3: expected [$2] got [$1]"; fi; }

# Compares one run with the case's expectations exactly as the runner does: exit code, the three
# booleans, and the *sets* of trimmed error and warning codes. Also requires the schema and
# canonical JSON with one trailing newline.
cat > "$tmp/check.py" <<'PY'
import json, sys
cases = {c["id"]: c for c in json.load(open(sys.argv[1], encoding="utf-8"))["cases"]}
case, rc, text = cases[sys.argv[2]], int(sys.argv[3]), open(sys.argv[4], encoding="utf-8").read()
exp = case["expected"]
try:
    out = json.loads(text)
except ValueError as e:
    print(f"{case['id']}: stdout is not JSON ({e}): {text!r}")
    sys.exit(1)
def codes(items):
    return sorted({i["code"].strip() for i in items or []
                   if isinstance(i, dict) and isinstance(i.get("code"), str) and i["code"].strip()})
problems = []
if out.get("schemaVersion") != "VerifyReleaseOutput.v1":
    problems.append(f"schemaVersion={out.get('schemaVersion')!r}")
if rc != exp["exitCode"]:
    problems.append(f"exit expected={exp['exitCode']} actual={rc}")
for k in ("ok", "signatureOk", "artifactsOk"):
    if bool(out.get(k)) != exp[k]:
        problems.append(f"{k} expected={exp[k]} actual={out.get(k)}")
for k in ("errors", "warnings"):
    if codes(out.get(k)) != sorted(set(c.strip() for c in exp[k])):
        problems.append(f"{k} expected={sorted(set(exp[k]))} actual={codes(out.get(k))}")
canonical = json.dumps(out, sort_keys=True, separators=(",", ":"), ensure_ascii=False) + "\n"
if text != canonical:
    problems.append("output is not canonical JSON plus one newline")
for p in problems:
    print(f"{case['id']}: {p}")
sys.exit(1 if problems else 0)
PY

# 1. The release conformance cases (cwd = conformance/v1, absolute paths, as run-release.mjs).
cases=0
cases_ok=0
while IFS=$'\t' read -r id dir trust; do
  cases=$((cases + 1))
  args=(verify --dir "$pack/$dir" --format json)
  [ "$trust" != "-" ] && args+=(--trust-file "$pack/$trust")
  (cd "$pack" && "$bin" "${args[@]}") > "$tmp/out" 2> "$tmp/err"
  rc=$?
  if python3 "$tmp/check.py" "$pack/release-cases.json" "$id" "$rc" "$tmp/out" >&2; then
    ok
    cases_ok=$((cases_ok + 1))
  else
    bad "release case $id (stderr: $(head -c 300 "$tmp/err"))"
  fi
done < <(python3 -c '
import json, sys
for c in json.load(open(sys.argv[1], encoding="utf-8"))["cases"]:
    print("\t".join([c["id"], c["releaseDir"], c.get("trustFile") or "-"]))
' "$pack/release-cases.json")
[ "$cases" -gt 0 ] && ok || bad "no release cases found in $pack/release-cases.json"
echo "release cases: $cases_ok/$cases passed"

# 2. Usage errors exit 2 with the usage text on stderr and nothing on stdout.
usage_case() {
  local label=$1
  shift
  "$bin" "$@" > "$tmp/out" 2> "$tmp/err"
  local rc=$?
  expect_eq "$rc" 2 "usage rc: $label"
  expect_eq "$(wc -c < "$tmp/out")" 0 "usage stdout empty: $label"
  [ -s "$tmp/err" ] && ok || bad "usage stderr empty: $label"
}
usage_case "no arguments"
usage_case "unknown command" check --dir "$pack/releases/release_pass"
usage_case "no source" verify --format json
usage_case "--dir without value" verify --dir
usage_case "bad format" verify --dir "$pack/releases/release_pass" --format sarif
usage_case "unknown option" verify --dir "$pack/releases/release_pass" --strict
usage_case "help" verify --help
usage_case "two sources" verify --dir "$pack/releases/release_pass" --base-url http://127.0.0.1:9/
usage_case "github without tag" verify --github-repo owner/repo
usage_case "network fetch unsupported" verify --base-url http://127.0.0.1:9/
grep -q "not supported" "$tmp/err" && ok || bad "--base-url message: $(cat "$tmp/err")"
usage_case "offline forbids fetch" verify --github-repo owner/repo --tag v1 --offline
grep -q "offline" "$tmp/err" && ok || bad "--offline message: $(cat "$tmp/err")"

# 3. Human format (the default) and --explain.
"$bin" verify --dir "$pack/releases/release_pass" --trust-file "$pack/release-trust.json" \
  > "$tmp/out" 2> "$tmp/err"
rc=$?
expect_eq "$rc" 0 "human rc"
expect_eq "$(head -n 4 "$tmp/out" | tr '\n' ' ')" \
  "nooterra-release verify ok=true signature.ok=true artifacts.ok=true " "human header"
grep -qx "release.tag=v0.0.0-conformance" "$tmp/out" && ok || bad "human tag: $(cat "$tmp/out")"
expect_eq "$(wc -c < "$tmp/err")" 0 "human stderr empty"
"$bin" verify --dir "$pack/releases/release_fail_missing_asset" --trust-file \
  "$pack/release-trust.json" > "$tmp/out" 2> "$tmp/err"
rc=$?
expect_eq "$rc" 5 "human failure rc"
grep -q "^error=RELEASE_ASSET_MISSING path=b.tar.gz msg=" "$tmp/out" && ok \
  || bad "human error line: $(cat "$tmp/out")"
"$bin" verify --dir "$pack/releases/release_fail_signature_invalid" --trust-file \
  "$pack/release-trust.json" --format json --explain > "$tmp/out" 2> "$tmp/err"
rc=$?
expect_eq "$rc" 4 "explain rc"
expect_eq "$(head -n 1 "$tmp/err")" "nooterra-release explain v1" "explain header"
grep -qx "errors.codes=RELEASE_SIGNATURE_INVALID,RELEASE_SIGNATURE_QUORUM_NOT_SATISFIED" \
  "$tmp/err" && ok || bad "explain codes: $(cat "$tmp/err")"
grep -qx "trust.file=$pack/release-trust.json" "$tmp/err" && ok || bad "explain trust: $(cat "$tmp/err")"
python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$tmp/out" && ok || bad "explain stdout JSON"

# 4. Relative --dir and the default trust file <cwd>/trust/release-trust.json.
mkdir -p "$tmp/work/trust" "$tmp/work/rel"
cp "$pack/release-trust.json" "$tmp/work/trust/release-trust.json"
cp "$pack/releases/release_pass/"* "$tmp/work/rel/"
(cd "$tmp/work" && "$bin" verify --dir rel --format json --explain) > "$tmp/out" 2> "$tmp/err"
rc=$?
expect_eq "$rc" 0 "default trust rc"
grep -qx "trust.file=$tmp/work/trust/release-trust.json" "$tmp/err" && ok \
  || bad "default trust path: $(cat "$tmp/err")"
grep -qx "source=dir:$tmp/work/rel" "$tmp/err" && ok || bad "resolved dir: $(cat "$tmp/err")"
# A given --trust-file wins over the default.
(cd "$tmp/work" && "$bin" verify --dir rel --format json \
  --trust-file "$pack/release-trust-quorum.json") > "$tmp/out" 2> /dev/null
expect_eq "$?" 4 "explicit trust file wins"

# 5. --check-installed: the installed tool's --about must match version and commit.
about() {  # writes a fake nooterra-verify printing $1 and exiting with $2
  printf '#!/bin/sh\n[ "$1 $2 $3" = "--about --format json" ] || exit 9\necho '"'%s'"'\nexit %s\n' \
    "$1" "$2" > "$tmp/fake-verify"
  chmod +x "$tmp/fake-verify"
}
run_installed() {
  "$bin" verify --dir "$pack/releases/release_pass" --trust-file "$pack/release-trust.json" \
    --format json --check-installed "$tmp/fake-verify" > "$tmp/out" 2> "$tmp/err"
}
about '{"tool":{"name":"nooterra-verify","version":"0.0.0-conformance","commit":"0123456789abcdef0123456789abcdef01234567"}}' 0
run_installed
expect_eq "$?" 0 "installed match rc"
about '{"tool":{"name":"nooterra-verify","version":"0.2.8","commit":null}}' 0
run_installed
expect_eq "$?" 6 "installed mismatch rc"
grep -q '"code":"RELEASE_INSTALLED_MISMATCH","detail":{"actual":' "$tmp/out" && ok \
  || bad "installed mismatch output: $(cat "$tmp/out")"
about '{}' 3
run_installed
expect_eq "$?" 1 "installed tool failing rc"
grep -q RELEASE_INSTALLED_CHECK_FAILED "$tmp/out" && ok || bad "installed failure: $(cat "$tmp/out")"
"$bin" verify --dir "$pack/releases/release_pass" --trust-file "$pack/release-trust.json" \
  --format json --check-installed "$tmp/no-such-tool" > "$tmp/out" 2> /dev/null
expect_eq "$?" 1 "installed tool missing rc"

echo "release_cli_test: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
