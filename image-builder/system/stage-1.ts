/**
 * Stage 1: the /init of a generation's initramfs, a busybox sh script (pure: rendered from the store and
 * profile paths and the modules to load). No udev: it mounts devtmpfs, proc and sys itself, loads the storage
 * and filesystem modules the initramfs carries, then either
 *
 * - installed (`root=UUID=...`, `LABEL=`, `PARTUUID=`, `PARTLABEL=` or a device path): waits for the root
 *   filesystem up to `cairn.timeout` seconds, checks it (e2fsck -p for ext2/3/4), mounts it (read-write
 *   unless `ro`; `rootfstype=`, `rootflags=` as the kernel reads them) and switches to it, running `init=`; or
 * - live (`cairn.live=<volume id>`, which the ISO's entries carry): finds the ISO 9660 volume with that id
 *   by reading the primary volume descriptor of every block device (whole disks first, so a USB stick
 *   written with the ISO is mounted as a whole), mounts it read-only at /run/cairn/medium, makes a tmpfs the
 *   root with the store (and the profiles) bound from the medium, and switches to it, running `init=`.
 *
 * With LUKS support (`luks` given: the generation asked for `boot.initrd.luks`), before looking for the root it
 * opens every LUKS2 device `cairn.luks=UUID=<uuid of the LUKS header>` names (repeatable) as
 * /dev/mapper/luks-<uuid>: it waits for the device like for the root, asks for its passphrase on every active
 * console (the first console to answer wins; typed without echo) and pipes it to `cryptsetup open
 * --key-file=-` (from the shell's printf builtin: never on a command line or in a file). Three tries; a wrong
 * passphrase says how many are left; too little memory for the key derivation is said as such.
 *
 * On any failure it prints what it looked for and what it found (the block devices with their filesystems,
 * labels and UUIDs, the modules that did not load) on every console, then opens a shell on each; leaving
 * the shell on the main console tries again. It never returns, so the kernel never panics for want of init.
 */
import { LIVE_MEDIUM_MOUNT } from '../../system/live-medium.js';

/** Seconds stage 1 waits for the root filesystem or the live medium, unless `cairn.timeout=` says otherwise. */
export const DEFAULT_DEVICE_TIMEOUT = 60;
/** The kernel parameter naming the live medium's volume id. */
export const LIVE_PARAM = 'cairn.live';
export const TIMEOUT_PARAM = 'cairn.timeout';
/** The kernel parameter naming a LUKS device stage 1 opens: `cairn.luks=UUID=<uuid of the LUKS header>`. */
export const LUKS_PARAM = 'cairn.luks';
/** Passphrases stage 1 accepts for a LUKS device before it gives up (and opens the shells). */
export const LUKS_TRIES = 3;
/** Every line stage 1 prints starts with this. */
export const STAGE_1_PREFIX = 'cairn stage 1:';

export interface Stage1Options {
  /** The store as the system sees it (`/cairn/store`): bound from the live medium. */
  readonly store: string;
  /** The directory of the profile's links (`/cairn/var/profiles`): bound from the live medium when it has it. */
  readonly profiles: string;
  /** Modules to load, in order (each with modprobe, which loads its dependencies first). */
  readonly modules: readonly string[];
  /** Where e2fsck is in the initramfs, when it carries one. */
  readonly e2fsck?: string;
  /** Where blkid is in the initramfs. */
  readonly blkid: string;
  /** LUKS support: where cryptsetup is, and the modules loaded before the first device is opened. */
  readonly luks?: Stage1Luks;
}

export interface Stage1Luks {
  /** Where cryptsetup is in the initramfs. */
  readonly cryptsetup: string;
  /** dm-crypt and the crypto it needs, loaded in order (a failure is reported). */
  readonly modules: readonly string[];
  /** Faster implementations that only some CPUs have (AES-NI...), loaded when they can be. */
  readonly optionalModules: readonly string[];
}

