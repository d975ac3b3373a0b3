#!/usr/bin/env bash
# Example: follow a workspace from a shell script. `flame watch --json` prints one JSON object
# per event; this prints the hottest function of every new profile (needs jq).
set -euo pipefail
npx flame watch --json "$@" | while read -r line; do
  if [ "$(jq -r .event <<<"$line")" = profile ]; then
    jq -r '"\(.id): \(.top.functions[0].name) \(.top.functions[0].self)/\(.samples)"' <<<"$line"
  fi
done
