#!/usr/bin/env bash
# Export the starting catalog from a fresh database and lint the README with awesome-lint.
# Fails on any error except the two that only a git repository and a contributing file
# can satisfy (the export is a single file, outside any repository).
set -euo pipefail
cd "$(dirname "$0")/.."

AWESOME_LINT_VERSION=2.3.0
prefix="${AWESOME_LINT_PREFIX:-$HOME/.cache/awesome-lint}"
package="$prefix/node_modules/awesome-lint/package.json"
if ! grep -qs "\"version\": \"$AWESOME_LINT_VERSION\"" "$package"; then
    echo "Installing awesome-lint $AWESOME_LINT_VERSION into $prefix"
    npm install --prefix "$prefix" --no-audit --no-fund --loglevel=error \
        "awesome-lint@$AWESOME_LINT_VERSION" >/dev/null
fi

workdir="$(mktemp -d)"
trap 'rm -rf "$workdir"' EXIT
export ENV_FILE= DEBUG=1 DATABASE_URL="sqlite:///$workdir/export.sqlite3"
PY="${PY:-.venv/bin/python}"
"$PY" manage.py migrate --noinput --verbosity 0
"$PY" manage.py load_catalog >/dev/null
"$PY" manage.py export_awesome "$workdir/readme.md" 2>/dev/null

status=0
(cd "$workdir" && NO_COLOR=1 "$prefix/node_modules/.bin/awesome-lint" readme.md) \
    >"$workdir/lint.txt" 2>&1 || status=$?
cat "$workdir/lint.txt"
allowed='remark-lint:awesome-(contributing|github)$'
unexpected="$(grep -E '✖.*remark-lint:' "$workdir/lint.txt" | grep -Ev "$allowed" || true)"
if [ -n "$unexpected" ]; then
    echo "awesome-lint found errors in the exported README:" >&2
    echo "$unexpected" >&2
    exit 1
fi
if [ "$status" -ne 0 ] && ! grep -qE "$allowed" "$workdir/lint.txt"; then
    echo "awesome-lint did not run (exit status $status)." >&2
    exit 1
fi
echo "awesome-lint: the exported README has no errors beyond the two that need a git repository."
