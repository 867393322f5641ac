#!/usr/bin/env bash
# Refreshes the RustSec advisory database pinned in audit/ (what scripts/audit.sh checks Cargo.lock
# against, offline). Give it a git checkout (or bare mirror) of the RustSec advisory database,
# the repository rustsec/advisory-db on GitHub, at the commit to pin (a shallow clone is enough):
#
#   bash scripts/refresh-advisories.sh PATH-TO-ADVISORY-DB-CHECKOUT
#
# It writes audit/advisory-db.tar.gz (the `crates/` advisories at HEAD of that checkout, as
# `git archive` makes them: the same commit gives the same bytes) and audit/advisory-db.commit
# (commit hash and date). Then run scripts/audit.sh; new advisories that do not apply go to
# audit/ignore.txt with the reason. Commit the three files together.
set -euo pipefail
cd "$(dirname "$0")/.."
src=${1:?usage: bash scripts/refresh-advisories.sh PATH-TO-ADVISORY-DB-CHECKOUT}
git_dir=$src
[ -d "$src/.git" ] && git_dir="$src/.git"
commit=$(git --git-dir "$git_dir" rev-parse HEAD)
date=$(git --git-dir "$git_dir" log -1 --format=%cs HEAD)
git --git-dir "$git_dir" archive --format=tar "$commit" crates | gzip -9n >audit/advisory-db.tar.gz
echo "$commit $date" >audit/advisory-db.commit
count=$(tar -tzf audit/advisory-db.tar.gz | grep -c '\.md$')
echo "audit/advisory-db.tar.gz: $count advisories at rustsec/advisory-db $commit ($date), $(wc -c <audit/advisory-db.tar.gz) bytes"
