#!/usr/bin/env python3
"""Nooterra conformance runner: runs a verifier binary against the protocol's bundle packs.

Packs understood:
  --pack DIR      a ConformanceCases.v1 pack (cases.json + expected/ + trust.json + bundles/)
  --fixtures DIR  a FixtureMatrix.v1 directory (fixtures.json + trust.json + bundle dirs)

Per case: copy the bundle to a fresh temporary directory, apply the case's mutations (the four
security mutations of conformance v1), run the verifier with exactly the reference harness's
arguments and environment, and compare the exit code, `ok`, `verificationOk` and the sets of
error and warning codes. Prints one line per case and closes with "N passed, N failed".
Exit status: 0 when nothing failed, 1 otherwise, 2 on a usage or pack error.

Written for this project from ../shared/protocol/verify/03-cli-and-runner.md (it does not run
or port the reference's run.mjs). Standard library only.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile

STDOUT_LIMIT = 2 * 1024 * 1024
TIMEOUT_S = 60
TRUST_ENV = {
    "governanceRoots": "NOOTERRA_TRUSTED_GOVERNANCE_ROOT_KEYS_JSON",
    "pricingSigners": "NOOTERRA_TRUSTED_PRICING_SIGNER_KEYS_JSON",
    "timeAuthorities": "NOOTERRA_TRUSTED_TIME_AUTHORITY_KEYS_JSON",
}


class PackError(Exception):
    pass


def compact(value):
    # JSON.stringify without spaces; member order as read.
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def load_json(path):
    try:
        with open(path, "rb") as f:
            return json.loads(f.read().decode("utf-8"))
    except (OSError, ValueError) as e:
        raise PackError(f"cannot read {path}: {e}")


def rewrite_manifest(bundle, edit):
    path = os.path.join(bundle, "manifest.json")
    manifest = load_json(path)
    edit(manifest)
    with open(path, "w", encoding="utf-8") as f:
        f.write(compact(manifest) + "\n")


def apply_mutations(case, tmp, bundle):
    """Returns None, or "skip" when the platform cannot create the symlink and skipping is allowed."""
    for m in case.get("mutations") or []:
        kind = m.get("type")
        if kind == "manifest_add_entry":
            rewrite_manifest(bundle, lambda man: man["files"].append(m["entry"]))
        elif kind == "manifest_duplicate_entry":
            def dup(man):
                match = [e for e in man["files"] if e.get("name") == m["name"]]
                if not match:
                    raise PackError(f"no manifest entry named {m['name']}")
                man["files"].append(dict(match[0]))
            rewrite_manifest(bundle, dup)
        elif kind == "write_outside_file":
            with open(os.path.join(tmp, m["relativeOutsidePath"]), "w", encoding="utf-8") as f:
                f.write(m["contents"])
        elif kind == "replace_with_symlink":
            target = os.path.join(bundle, m["name"])
            os.remove(target)
            try:
                os.symlink(m["targetRelative"], target)
            except PermissionError:
                if case.get("allowSkip"):
                    return "skip"
                raise
        else:
            raise PackError(f"unknown mutation type {kind!r}")
    return None


def codes(items):
    out = set()
    for item in items if isinstance(items, list) else []:
        if isinstance(item, dict) and isinstance(item.get("code"), str) and item["code"].strip():
            out.add(item["code"].strip())
    return sorted(out)


def run_case(verifier, case_id, kind, src, args_flags, env, expected, mutations_case, keep):
    tmp = tempfile.mkdtemp(prefix=f"nooterra-conformance-{case_id}-")
    try:
        bundle = os.path.join(tmp, "bundle")
        shutil.copytree(src, bundle, symlinks=True)
        if apply_mutations(mutations_case, tmp, bundle) == "skip":
            return "skip", "symlinks not permitted here"
        argv = [verifier] + args_flags + [f"--{kind}", os.path.abspath(bundle)]
        try:
            proc = subprocess.run(argv, env=env, stdin=subprocess.DEVNULL, capture_output=True, timeout=TIMEOUT_S)
        except subprocess.TimeoutExpired:
            return "fail", f"timed out after {TIMEOUT_S} s"
        stdout = proc.stdout[:STDOUT_LIMIT]
        try:
            out = json.loads(stdout.decode("utf-8"))
        except ValueError:
            err = proc.stderr.decode("utf-8", "replace").strip()
            return "fail", f"stdout is not one JSON document (exit {proc.returncode}); stderr: {err[:300]}"
        if not isinstance(out, dict) or out.get("schemaVersion") != "VerifyCliOutput.v1":
            return "fail", "stdout is not a VerifyCliOutput.v1 document"
        problems = []
        if proc.returncode != expected["exitCode"]:
            problems.append(f"exit {proc.returncode} != {expected['exitCode']}")
        if bool(out.get("ok")) != bool(expected["ok"]):
            problems.append(f"ok {bool(out.get('ok'))} != {bool(expected['ok'])}")
        if bool(out.get("verificationOk")) != bool(expected["verificationOk"]):
            problems.append(f"verificationOk {bool(out.get('verificationOk'))} != {bool(expected['verificationOk'])}")
        got_e, want_e = codes(out.get("errors")), sorted(set(expected.get("errorCodes") or []))
        got_w, want_w = codes(out.get("warnings")), sorted(set(expected.get("warningCodes") or []))
        if got_e != want_e:
            problems.append(f"errors {got_e} != {want_e}")
        if got_w != want_w:
            problems.append(f"warnings {got_w} != {want_w}")
        return ("fail", "; ".join(problems)) if problems else ("pass", "")
    finally:
        if not keep:
            shutil.rmtree(tmp, ignore_errors=True)


def base_env(trust, include_time):
    env = dict(os.environ)
    for name in TRUST_ENV.values():
        env.pop(name, None)
    for key, name in TRUST_ENV.items():
        if key == "timeAuthorities" and not include_time:
            continue
        env[name] = compact(trust.get(key, {}))
    return env


def pack_cases(pack):
    spec = load_json(os.path.join(pack, "cases.json"))
    if spec.get("schemaVersion") != "ConformanceCases.v1":
        raise PackError(f"{pack}/cases.json is not ConformanceCases.v1")
    trust = load_json(os.path.join(pack, spec.get("trustFile") or "trust.json"))
    for case in spec["cases"]:
        expected = load_json(os.path.join(pack, case.get("expectedFile") or f"expected/{case['id']}.json"))
        flags = []
        if case.get("strict"):
            flags.append("--strict")
        if case.get("failOnWarnings"):
            flags.append("--fail-on-warnings")
        flags += ["--format", "json"]
        if case.get("hashConcurrency") is not None:
            flags += ["--hash-concurrency", str(case["hashConcurrency"])]
        env = base_env(trust, include_time=True)
        for k, v in (case.get("envOverrides") or {}).items():
            env[k] = "" if v is None else v
        yield case["id"], case["kind"], os.path.join(pack, case["bundlePath"]), flags, env, expected, case


def fixture_cases(root):
    spec = load_json(os.path.join(root, "fixtures.json"))
    if spec.get("schemaVersion") != "FixtureMatrix.v1":
        raise PackError(f"{root}/fixtures.json is not FixtureMatrix.v1")
    trust = load_json(os.path.join(root, "trust.json"))
    for case in spec["fixtures"]:
        flags = ["--format", "json"]
        if case.get("strict"):
            flags.append("--strict")
        if case.get("failOnWarnings"):
            flags.append("--fail-on-warnings")
        env = base_env(trust, include_time=bool(case.get("needsTrustedTimeAuthorities")))
        for k, v in (case.get("envOverrides") or {}).items():
            env[k] = "" if v is None else v
        yield case["id"], case["kind"], os.path.join(root, case["path"]), flags, env, case["expected"], case


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bin", required=True, help="the verifier binary (nooterra-verify compatible)")
    ap.add_argument("--pack", action="append", default=[], help="ConformanceCases.v1 pack directory")
    ap.add_argument("--fixtures", action="append", default=[], help="FixtureMatrix.v1 directory")
    ap.add_argument("--case", help="run only this case id")
    ap.add_argument("--keep-temp", action="store_true")
    args = ap.parse_args()
    verifier = os.path.abspath(args.bin)
    if not os.access(verifier, os.X_OK):
        print(f"run.py: verifier {verifier} is not executable", file=sys.stderr)
        return 2
    if not args.pack and not args.fixtures:
        print("run.py: give at least one --pack or --fixtures", file=sys.stderr)
        return 2
    passed = failed = skipped = 0
    try:
        sources = [(p, pack_cases(p)) for p in args.pack] + [(f, fixture_cases(f)) for f in args.fixtures]
        for label, cases in sources:
            print(f"# {label}")
            for case_id, kind, src, flags, env, expected, raw in cases:
                if args.case and case_id != args.case:
                    continue
                if not os.path.isdir(src):
                    raise PackError(f"bundle directory {src} is missing")
                status, why = run_case(verifier, case_id, kind, src, flags, env, expected, raw, args.keep_temp)
                if status == "pass":
                    passed += 1
                    print(f"PASS {case_id}")
                elif status == "skip":
                    skipped += 1
                    print(f"SKIP {case_id}: {why}")
                else:
                    failed += 1
                    print(f"FAIL {case_id}: {why}")
    except PackError as e:
        print(f"run.py: {e}", file=sys.stderr)
        return 2
    summary = f"{passed} passed, {failed} failed"
    if skipped:
        summary += f", {skipped} skipped"
    print(summary)
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
