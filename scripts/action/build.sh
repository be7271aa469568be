#!/usr/bin/env bash
# The action's third step (action.yml): cairn iso build, the checksum, and with boot-test cairn iso test with a
# JUnit report. Outputs (GITHUB_OUTPUT): iso, sha256, junit.
set -euo pipefail

name="$(basename "$INPUT_SPEC")"
name="${name%.yaml}"
name="${name%.yml}"
iso="${INPUT_OUTPUT:-build/$name.iso}"
mkdir -p "$(dirname "$iso")"

build=(cairn iso build "$INPUT_SPEC" -o "$iso")
if [ -n "${INPUT_DATE:-}" ]; then build+=(--date "$INPUT_DATE"); fi
"${build[@]}"

sha256="$(sha256sum "$iso" | cut -d' ' -f1)"
echo "iso=$(realpath "$iso")" >>"$GITHUB_OUTPUT"
echo "sha256=$sha256" >>"$GITHUB_OUTPUT"
echo "built $iso, sha256 $sha256"

junit=""
if [ "${INPUT_BOOT_TEST:-false}" = true ]; then
  junit="${INPUT_JUNIT:-build/$name.junit.xml}"
  mkdir -p "$(dirname "$junit")"
  # The report's path is an output even when a boot fails: the workflow can still publish it.
  echo "junit=$(realpath -m "$junit")" >>"$GITHUB_OUTPUT"
  read -r -a extra <<<"${INPUT_BOOT_TEST_ARGS:-}"
  cairn iso test "$iso" --junit "$junit" "${extra[@]}"
else
  echo "junit=" >>"$GITHUB_OUTPUT"
fi
