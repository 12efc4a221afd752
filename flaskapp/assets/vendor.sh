#!/usr/bin/env bash
# Copy Codex's built CSS into flaskapp/static/codex/, so that the tool serves it from its
# own origin (the CSP allows no third-party host, and Toolforge users' IPs must not leak
# to a CDN). node_modules lives in a temporary folder: nothing of npm lands in the repository.
#
#   flaskapp/assets/vendor.sh            the versions pinned in package-lock.json
#   flaskapp/assets/vendor.sh --latest   move the pins to the newest releases first
#
# Then commit package.json, package-lock.json and flaskapp/static/codex/.
set -euo pipefail
assets="$(cd "$(dirname "$0")" && pwd)"
target="$(cd "$assets/../static" && pwd)/codex"
npm_flags=(--ignore-scripts --no-audit --no-fund)

if [[ ${1:-} == --latest ]]; then
    (cd "$assets" && npm install --package-lock-only --save-exact "${npm_flags[@]}" \
        @wikimedia/codex@latest @wikimedia/codex-design-tokens@latest)
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cp "$assets/package.json" "$assets/package-lock.json" "$work/"
# The lock file pins every tarball's integrity hash; peers (Vue) are not needed for CSS.
npm ci --prefix "$work" --omit=peer "${npm_flags[@]}" >/dev/null
codex="$work/node_modules/@wikimedia/codex"
tokens="$work/node_modules/@wikimedia/codex-design-tokens"
version() { node -p "require(process.argv[1]).version" "$1/package.json"; }

rm -rf "$target"
mkdir -p "$target"
cp "$codex/dist/codex.style.css" "$codex/dist/codex.style-rtl.css" "$target/"
cp "$tokens/dist/theme-wikimedia-ui.css" "$target/"
cp "$codex/LICENSE" "$target/LICENSE"
cmp -s "$codex/LICENSE" "$tokens/LICENSE" || cp "$tokens/LICENSE" "$target/LICENSE.design-tokens"
cat >"$target/VERSION" <<VERSION
@wikimedia/codex $(version "$codex") (dist/codex.style.css, dist/codex.style-rtl.css)
@wikimedia/codex-design-tokens $(version "$tokens") (dist/theme-wikimedia-ui.css)
License: GPL-2.0-or-later (LICENSE). https://doc.wikimedia.org/codex/
Refresh: flaskapp/assets/vendor.sh (pinned versions) or flaskapp/assets/vendor.sh --latest
VERSION
echo "vendored into $target:"
cat "$target/VERSION"
