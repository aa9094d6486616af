#!/usr/bin/env bash
# Assembles the offline test image's root filesystem as a tar: this machine's Debian Python 3.11 (interpreter,
# standard library, the shared libraries they load), dash as /bin/sh, a few coreutils, and a passwd file with the
# conventional integration user 4000:4000. No registry is needed: the tar is imported through the Engine API by
# `hardend image import` (see scripts/setup.sh).
#
# usage: scripts/build-test-rootfs.sh OUT.tar
set -euo pipefail

out=${1:?usage: build-test-rootfs.sh OUT.tar}
python_bin=/usr/bin/python3.11
[ -x "$python_bin" ] || { echo "build-test-rootfs: $python_bin missing (apt-get install python3.11)" >&2; exit 1; }

root=$(mktemp -d /tmp/hardend-rootfs.XXXXXX)
trap 'rm -rf "$root"' EXIT

copy() {  # copy a file (following symlinks) to the same path inside the rootfs
  local src=$1
  mkdir -p "$root$(dirname "$src")"
  cp -L "$src" "$root$src"
}

binaries=("$python_bin" /bin/dash /bin/cat /bin/sleep /bin/echo /bin/ls /bin/true /bin/false /usr/bin/id /usr/bin/head
  /usr/bin/env /usr/bin/yes)
for bin in "${binaries[@]}"; do copy "$bin"; done

# Standard library, without the test suite and the ensurepip/idle extras that scripts do not need.
mkdir -p "$root/usr/lib"
tar -C /usr/lib --exclude='python3.11/test' --exclude='python3.11/idlelib' --exclude='python3.11/ensurepip' \
  --exclude='python3.11/lib2to3/tests' -cf - python3.11 | tar -C "$root/usr/lib" -xf -

# Every shared library the interpreter, the extension modules and the binaries load.
libs=$( { for f in "${binaries[@]}" /usr/lib/python3.11/lib-dynload/*.so; do ldd "$f" 2>/dev/null || true; done; } |
  awk '/=> \// {print $3} $1 ~ /^\/lib64\// {print $1}' | sort -u)
for lib in $libs; do copy "$lib"; done

# Debian's merged /usr layout: /bin and /lib are symlinks into /usr.
mkdir -p "$root/usr/bin" "$root/usr/lib64"
for dir in bin lib lib64 sbin; do
  if [ -d "$root/$dir" ] && [ ! -L "$root/$dir" ]; then
    mkdir -p "$root/usr/$dir"
    cp -a "$root/$dir/." "$root/usr/$dir/"
    rm -rf "${root:?}/$dir"
  fi
  ln -s "usr/$dir" "$root/$dir"
done
ln -sf python3.11 "$root/usr/bin/python3"
ln -sf python3.11 "$root/usr/bin/python"
ln -sf dash "$root/usr/bin/sh"

mkdir -p "$root/etc" "$root/tmp" "$root/proc" "$root/sys" "$root/dev" "$root/home/hardend" "$root/var/tmp"
chmod 1777 "$root/tmp" "$root/var/tmp"
chown 4000:4000 "$root/home/hardend"
cat >"$root/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin
hardend:x:4000:4000:integration user:/home/hardend:/bin/sh
EOF
cat >"$root/etc/group" <<'EOF'
root:x:0:
nogroup:x:65534:
hardend:x:4000:
EOF
echo "hardend-test" >"$root/etc/hostname"

tar -C "$root" --numeric-owner -cf "$out" .
echo "build-test-rootfs: wrote $out ($(du -h "$out" | cut -f1))"
