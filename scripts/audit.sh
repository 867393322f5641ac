#!/usr/bin/env bash
# Offline audit of Cargo.lock against the RustSec advisory database pinned in audit/ (see
# scripts/refresh-advisories.sh): fails on any vulnerability not listed, with its reason, in
# audit/ignore.txt. Needs cargo-audit (scripts/setup.sh installs it). No network access.
set -euo pipefail
cd "$(dirname "$0")/.."
db=target/advisory-db
commit=$(cut -d' ' -f1 audit/advisory-db.commit)
# Unpacked once per pinned commit.
if [ "$(cat "$db/.nexxo-commit" 2>/dev/null)" != "$commit" ]; then
  rm -rf "$db"
  mkdir -p "$db"
  tar -xzf audit/advisory-db.tar.gz -C "$db"
  echo "$commit" >"$db/.nexxo-commit"
fi
ignores=()
while read -r id _; do
  case "$id" in RUSTSEC-*) ignores+=(--ignore "$id") ;; esac
done <audit/ignore.txt
echo "cargo audit: RustSec advisory-db $(cat audit/advisory-db.commit), $((${#ignores[@]} / 2)) advisories ignored with a reason (audit/ignore.txt)"
# --no-fetch: use the pinned copy; --stale: its age is decided by refreshing it, not by the clock.
cargo audit --db "$db" --no-fetch --stale "${ignores[@]}" "$@"
