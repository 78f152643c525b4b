#!/usr/bin/env bash
# Refresh the English catalogue after changing user-visible strings:
#   bash scripts/i18n.sh          (extract, update, compile)
# Chinese is the source language; English lives in judging/translations/en.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-.venv/bin/python}
T=judging/translations
"$PY" -m babel.messages.frontend extract -F babel.cfg -k _l -k lazy_gettext -k N_ \
  --no-location --sort-output -o "$T/messages.pot" . >/dev/null 2>&1
if [ -f "$T/en/LC_MESSAGES/messages.po" ]; then
  "$PY" -m babel.messages.frontend update -i "$T/messages.pot" -d "$T" -l en \
    --no-fuzzy-matching >/dev/null 2>&1
else
  "$PY" -m babel.messages.frontend init -i "$T/messages.pot" -d "$T" -l en >/dev/null 2>&1
fi
"$PY" -m babel.messages.frontend compile -d "$T" >/dev/null 2>&1
echo "catalogue updated: $T/en/LC_MESSAGES/messages.po"
