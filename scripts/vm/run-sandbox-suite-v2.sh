#!/usr/bin/env bash
# Runs the sandbox suite (test/executor/*.test.ts) in a Debian 12 VM booted with the pure
# cgroup v2 hierarchy (systemd.unified_cgroup_hierarchy=1), as most current distributions run:
# the development hosts are hybrid v1, so this is where the v2 driver meets a real kernel.
# In the VM (scripts/vm/guest-suite.sh, from root's login shell on the serial console):
#   1. `hangar doctor` from the shell: it must leave the shell's cgroup as it was;
#   2. the suite from that root shell;
#   3. the suite as a systemd service with Delegate=yes;
#   4. `hangar doctor` as a service without Delegate=yes: it must name the missing controller;
#   5. contrib/systemd/hangar.service installed and started, one task run through it.
# Not part of `npm test`: it needs root, debootstrap, qemu-system-x86_64 and an hour or more
# under software emulation. apt-get install -y debootstrap qemu-system-x86 qemu-utils
#
# The Debian image is built once and cached outside the repository ($HANGAR_VM_CACHE,
# default /var/tmp/hangar-vm: rootfs/, ~1 GB, and base.img); each run boots a copy-on-write
# overlay of it plus a second disk holding this working tree (node_modules included), whose
# results/ come back.
# `--build-only`: build the cached image and stop.
# Environment: HANGAR_VM_CACHE, HANGAR_VM_MEMORY (MB, 4096), HANGAR_VM_CPUS (2),
# HANGAR_VM_TIMEOUT (s, 14400), HANGAR_VM_MIRROR, HANGAR_VM_SUITE (the test files, default
# 'test/executor/*.test.ts'), HANGAR_VM_PHASES (default 'doctor-shell shell service doctor-plain unit').
set -euo pipefail

repo="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/../.." && pwd)"
cache="${HANGAR_VM_CACHE:-/var/tmp/hangar-vm}"
mirror="${HANGAR_VM_MIRROR:-http://deb.debian.org/debian}"
memory="${HANGAR_VM_MEMORY:-4096}"
cpus="${HANGAR_VM_CPUS:-2}"
timeout_s="${HANGAR_VM_TIMEOUT:-14400}"
suite="${HANGAR_VM_SUITE:-test/executor/*.test.ts}"
phases="${HANGAR_VM_PHASES:-doctor-shell shell service doctor-plain unit}"
# Bump when build_base below changes: a cached image of another recipe is rebuilt.
recipe=2

say() { printf '[vm] %s\n' "$*" >&2; }
die() { say "$*"; exit 2; }

[ "$(id -u)" = 0 ] || die "run as root (debootstrap, and files owned by root in the images)"
for t in debootstrap qemu-system-x86_64 qemu-img mkfs.ext4 debugfs; do
  command -v "$t" >/dev/null || die "$t is missing: apt-get install -y debootstrap qemu-system-x86 qemu-utils e2fsprogs"
done
[ -x "$repo/node_modules/.bin/node" ] || die "run npm ci in $repo first: the VM uses its node_modules (Node 24)"
mkdir -p "$cache"

# debootstrap's package list: the rootfs is made again only when it changes.
packages=systemd,systemd-sysv,udev,dbus,linux-image-amd64,bubblewrap,curl,ca-certificates,procps,iproute2,kmod,util-linux,e2fsprogs,less
# Installed on top with apt in the chroot (changing these does not repeat debootstrap).
# libpam-systemd: a root login gets a session scope under user.slice, as on a real host.
# socat: networked sandboxes' forwarder, as .ci/run installs it (the Node forwarder without it).
extras="libpam-systemd socat"

make_rootfs() {
  rm -rf "$rootfs"
  say "debootstrap bookworm into $rootfs (once; 10-20 minutes)"
  debootstrap --variant=minbase --include="$packages" bookworm "$rootfs" "$mirror"
  echo "$packages" > "$rootfs/.hangar-debootstrap"
}