export function renderStage1Init(options: Stage1Options): string {
  const e2fsck = options.e2fsck ?? '';
  const luks = options.luks === undefined ? undefined : renderLuks(options.luks);
  return `#!/bin/sh
# Cairn stage 1, the /init of this generation's initramfs, written by \`cairn system build\`.
# Kernel parameters: root=UUID=...|LABEL=...|PARTUUID=...|PARTLABEL=...|/dev/... (installed), or
# ${LIVE_PARAM}=<volume id> (live, from the ISO); init= (required), rootfstype=, rootflags=, ro, rw,
# ${TIMEOUT_PARAM}=<seconds to wait for the device> (default ${DEFAULT_DEVICE_TIMEOUT}).${luks?.header ?? ''}
export PATH=/bin:/sbin:/usr/bin:/usr/sbin
store=${shellQuote(options.store)}
profiles=${shellQuote(options.profiles)}
modules=${shellQuote(options.modules.join(' '))}
e2fsck=${shellQuote(e2fsck)}
blkid=${shellQuote(options.blkid)}
medium=${LIVE_MEDIUM_MOUNT}${luks?.variables ?? ''}

mkdir -p /dev /proc /sys /run /newroot /etc
mount -t devtmpfs -o mode=0755,nosuid devtmpfs /dev 2>/dev/null
mount -t proc -o nosuid,nodev,noexec proc /proc
mount -t sysfs -o nosuid,nodev,noexec sysfs /sys
mount -t tmpfs -o mode=0755,nosuid,nodev tmpfs /run
ln -sf /proc/self/mounts /etc/mtab

# The consoles the kernel writes to (the last one is /dev/console).
consoles() {
  active=$(cat /sys/class/tty/console/active 2>/dev/null)
  echo "\${active:-console}"
}

# A message on every console.
say() {
  for c in $(consoles); do
    echo "${STAGE_1_PREFIX} $*" > "/dev/$c" 2>/dev/null
  done
}

failed_modules=
load_modules() {
  for m in $modules; do
    modprobe -q "$m" 2>/dev/null || failed_modules="$failed_modules $m"
  done
}

parse_cmdline() {
  root= fstype= flags= mode=rw init= live= timeout=${DEFAULT_DEVICE_TIMEOUT}${luks?.reset ?? ''}
  set -f
  for p in $(cat /proc/cmdline); do
    case "$p" in
      root=*) root=\${p#root=} ;;
      rootfstype=*) fstype=\${p#rootfstype=} ;;
      rootflags=*) flags=\${p#rootflags=} ;;
      ro) mode=ro ;;
      rw) mode=rw ;;
      init=*) init=\${p#init=} ;;
      ${LIVE_PARAM}=*) live=\${p#${LIVE_PARAM}=} ;;
      ${TIMEOUT_PARAM}=*) timeout=\${p#${TIMEOUT_PARAM}=} ;;
${luks?.parse ?? ''}    esac
  done
  set +f
  case "$timeout" in ''|*[!0-9]*) timeout=${DEFAULT_DEVICE_TIMEOUT} ;; esac
}

# The kernel's names of the block devices there are (disks, partitions, CD drives), whole disks first.
block_devices() {
  for s in /sys/class/block/*; do [ -e "$s" ] && [ ! -e "$s/partition" ] && echo "\${s##*/}"; done
  for s in /sys/class/block/*; do [ -e "$s/partition" ] && echo "\${s##*/}"; done
}

# What is there: every block device with its size and what blkid sees on it, and the modules that failed.
report_devices() {
  say "block devices found:"
  found=
  for n in $(block_devices); do
    sectors=$(cat "/sys/class/block/$n/size" 2>/dev/null)
    probe=$("$blkid" -c /dev/null -o export "/dev/$n" 2>/dev/null | grep -E '^(TYPE|UUID|LABEL|PARTUUID|PARTLABEL|PTTYPE|PTUUID)=' | tr '\\n' ' ')
    say "  /dev/$n ($((\${sectors:-0} / 2048)) MiB) \${probe:-no filesystem found}"
    found=yes
  done
  [ -n "$found" ] || say "  none (no disk, CD or USB stick was detected)"
  [ -z "$failed_modules" ] || say "modules that did not load:$failed_modules"
}

cleanup() {
  for m in $(awk '$2 ~ "^/newroot" || $2 == "'"$medium"'" { print $2 }' /proc/mounts | sort -r); do
    umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null
  done
}

# The device root= names, once it is there (blkid reads the filesystems' and partition tables' ids).
find_root() {
  case "$root" in
    UUID=*|LABEL=*|PARTUUID=*|PARTLABEL=*) "$blkid" -c /dev/null -l -o device -t "$root" 2>/dev/null ;;
    /dev/*) [ -b "$root" ] && echo "$root" ;;
  esac
}

# The ISO 9660 volume id of a device: bytes 40-71 of the primary volume descriptor (sector 16), if any.
volume_id() {
  [ "$(dd if="/dev/$1" bs=1 skip=32769 count=5 2>/dev/null)" = CD001 ] || return
  vid=$(dd if="/dev/$1" bs=1 skip=32808 count=32 2>/dev/null | tr -d '\\000')
  echo "\${vid%% *}"
}

# The device holding the live medium: whole disks first (a USB stick written with the ISO), then partitions.
find_medium() {
  for n in $(block_devices); do
    [ "$(volume_id "$n")" = "$live" ] && { echo "/dev/$n"; return; }
  done
}

report_volumes() {
  say "ISO 9660 volumes found:"
  any=
  for n in $(block_devices); do
    v=$(volume_id "$n")
    [ -n "$v" ] && { say "  /dev/$n: $v"; any=yes; }
  done
  [ -n "$any" ] || say "  none"
}

# Waits for a device: $1 is a function printing it once it is there; prints it, or nothing after the timeout.
wait_for() {
  ticks=0
  while [ $ticks -lt $((timeout * 4)) ]; do
    dev=$($1)
    [ -n "$dev" ] && { echo "$dev"; return; }
    [ $ticks -eq 8 ] && say "waiting up to $timeout s for $2" >&2
    sleep 0.25
    ticks=$((ticks + 1))
  done
}

fail() {
  say "$*"
  return 1
}
${luks?.functions ?? ''}
boot_installed() {
  [ -n "$root" ] || { fail "no root= and no ${LIVE_PARAM}= on the kernel command line: nothing to boot"; report_devices; return 1; }
${luks?.open ?? ''}  dev=$(wait_for find_root "root=$root")
  if [ -z "$dev" ]; then
    fail "the root filesystem root=$root did not appear within $timeout s (${TIMEOUT_PARAM}= waits longer)"
    report_devices
    return 1
  fi
  type=$("$blkid" -c /dev/null -p -o value -s TYPE "$dev" 2>/dev/null)
  [ -n "$fstype" ] || fstype=$type
  [ -n "$fstype" ] || { fail "root=$root is $dev, but no filesystem was found on it"; report_devices; return 1; }
  case "$fstype" in
    ext2|ext3|ext4)
      if [ -n "$e2fsck" ]; then
        "$e2fsck" -p "$dev"
        rc=$?
        if [ $rc -ge 4 ]; then fail "e2fsck -p $dev found errors it could not repair (exit code $rc): run $e2fsck $dev in this shell"; return 1; fi
        if [ $((rc & 2)) -ne 0 ]; then say "e2fsck repaired $dev and asks for a reboot"; sleep 2; reboot -f; fi
      fi
      ;;
  esac
  options=$mode
  [ -z "$flags" ] || options="$options,$flags"
  if ! mount -t "$fstype" -o "$options" "$dev" /newroot; then
    fail "could not mount $dev ($fstype, options $options) for root=$root"
    report_devices
    return 1
  fi
  return 0
}

boot_live() {
  dev=$(wait_for find_medium "the ISO 9660 volume $live")
  if [ -z "$dev" ]; then
    fail "no ISO 9660 volume with the id $live appeared within $timeout s (${TIMEOUT_PARAM}= waits longer)"
    report_volumes
    report_devices
    return 1
  fi
  mkdir -p "$medium"
  mount -t iso9660 -o ro "$dev" "$medium" || { fail "could not mount $dev (the volume $live) read-only"; report_devices; return 1; }
  [ -d "$medium$store" ] || { fail "$dev (the volume $live) has no $store"; return 1; }
  mount -t tmpfs -o mode=0755 tmpfs /newroot || { fail "could not make a root filesystem in memory (tmpfs)"; return 1; }
  mkdir -p "/newroot$store" && mount --bind "$medium$store" "/newroot$store" || { fail "could not bind $store from the medium"; return 1; }
  if [ -d "$medium$profiles" ]; then
    mkdir -p "/newroot$profiles" && mount --bind "$medium$profiles" "/newroot$profiles"
  fi
  echo "$live $dev" > /run/cairn/live
  return 0
}

boot() {
  cleanup
  parse_cmdline
  mkdir -p /run/cairn
  [ -n "$init" ] || { fail "no init= on the kernel command line: the boot entry must name the generation's init"; return 1; }
  if [ -n "$live" ]; then boot_live || return 1; else boot_installed || return 1; fi
  if [ ! -e "/newroot$init" ] && [ ! -L "/newroot$init" ]; then
    fail "init=$init is not on the root filesystem (\${dev:-?}); is it the right root, and does it hold this generation?"
    ls "/newroot\${init%/*}" >/dev/null 2>&1 || say "  \${init%/*} is missing too"
    return 1
  fi
  for d in dev proc sys run; do
    mkdir -p "/newroot/$d" 2>/dev/null
    mount --move "/$d" "/newroot/$d" 2>/dev/null
  done
  exec switch_root /newroot "$init"
}

rescue() {
  main=
  for c in $(consoles); do main=$c; done
  say "starting a shell on every console ($(consoles | sed 's/tty0/tty1/')); leave the one on $main (exit) to try again"
  pids=
  for c in $(consoles); do
    [ "$c" = "$main" ] && continue
    [ "$c" = tty0 ] && c=tty1
    setsid sh -c "exec sh -i </dev/$c >/dev/$c 2>&1" &
    pids="$pids $!"
  done
  setsid cttyhack sh -i
  [ -z "$pids" ] || kill $pids 2>/dev/null
}

load_modules
while :; do
  # boot returns only when it failed (before anything was moved), so the consoles are still here.
  boot
  rescue
done
`;
}

