#!/usr/bin/env bash
# Copies the reference outputs of the original PyTorch code from ../shared/reference
# (present on the project's own machines) into tests/reference, where the tests read
# them. ReferenceCopy.MatchesSharedReference names the files to bring over.
set -euo pipefail
cd "$(dirname "$0")/.."
source=../shared/reference
[[ -d $source ]] || { echo "sync_reference: no $source beside this checkout" >&2; exit 1; }
for file in "$source"/*; do
  name=$(basename "$file")
  if ! cmp -s "$file" "tests/reference/$name"; then
    install -m 0644 "$file" "tests/reference/$name"
    echo "sync_reference: copied $name"
  fi
done
