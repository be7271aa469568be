#!/usr/bin/env bash
# The action's first step (action.yml): its inputs checked before anything is installed or built. A bad input is
# an error annotation naming the input and how to fix it, and exit 1.
set -euo pipefail

fail() {
  echo "::error title=Cairn ISO: input $1::$2"
  echo "cairn action: input $1: $2" >&2
  exit 1
}

if [ -z "${INPUT_SPEC:-}" ]; then
  fail spec "no image spec given: set spec: to the path of an image spec (YAML) in the repository"
fi
if [ ! -e "$INPUT_SPEC" ]; then
  fail spec "$INPUT_SPEC does not exist (looked in $PWD): check the path, relative to the workspace, and that actions/checkout ran before this step"
fi
if [ ! -f "$INPUT_SPEC" ]; then
  fail spec "$INPUT_SPEC is not a file: name the image spec (YAML) itself"
fi
case "${INPUT_BOOT_TEST:-false}" in
  true | false) ;;
  *) fail boot-test "'$INPUT_BOOT_TEST' is neither true nor false" ;;
esac
echo "image spec: $INPUT_SPEC"
