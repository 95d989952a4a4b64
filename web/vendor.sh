#!/usr/bin/env bash
# vendor.sh brings the desk's third-party browser libraries into
# web/static/vendor from npm, at the pinned versions below, and writes
# web/static/vendor/VERSIONS. The output is committed: building or running
# gridd needs no Node, npm or CDN; only a person updating a library runs
# this (it needs npm, tar and openssl).
#
# Each tarball's sha512 must equal the one pinned here, so a registry that
# answers with different bytes for the same version fails the run. To
# update a library: change its version, run the script once (it fails and
# prints the new integrity), read the upstream changes, pin the new
# integrity, run again, look at the desk, and commit the script with the
# files.
#
# With --check it fetches again and fails when the committed files differ
# from what it makes (CI does not run this: it would need npm).
set -euo pipefail
cd "$(dirname "$0")/.."

# name version sha512 (npm's dist.integrity) licence
PACKAGES=(
  "leaflet 1.9.4 sha512-nxS1ynzJOmOlHp+iL3FyWqK89GtNL8U8rvlMOsQdTTssxZwCXh8N2NB3GDQOL+YR3XnWyZAxwQixURb+FA74PA== BSD-2-Clause"
  "leaflet.markercluster 1.5.3 sha512-vPTw/Bndq7eQHjLBVlWpnGeLa3t+3zGiuM7fJwCkiMFq+nmRuG3RI3f7f4N4TDX7T4NpbAXpR2+NTRSEGfCSeA== MIT"
  "echarts 5.6.0 sha512-oTbVTsXfKuEhxftHqL5xprgLoc0k7uScAwtryCgWF6hPYFLRwOUHiFmHGCBKP5NPFNkDVopOieyUqYGH8Fa3kA== Apache-2.0"
)

# files NAME: the files of the package (paths inside its tarball, below
# package/) the desk needs, as "source destination" pairs; minified builds
# only, and every licence and notice file.
files() {
  case "$1" in
  leaflet)
    echo "dist/leaflet.js leaflet.js"
    echo "dist/leaflet.css leaflet.css"
    for png in layers layers-2x marker-icon marker-icon-2x marker-shadow; do
      echo "dist/images/$png.png images/$png.png" # leaflet.css refers to images/
    done
    echo "LICENSE LICENSE"
    ;;
  leaflet.markercluster)
    echo "dist/leaflet.markercluster.js leaflet.markercluster.js"
    echo "dist/MarkerCluster.css MarkerCluster.css"
    echo "dist/MarkerCluster.Default.css MarkerCluster.Default.css"
    echo "MIT-LICENCE.txt LICENSE"
    ;;
  echarts)
    echo "dist/echarts.min.js echarts.min.js"
    echo "LICENSE LICENSE"
    echo "NOTICE NOTICE" # Apache-2.0 asks that the NOTICE travel with the code
    echo "licenses/LICENSE-d3 LICENSE-d3"
    ;;
  *)
    echo "vendor.sh: no file list for $1" >&2
    exit 1
    ;;
  esac
}

check=false
case "${1:-}" in
"") ;;
--check) check=true ;;
*)
  echo "usage: web/vendor.sh [--check]" >&2
  exit 2
  ;;
esac

for tool in npm tar openssl; do
  if ! command -v "$tool" >/dev/null; then
    echo "vendor.sh: needs $tool" >&2
    exit 1
  fi
done

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
out="$work/vendor"
mkdir -p "$out"

{
  echo "# Written by web/vendor.sh from npm; do not edit by hand."
  echo "# name version integrity licence"
} >"$out/VERSIONS"

for line in "${PACKAGES[@]}"; do
  read -r name version want licence <<<"$line"
  pack="$work/pack/$name"
  mkdir -p "$pack"
  # A cache of its own, so every run downloads what the registry serves now.
  tgz=$(npm pack --silent --cache "$work/npm-cache" --pack-destination "$pack" "$name@$version" | tail -n 1)
  got="sha512-$(openssl dgst -sha512 -binary "$pack/$tgz" | base64 | tr -d '\n')"
  if [[ "$got" != "$want" ]]; then
    echo "vendor.sh: $name@$version: tarball sha512 is $got, pinned $want" >&2
    exit 1
  fi
  tar -xzf "$pack/$tgz" -C "$pack"
  while read -r src dst; do
    mkdir -p "$(dirname "$out/$name/$dst")"
    cp "$pack/package/$src" "$out/$name/$dst"
    chmod 0644 "$out/$name/$dst"
  done < <(files "$name")
  echo "$name $version $want $licence" >>"$out/VERSIONS"
done

dest=web/static/vendor
if $check; then
  if ! diff -r "$out" "$dest"; then
    echo "vendor.sh: $dest differs from what web/vendor.sh makes: run web/vendor.sh and commit" >&2
    exit 1
  fi
  echo "vendor.sh: $dest matches the pinned packages"
  exit 0
fi
rm -rf "$dest"
mkdir -p "$(dirname "$dest")"
cp -R "$out" "$dest"
echo "vendor.sh: wrote $dest:"
cat "$dest/VERSIONS"
