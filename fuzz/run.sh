#!/usr/bin/env bash
# Runs every fuzz target (security bar FUZZ-01…FUZZ-16) for SECONDS each (default 10), with the
# seed corpora of fuzz/corpus/. Installs cargo-fuzz when missing. Works on the stable toolchain
# (no sanitizer: `-s none`); a crash stops the run with libFuzzer's report and the input.
#
#   fuzz/run.sh            # 10 s per target (what CI runs)
#   fuzz/run.sh 3600       # an hour per target
#   fuzz/run.sh 600 fuzz_05_filter   # one target
#
# Nothing in the clone is written: new corpus entries and crash inputs go to a temporary
# directory (kept, and named at the end, when a target fails).
set -euo pipefail
cd "$(dirname "$0")"
seconds="${1:-10}"
shift || true
if ! cargo fuzz --version 2>/dev/null | grep -q "^cargo-fuzz 0.13.2"; then
  cargo install cargo-fuzz --locked --version 0.13.2
fi
targets=("$@")
if [ "${#targets[@]}" -eq 0 ]; then
  mapfile -t targets < <(cargo fuzz list)
fi
work="$(mktemp -d)"
cargo fuzz build -s none --release
failed=()
for t in "${targets[@]}"; do
  mkdir -p "$work/corpus/$t" "$work/artifacts/$t"
  echo "== $t (${seconds}s)"
  if ! cargo fuzz run -s none --release "$t" "$work/corpus/$t" "corpus/$t" -- \
      -max_total_time="$seconds" -artifact_prefix="$work/artifacts/$t/" -print_final_stats=1 \
      > "$work/$t.log" 2>&1; then
    failed+=("$t")
    tail -n 40 "$work/$t.log"
  else
    grep -E "^stat::number_of_executed_units|^Done" "$work/$t.log" | tr '\n' ' '
    echo
  fi
done
if [ "${#failed[@]}" -gt 0 ]; then
  echo "fuzz targets failed: ${failed[*]} (inputs and logs in $work)"
  exit 1
fi
rm -rf "$work"
echo "all ${#targets[@]} fuzz targets ran ${seconds}s clean"
