#!/usr/bin/env bash
# The test suite: Debian peers (as root), build, then every test file under test/.
# Tests needing root or qemu skip with a reason when those are unavailable.
# BMPCTL_TEST_FILTER=regex picks files; BMPCTL_E2E_UEFI=1 adds the UEFI end-to-end run.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
npm run --silent build
mapfile -t files < <(find test -name '*.test.ts' | sort | grep -E "${BMPCTL_TEST_FILTER:-.}")
echo "test: ${#files[@]} files"
exec node --import tsx --test --test-timeout=600000 "${files[@]}"
