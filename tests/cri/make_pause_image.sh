#!/usr/bin/env bash
# Packs a static pause binary as a one-layer OCI image archive that `ctr images import` accepts:
#   make_pause_image.sh PAUSE_BINARY IMAGE_NAME OUTPUT_TAR
# The archive holds an OCI image layout (oci-layout, index.json, blobs/sha256/...). The layer is an
# uncompressed tar with /pause; the config runs it; index.json names the image through the
# io.containerd.image.name annotation, which containerd's importer takes as the image's full name.
# Output is reproducible: fixed owners, modes and times, sorted entries.
set -euo pipefail

if [ $# -ne 3 ]; then
  echo "usage: $0 PAUSE_BINARY IMAGE_NAME OUTPUT_TAR" >&2
  exit 2
fi
pause_bin=$1 image_name=$2 output=$3

case "$(uname -m)" in
  x86_64) arch=amd64 ;;
  aarch64) arch=arm64 ;;
  *) echo "$0: unsupported machine $(uname -m)" >&2; exit 1 ;;
esac

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
reproducible=(--sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 --format=posix
              --pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime)

# put_blob FILE: stores FILE under blobs/sha256/<digest> and prints "<digest> <size>".
put_blob() {
  local digest size
  digest=$(sha256sum "$1" | cut -d' ' -f1)
  size=$(stat -c %s "$1")
  mv "$1" "$work/layout/blobs/sha256/$digest"
  echo "$digest $size"
}

mkdir -p "$work/rootfs" "$work/layout/blobs/sha256"
install -m 0755 "$pause_bin" "$work/rootfs/pause"
tar -C "$work/rootfs" "${reproducible[@]}" -cf "$work/layer.tar" pause
read -r layer_digest layer_size < <(put_blob "$work/layer.tar")

# An uncompressed layer's diff ID is its digest.
printf '{"architecture":"%s","os":"linux","config":{"Entrypoint":["/pause"],"WorkingDir":"/"},"rootfs":{"type":"layers","diff_ids":["sha256:%s"]},"history":[{"created_by":"wharf tests/cri/make_pause_image.sh"}]}' \
  "$arch" "$layer_digest" > "$work/config.json"
read -r config_digest config_size < <(put_blob "$work/config.json")

printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%s},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"sha256:%s","size":%s}]}' \
  "$config_digest" "$config_size" "$layer_digest" "$layer_size" > "$work/manifest.json"
read -r manifest_digest manifest_size < <(put_blob "$work/manifest.json")

printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%s,"platform":{"architecture":"%s","os":"linux"},"annotations":{"io.containerd.image.name":"%s","org.opencontainers.image.ref.name":"%s"}}]}' \
  "$manifest_digest" "$manifest_size" "$arch" "$image_name" "${image_name##*:}" > "$work/layout/index.json"
printf '{"imageLayoutVersion":"1.0.0"}' > "$work/layout/oci-layout"

tar -C "$work/layout" "${reproducible[@]}" -cf "$output.tmp" oci-layout index.json blobs
mv "$output.tmp" "$output"
