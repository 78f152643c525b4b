#!/usr/bin/env bash
# Refresh the English catalogue after changing user-visible strings:
#   bash scripts/i18n.sh          (extract, update, compile)
# Chinese is the source language; English lives in judging/translations/en.
# Files are rewritten only when a message changed (not just the creation date),
# so running it on an unchanged tree leaves the tree clean.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-.venv/bin/python}
T=judging/translations
PO="$T/en/LC_MESSAGES/messages.po"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

same_but_dates() {  # same content apart from the *-Date header lines
  [ -f "$1" ] && [ -f "$2" ] && diff -q \
    <(grep -v -E '^"(POT-Creation|PO-Revision)-Date:' "$1") \
    <(grep -v -E '^"(POT-Creation|PO-Revision)-Date:' "$2") >/dev/null
}

"$PY" -m babel.messages.frontend extract -F babel.cfg -k _l -k lazy_gettext -k N_ \
  --no-location --sort-output -o "$tmp/messages.pot" . >/dev/null 2>&1
if ! same_but_dates "$tmp/messages.pot" "$T/messages.pot"; then
  cp "$tmp/messages.pot" "$T/messages.pot"
fi
mkdir -p "$tmp/po/en/LC_MESSAGES"
if [ -f "$PO" ]; then
  cp "$PO" "$tmp/po/en/LC_MESSAGES/messages.po"
  "$PY" -m babel.messages.frontend update -i "$T/messages.pot" -d "$tmp/po" -l en \
    --no-fuzzy-matching >/dev/null 2>&1
else
  "$PY" -m babel.messages.frontend init -i "$T/messages.pot" -d "$tmp/po" -l en \
    >/dev/null 2>&1
fi
said="catalogue unchanged: $PO"
if ! same_but_dates "$tmp/po/en/LC_MESSAGES/messages.po" "$PO"; then
  mkdir -p "$(dirname "$PO")"
  cp "$tmp/po/en/LC_MESSAGES/messages.po" "$PO"
  said="catalogue updated: $PO"
fi
"$PY" -m babel.messages.frontend compile -d "$T" >/dev/null 2>&1
echo "$said"
