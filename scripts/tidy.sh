#!/usr/bin/env bash
# Runs clang-tidy-14 with the repository's .clang-tidy over the product's sources (src/; the
# headers of include/ and src/ through HeaderFilterRegex), one file per job, $(nproc) jobs.
# Usage: scripts/tidy.sh [FILE...]   (default: every .cpp under src/; FILEs are paths from the
# repository root, e.g. examples/model_server/*.cpp). src/ alone takes about 6 minutes of CPU;
# examples/ and tests/ would add to a CI run already near its time limit.
# Needs build/release/compile_commands.json (scripts/build.sh release; another tree:
# TIDY_BUILD=build/asan). The build uses gcc's precompiled header, which clang cannot read, so
# clang-tidy gets a copy of the compile database without the PCH flags: each source must include
# what it uses.
# Prints one line when every file is clean; otherwise clang-tidy's output for each file with a
# finding (or that did not compile) and exits 1. Exit 2: clang-tidy-14 or the database missing.
set -euo pipefail
cd "$(dirname "$0")/.."

build=${TIDY_BUILD:-build/release}
command -v clang-tidy-14 >/dev/null || {
    echo "tidy.sh: clang-tidy-14 is not installed (Debian package clang-tidy-14)" >&2
    exit 2
}
[ -f "$build/compile_commands.json" ] || {
    echo "tidy.sh: no $build/compile_commands.json (run scripts/build.sh release first)" >&2
    exit 2
}

work=$(mktemp -d "${TMPDIR:-/tmp}/shadowproxy-tidy.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir "$work/findings"

# The database without the PCH flags, and the list of files to check (one per line).
python3 - "$build/compile_commands.json" "$work" "$PWD" "$@" <<'EOF'
import json, os, re, sys
database, work, root, *only = sys.argv[1:]
only = {os.path.abspath(path) for path in only}
entries, files = [], []
for entry in json.load(open(database)):
    command = re.sub(r" -include \S*cmake_pch\.hxx\b| -Winvalid-pch\b", "", entry["command"])
    entries.append(dict(entry, command=command))
    if (entry["file"] in only if only else
            re.match(re.escape(root) + r"/src/.*\.cpp$", entry["file"])):
        files.append(entry["file"])
json.dump(entries, open(work + "/compile_commands.json", "w"))
open(work + "/files", "w").write("".join(f + "\n" for f in sorted(set(files))))
missing = only - set(files)
if missing:
    sys.exit("tidy.sh: not in the compile database: " + " ".join(sorted(missing)))
EOF

started=$SECONDS
# A file's output is kept only when clang-tidy fails on it (WarningsAsErrors: any finding).
status=0
xargs -P "$(nproc)" -n 1 -a "$work/files" bash -c '
    log="$0/findings/$(tr / _ <<<"$1").log"
    clang-tidy-14 -p "$0" --quiet "$1" >"$log" 2>&1 && rm -f "$log"
    exit 0' "$work" || status=$?
count=$(wc -l <"$work/files")
if [ "$status" -ne 0 ]; then
    echo "tidy.sh: xargs exited with $status" >&2
    exit 1
fi
shopt -s nullglob
logs=("$work"/findings/*.log)
if [ ${#logs[@]} -eq 0 ]; then
    echo "tidy: $count files clean ($((SECONDS - started))s)"
    exit 0
fi
for log in "${logs[@]}"; do
    grep -v '^[0-9]* warnings\? \(and [0-9]* errors\? \)\?generated\.$' "$log" || true
done
echo "tidy: ${#logs[@]} of $count files have findings (checks: .clang-tidy)" >&2
exit 1