/** The pieces of stage 1 that open LUKS devices, each empty without LUKS support (so the script keeps its bytes). */
function renderLuks(luks: Stage1Luks) {
  return {
    header: `
# ${LUKS_PARAM}=UUID=<uuid of a LUKS header> (repeatable): opened as /dev/mapper/luks-<uuid> before root= is looked for.`,
    reset: ' luks=',
    variables: `
cryptsetup=${shellQuote(luks.cryptsetup)}
luks_modules=${shellQuote(luks.modules.join(' '))}
luks_optional_modules=${shellQuote(luks.optionalModules.join(' '))}`,
    parse: `      ${LUKS_PARAM}=*) luks="$luks \${p#${LUKS_PARAM}=}" ;;
`,
    functions: `
luks_loaded=
load_luks_modules() {
  [ -n "$luks_loaded" ] && return
  luks_loaded=yes
  for m in $luks_modules; do
    modprobe -q "$m" 2>/dev/null || failed_modules="$failed_modules $m"
  done
  for m in $luks_optional_modules; do modprobe -q "$m" 2>/dev/null; done
}

# The LUKS device with the UUID $luks_uuid, once it is there.
find_luks() {
  for d in $("$blkid" -c /dev/null -o device -t "UUID=$luks_uuid" 2>/dev/null); do
    [ "$("$blkid" -c /dev/null -p -o value -s TYPE "$d" 2>/dev/null)" = crypto_LUKS ] && { echo "$d"; return; }
  done
}

# Asks for a passphrase on every console at once: one reader per console, without echo; the first to answer
# writes it into a pipe (a FIFO in the /run tmpfs: the passphrase is never in a file) and the others are stopped.
# $1 is the prompt; the pipe is $luks_pipe, read by the caller.
ask_passphrase() {
  readers=
  for c in $(consoles); do
    [ "$c" = tty0 ] && c=tty1
    (
      while :; do
        printf '%s' "$1" > "/dev/$c"
        IFS= read -rs passphrase < "/dev/$c" || exit 1
        echo > "/dev/$c"
        [ -n "$passphrase" ] && break
        echo "${STAGE_1_PREFIX} the passphrase is empty: type it, then Enter" > "/dev/$c"
      done
      printf '%s' "$passphrase" > "$luks_pipe"
    ) 2>/dev/null &
    readers="$readers $!"
  done
}

# Stops the readers still waiting (their consoles get their echo back).
stop_readers() {
  [ -z "$readers" ] || kill $readers 2>/dev/null
  wait $readers 2>/dev/null
  readers=
  for c in $(consoles); do
    [ "$c" = tty0 ] && c=tty1
    stty echo < "/dev/$c" 2>/dev/null
  done
}

# cryptsetup's last line that is not a warning (its error).
cryptsetup_said() {
  echo "$out" | grep -v '^Warning' | tail -n 1
}

# Opens the LUKS device $1 as $2, asking for its passphrase up to ${LUKS_TRIES} times (an empty answer is asked again).
unlock() {
  luks_pipe=/run/cairn/passphrase
  tries=${LUKS_TRIES}
  while [ $tries -gt 0 ]; do
    rm -f "$luks_pipe"
    mkfifo -m 600 "$luks_pipe" || { fail "could not make the pipe $luks_pipe for the passphrase"; return 1; }
    ask_passphrase "Passphrase for $1 ($2): "
    # cryptsetup reads the passphrase byte for byte up to the end of the pipe (--key-file=-: no newline).
    # No udev here: libdevmapper makes the /dev/mapper node itself.
    out=$(DM_DISABLE_UDEV=1 "$cryptsetup" open --type luks2 --key-file=- "$1" "$2" < "$luks_pipe" 2>&1)
    rc=$?
    stop_readers
    rm -f "$luks_pipe"
    [ $rc -eq 0 ] && { say "opened $1 as /dev/mapper/$2"; return 0; }
    tries=$((tries - 1))
    case "$rc:$out" in
      3:*|*"Not enough available memory"*)
        fail "too little memory to derive the key of $1 ($2): its key slot asks for more memory than this machine has free (cryptsetup: $(cryptsetup_said)); boot with more memory, or add a key slot with a lower --pbkdf-memory on a machine that can open it"
        return 1 ;;
      2:*)
        if [ $tries -gt 0 ]; then
          say "wrong passphrase for $1, $tries $( [ $tries -eq 1 ] && echo try || echo tries) left"
        else
          fail "wrong passphrase for $1 (${LUKS_PARAM}=UUID=$luks_uuid), ${LUKS_TRIES} tries: giving up"
          return 1
        fi ;;
      *)
        fail "cryptsetup could not open $1 as $2 (exit code $rc): $(cryptsetup_said)"
        return 1 ;;
    esac
  done
  return 1
}

# Every LUKS device ${LUKS_PARAM}= names, opened (once: a device opened before a failure stays open).
open_luks() {
  [ -n "$luks" ] || return 0
  load_luks_modules
  for spec in $luks; do
    case "$spec" in
      UUID=?*) luks_uuid=\${spec#UUID=} ;;
      *) fail "${LUKS_PARAM}=$spec: expected ${LUKS_PARAM}=UUID=<the UUID of the LUKS header> (cryptsetup luksUUID prints it)"; return 1 ;;
    esac
    name=luks-$luks_uuid
    [ -b "/dev/mapper/$name" ] && continue
    dev=$(wait_for find_luks "the LUKS device ${LUKS_PARAM}=$spec")
    if [ -z "$dev" ]; then
      fail "the LUKS device ${LUKS_PARAM}=$spec did not appear within $timeout s (${TIMEOUT_PARAM}= waits longer)"
      report_devices
      return 1
    fi
    unlock "$dev" "$name" || return 1
  done
}
`,
    open: `  open_luks || return 1
`,
  };
}

/** A word quoted for sh: single quotes, with any single quote written '\''. */
export function shellQuote(value: string): string {
  return `'${value.replaceAll("'", "'\\''")}'`;
}
