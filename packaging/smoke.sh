#!/usr/bin/env bash
# Build the Linux bundle from packaging/kcplanner.spec and start it headless from an empty folder:
# the windowed program opens the bundled sample, exports a scenario and exits 0 (ui/smoke.py); the
# command-line program prints its version, runs and validates the sample.  Used by `make bundle` and CI.
#   PY=.venv/bin/python OUT=build bash packaging/smoke.sh      (SKIP_BUILD=1: test the bundle already built)
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
OUT=$(mkdir -p "${OUT:-build}" && cd "${OUT:-build}" && pwd)

if [ -z "${SKIP_BUILD:-}" ]; then
  start=$(date +%s)
  "$PY" -m PyInstaller --noconfirm --log-level ERROR --distpath "$OUT/dist" --workpath "$OUT/pyinstaller" \
    packaging/kcplanner.spec
  echo "bundle: built in $(( $(date +%s) - start )) s"
fi
B="$OUT/dist/kcplanner"
echo "bundle: $(du -sm "$B" | cut -f1) MB, $(find "$B" -type f | wc -l) files in $B"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"  # no checkout in sight
export QT_QPA_PLATFORM=offscreen
unset PYTHONPATH PYTHONHOME
"$B/kcplanner-gui" --smoke-test "$tmp/scenario.xlsx"
"$B/kcplanner" --version
"$B/kcplanner" validate --sample > "$tmp/report.txt"
"$B/kcplanner" run --sample --json "$tmp/results.json" > /dev/null
test -s "$tmp/results.json"
echo "bundle: smoke test passed"