build_base() {
  rm -f "$cache/base.img"
  cp /etc/resolv.conf "$rootfs/etc/resolv.conf"
  # shellcheck disable=SC2086 # a list of package names
  chroot "$rootfs" dpkg -s $extras > /dev/null 2>&1 || chroot "$rootfs" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $extras
  chroot "$rootfs" apt-get clean
  echo hangar-v2 > "$rootfs/etc/hostname"
  # Debian's usual hosts file (localhost is both 127.0.0.1 and ::1), as a user's host has it.
  printf '127.0.0.1\tlocalhost\n127.0.1.1\thangar-v2\n::1\t\tlocalhost ip6-localhost ip6-loopback\n' > "$rootfs/etc/hosts"
  printf '/dev/vda / ext4 rw,errors=remount-ro 0 1\n/dev/vdb /mnt/hangar ext4 rw,nofail 0 2\n' > "$rootfs/etc/fstab"
  mkdir -p "$rootfs/mnt/hangar"
  chroot "$rootfs" passwd -d root >/dev/null
  # Root logs in on the serial console by itself; its login shell runs the guest script once.
  mkdir -p "$rootfs/etc/systemd/system/serial-getty@ttyS0.service.d"
  cat > "$rootfs/etc/systemd/system/serial-getty@ttyS0.service.d/autologin.conf" <<'EOF2'
[Service]
ExecStart=
ExecStart=-/sbin/agetty --autologin root --keep-baud 115200,57600,38400,9600 %I $TERM
EOF2
  cat > "$rootfs/root/.bash_profile" <<'EOF2'
if [ "$(tty)" = /dev/ttyS0 ] && [ -x /mnt/hangar/scripts/vm/guest-suite.sh ] && mkdir /run/hangar-suite 2>/dev/null; then
  /mnt/hangar/scripts/vm/guest-suite.sh
  systemctl poweroff
fi
EOF2
  # Nothing here needs the network, and the wait for it would only slow the boot.
  chroot "$rootfs" systemctl mask systemd-networkd-wait-online.service apt-daily.timer apt-daily-upgrade.timer e2scrub_all.timer fstrim.timer man-db.timer >/dev/null 2>&1 || true
  cp -L "$rootfs/vmlinuz" "$cache/vmlinuz"
  cp -L "$rootfs/initrd.img" "$cache/initrd.img"
  say "making $cache/base.img from the root filesystem"
  mkfs.ext4 -q -F -L hangar-root -d "$rootfs" "$cache/base.img.tmp" 6G
  mv "$cache/base.img.tmp" "$cache/base.img"
  echo "$recipe" > "$cache/recipe"
}

rootfs="$cache/rootfs"
if [ "$(cat "$rootfs/.hangar-debootstrap" 2>/dev/null)" != "$packages" ]; then make_rootfs; rm -f "$cache/base.img"; fi
if [ ! -f "$cache/base.img" ] || [ "$(cat "$cache/recipe" 2>/dev/null)" != "$recipe" ]; then build_base; fi
[ "${1:-}" = --build-only ] && { say "image ready in $cache"; exit 0; }

run="$cache/run"
rm -rf "$run"
mkdir -p "$run/repo"
say "copying the working tree and node_modules to the VM's second disk"
(cd "$repo" && git ls-files -z --cached --others --exclude-standard | grep -zv '^node_modules' | xargs -0 cp --parents -a -t "$run/repo")
cp -a "$(readlink -f "$repo/node_modules")" "$run/repo/node_modules"
printf '%s\n' "$suite" > "$run/repo/.vm-suite"
printf '%s\n' "$phases" > "$run/repo/.vm-phases"
mkdir -p "$run/repo/results"
# The sandbox uid must pass through every directory above the node binary and the tests.
chmod 0755 "$run/repo"
mkfs.ext4 -q -F -L hangar-repo -d "$run/repo" "$run/repo.img" 3G
rm -rf "$run/repo"
qemu-img create -q -f qcow2 -b "$cache/base.img" -F raw "$run/root.qcow2"

say "booting (software emulation, $cpus CPUs, $memory MB; console in $run/console.log)"
set +e
timeout --foreground "$timeout_s" qemu-system-x86_64 \
  -accel tcg,thread=multi -cpu max -smp "$cpus" -m "$memory" \
  -nographic -no-reboot -nic none \
  -kernel "$cache/vmlinuz" -initrd "$cache/initrd.img" \
  -append "root=/dev/vda rw console=ttyS0,115200 systemd.unified_cgroup_hierarchy=1 cgroup_no_v1=all panic=-1" \
  -drive file="$run/root.qcow2",if=virtio,format=qcow2 \
  -drive file="$run/repo.img",if=virtio,format=raw \
  < /dev/null 2>&1 | tee "$run/console.log"
qemu_rc=${PIPESTATUS[0]}
set -e
[ "$qemu_rc" = 124 ] && say "the VM did not finish within ${timeout_s} s"

debugfs -R "rdump /results $run" "$run/repo.img" >/dev/null 2>&1 || true
[ -f "$run/results/summary.txt" ] || die "no results came back (qemu exit $qemu_rc); see $run/console.log"
say "results in $run/results:"
cat "$run/results/summary.txt"
grep -q '^RESULT ok$' "$run/results/summary.txt"
