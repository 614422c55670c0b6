#!/usr/bin/env bash
# Prints the path of a working Python 3.10 interpreter (Rasa 3.6 needs < 3.11).
# A pyenv shim named python3.10 may exist without being active, so each
# candidate is run, not just looked up.
set -u
candidates=(python3.10 /usr/bin/python3.10 /usr/local/bin/python3.10)
if command -v pyenv >/dev/null 2>&1; then
  for d in "$(pyenv root)"/versions/3.10*/bin/python3.10; do candidates+=("$d"); done
fi
for d in "$HOME"/.pyenv/versions/3.10*/bin/python3.10; do candidates+=("$d"); done
for c in "${candidates[@]}"; do
  if "$c" -c 'import sys; assert sys.version_info[:2] == (3, 10)' >/dev/null 2>&1; then
    command -v "$c" 2>/dev/null || echo "$c"
    exit 0
  fi
done
echo "No Python 3.10 found: Rasa 3.6 needs Python 3.10 (install it, e.g. with pyenv)." >&2
exit 1
