#!/usr/bin/env bash
# Formats the whole codebase with Biome once (issue 22), after src/'s moves have merged:
# format + Biome's safe lint fixes (biome.jsonc says what is checked), then the same check as
# `npm run lint`. Commit what it writes as one commit of its own ("style: format with Biome"),
# and put that commit's hash in .git-blame-ignore-revs so `git blame` skips it.
# It stops on what it cannot fix; those findings are the ones left to fix by hand.
set -euo pipefail
cd "$(dirname "$0")/.."
biome=node_modules/.bin/biome
"$biome" check --write .
"$biome" ci --error-on-warnings .
