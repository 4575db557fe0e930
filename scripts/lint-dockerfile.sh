#!/usr/bin/env bash
# Checks the Dockerfile for what docs/deploy.md promises of the image, since
# it is not built here (no Docker daemon on the build machines): a build
# stage and a distroless or slim final stage, a user that is not root, the
# client site and hash.txt copied beside the binary, no secrets or data in
# the build context. `docker build --check .` is run too where BuildKit is.
set -euo pipefail
cd "$(dirname "$0")/.."
fail() { echo "Dockerfile: $*" >&2; exit 1; }

froms=$(grep -cE '^FROM ' Dockerfile)
[ "$froms" -ge 2 ] || fail "needs a build stage and an image stage (found $froms FROM lines)"
final=$(grep -E '^FROM ' Dockerfile | tail -1)
echo "$final" | grep -qE 'distroless|slim' || fail "the final stage must be distroless or slim: $final"
# The last USER line of the file is the image's user.
user=$(grep -E '^USER ' Dockerfile | tail -1 | awk '{print $2}')
[ -n "$user" ] || fail "no USER: the image would run as root"
case "${user%%:*}" in root|0) fail "USER $user is root";; esac
grep -qE '^COPY --from=build .*hash\.txt' Dockerfile || fail "hash.txt must sit beside the binary (hashed /pkg names)"
grep -qE '^COPY --from=build .*/site ' Dockerfile || fail "the client site is not copied"
grep -qE 'LEPTOS_SITE_ADDR=0\.0\.0\.0' Dockerfile || fail "LEPTOS_SITE_ADDR must listen beyond the container's loopback"
grep -qiE '^(ADD|COPY) .*\b(secret|\.key|\.env)\b' Dockerfile && fail "a secret is copied into the image"
for ignored in .git target '**/data' '*.key'; do
  grep -qxF "$ignored" .dockerignore || fail ".dockerignore must leave out $ignored"
done
if docker buildx version >/dev/null 2>&1 && docker info >/dev/null 2>&1; then
  docker build --check . || fail "docker build --check found problems"
fi
echo "Dockerfile: ok"
