#!/bin/sh
# Draws each case of cases.json with the real inferno-flamegraph into results/NAME.svg (its
# hidden --no-javascript keeps the files small: the tests compare the frames). Run from this
# folder with inferno installed (cargo install inferno); say in the commit which version drew them.
set -eu
cd "$(dirname "$0")"
node -e '
for (const c of JSON.parse(require("fs").readFileSync("cases.json", "utf8")))
  console.log([c.name, c.input, ...c.args].join("\t"));
' | while IFS="$(printf '\t')" read -r name input args; do
  # shellcheck disable=SC2086
  inferno-flamegraph --no-javascript $args "inputs/$input" > "results/$name.svg"
done
