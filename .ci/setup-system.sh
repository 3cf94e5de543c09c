#!/usr/bin/env bash
# System packages: Debian's PyTorch (scale-out test), the WebGPU software adapter (Dawn via the
# `webgpu` npm package) and Chromium (the playground's browser tests).
# Debian 12 (bookworm); idempotent; non-interactive; needs root (or passwordless sudo).
#
#   Vulkan lavapipe from Mesa >= 25 (bookworm-backports)  -> core WebGPU   (tried first)
#   GL ES via EGL surfaceless (any Mesa)                  -> compatibility (fallback)
#
# Installing mesa-vulkan-drivers from backports also upgrades libgl1-mesa-dri / libegl-mesa0 to 25.x,
# which makes the GL ES path about 3x faster than stock Mesa 22.3.6.
# See docs/webgpu.md and /work/shared/notes/backends-probe.md §1.1.
set -euo pipefail

if ! command -v apt-get >/dev/null 2>&1; then
  echo "setup-system: no apt-get here; skipping (install Mesa >= 25 lavapipe or Mesa EGL/GLES by hand)" >&2
  exit 0
fi

SUDO=()
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then SUDO=(sudo -n); else
    echo "setup-system: must run as root (or with passwordless sudo)" >&2; exit 1
  fi
fi
export DEBIAN_FRONTEND=noninteractive
APT=("${SUDO[@]}" apt-get -y -q -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold --no-install-recommends)

# version of an installed package, or empty
installed() { dpkg-query -W -f='${Status} ${Version}\n' "$1" 2>/dev/null | awk '/install ok installed/ {print $4}' || true; }

# Debian's PyTorch for the scale-out round trip (packages/cli/test/scale-out.test.ts) and the
# PyTorch comparisons; libopenblas0-pthread makes it use OpenBLAS instead of the reference BLAS.
# Installed whatever the Mesa state below.
torch_missing=()
for p in python3-torch libopenblas0-pthread; do
  [ -n "$(installed "$p")" ] || torch_missing+=("$p")
done
if [ "${#torch_missing[@]}" -gt 0 ]; then
  t0=$(date +%s)
  "${SUDO[@]}" apt-get update -q
  "${APT[@]}" install "${torch_missing[@]}"
  echo "setup-system: installed ${torch_missing[*]} in $(( $(date +%s) - t0 )) s"
else
  echo "setup-system: python3-torch and libopenblas0-pthread already present"
fi

mesa_vk="$(installed mesa-vulkan-drivers)"
need=0
case "$mesa_vk" in 2[5-9].*|[3-9][0-9].*) ;; *) need=1 ;; esac
for p in libvulkan1 libegl1 libegl-mesa0 libgles2 libgl1-mesa-dri; do
  [ -n "$(installed "$p")" ] || need=1
done
if [ "$need" -eq 0 ]; then
  echo "setup-system: WebGPU software adapter packages already present (mesa-vulkan-drivers $mesa_vk)"
else
  codename="$(. /etc/os-release && echo "${VERSION_CODENAME:-}")"
  t0=$(date +%s)
  if [ "$codename" = "bookworm" ]; then
    src=/etc/apt/sources.list.d/bookworm-backports.sources
    if ! grep -rqs 'bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d/; then
      "${SUDO[@]}" tee "$src" >/dev/null <<'SRC'
Types: deb
URIs: http://deb.debian.org/debian
Suites: bookworm-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
    fi
    "${SUDO[@]}" apt-get update -q
    "${APT[@]}" install libvulkan1 libegl1 libegl-mesa0 libgles2 libgl1-mesa-dri
    "${APT[@]}" install -t bookworm-backports mesa-vulkan-drivers libgl1-mesa-dri libegl-mesa0 libglx-mesa0 libgbm1 libglapi-mesa
  else
    # Newer Debian/Ubuntu: the distribution's Mesa is expected to be recent enough.
    "${SUDO[@]}" apt-get update -q
    "${APT[@]}" install libvulkan1 mesa-vulkan-drivers libegl1 libegl-mesa0 libgles2 libgl1-mesa-dri
  fi
  echo "setup-system: installed WebGPU software adapter packages in $(( $(date +%s) - t0 )) s (mesa-vulkan-drivers $(installed mesa-vulkan-drivers))"
fi

# Chromium for the browser tests (packages/playground/test/browser.test.ts, driven by playwright-core
# through executablePath: no browser download). Debian's package; installed only when missing.
if [ -z "$(installed chromium)" ]; then
  t1=$(date +%s)
  "${SUDO[@]}" apt-get update -q
  "${APT[@]}" install chromium
  echo "setup-system: installed chromium $(installed chromium) in $(( $(date +%s) - t1 )) s"
else
  echo "setup-system: chromium $(installed chromium) already present"
fi
