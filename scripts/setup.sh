#!/usr/bin/env bash
# Prepare a fresh Debian machine (Python 3.11): a virtualenv with the pinned
# packages, Tesseract with its Simplified Chinese data (the anonymity check reads
# text in pictures), and with --test also Debian's chromium (browser tests, PDFs
# for the OCR tests), wrk (benchmarks) and nginx and redis-server (the two-host
# test).
# --corpus also installs LibreOffice Writer, needed only to regenerate the
# anonymity red-team corpus (tests/fixtures/src/make_anonymity_corpus.py); the
# generated files are committed, so tests never need it; and exiftool and
# libheif's heif-enc for the photo fixtures (tests/fixtures/src/make_media_fixtures.py).
# Safe to run again: it only installs what is missing or changed.
set -euo pipefail
cd "$(dirname "$0")/.."
want_test=0
want_corpus=0
[ "${1:-}" = "--test" ] && want_test=1
[ "${1:-}" = "--corpus" ] && want_test=1 && want_corpus=1

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@";
  else echo "需要 root 权限安装系统软件包：$*" >&2; return 1; fi
}
apt_install() {
  local missing=()
  for pkg in "$@"; do dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "安装系统软件包：${missing[*]}"
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "${missing[@]}" >/dev/null
}

PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  if ! "$PY" -m venv --help >/dev/null 2>&1 || ! "$PY" -c 'import ensurepip' 2>/dev/null; then
    apt_install python3-venv
  fi
  "$PY" -m venv .venv
fi

stamp=.venv/.judging-installed
digest=$(cat setup.cfg pyproject.toml constraints.txt | sha256sum | cut -c1-16)
extras=""
[ $want_test = 1 ] && extras="[test]"
current=$(cat "$stamp" 2>/dev/null || true)
if [ "$current" != "$digest[test]" ] && \
   { [ $want_test = 1 ] || [ "$current" != "$digest" ]; }; then
  echo "安装 Python 依赖（首次约需几分钟）……"
  .venv/bin/python -m pip install -q -c constraints.txt -e ".$extras"
  echo "$digest$extras" > "$stamp"
fi

# ffmpeg reads uploaded videos (type, duration, a preview frame)
apt_install tesseract-ocr tesseract-ocr-chi-sim ffmpeg
if [ $want_test = 1 ]; then
  apt_install chromium wrk nginx redis-server
fi
if [ $want_corpus = 1 ]; then
  apt_install libreoffice-writer-nogui libimage-exiftool-perl libheif-examples
fi
