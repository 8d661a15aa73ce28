#!/usr/bin/env bash
# The dashboard test drives a real headless browser: Debian's chromium at /usr/bin/chromium.
# Installs it when missing and this machine can (root with apt-get); otherwise says how and leaves
# it to the test, which fails with the same advice.
set -euo pipefail
if [ -x /usr/bin/chromium ]; then exit 0; fi
if [ "$(id -u)" = "0" ] && command -v apt-get > /dev/null; then
  echo "ensure-browser: installing Debian's chromium for the dashboard test (apt-get install chromium)" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -qq chromium > /dev/null 2>&1 || { apt-get update -qq > /dev/null 2>&1 && apt-get install -y -qq chromium > /dev/null 2>&1; } || true
fi
if [ ! -x /usr/bin/chromium ]; then
  echo "ensure-browser: /usr/bin/chromium is missing; install it (apt-get install -y chromium) or the dashboard test fails" >&2
fi
