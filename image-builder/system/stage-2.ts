/**
 * Stage 2: the generation's init (`<toplevel>/init`, the `init=` of its boot entries), a busybox sh script
 * (pure: rendered from the generation's store paths). Stage 1 runs it as PID 1 on the root filesystem: the
 * installed root, or live a tmpfs with the store bound from the medium. It
 *
 * - mounts proc, sys, dev (devtmpfs, devpts, shm) and run unless stage 1 moved them there already;
 * - points /run/current-system at the generation and gives the root the links into it that a merged-/usr
 *   system has (/usr -> /run/current-system/sw, /bin -> usr/bin, /sbin, /lib, /lib64), where missing;
 * - fills /etc with every file of the generation's default /etc that it lacks (all of them live; on an
 *   installed root the installer wrote the machine's own), then the home directories /etc/passwd names;
 * - mounts the filesystems and swap of /etc/fstab, sets the host name from /etc/hostname, loads the modules
 *   the spec names;
 * - writes /run/cairn/inittab (/etc/inittab links there) with a login prompt, or live a root shell, on every
 *   console named on the kernel command line (tty0 is tty1; none named: tty1), and clean shutdown steps;
 * - prints its marker on every console and becomes busybox init, which runs them and handles poweroff,
 *   reboot and Ctrl-Alt-Del.
 */
import type { LiveConsole } from '../../system/system-spec.js';
import { LIVE_PARAM, shellQuote } from './stage-1.js';

/** The toplevel's file that runs the installer on one console (live.console: installer). */
export const INSTALLER_CONSOLE = 'installer-console';

/** What stage 2 prints on every console once the system is set up, before the prompts start. */
export const STAGE_2_MARKER = 'cairn stage 2: started';
/** Where stage 2 writes the inittab for this boot; the generation's /etc/inittab is a link to it. */
export const RUNTIME_INITTAB = '/run/cairn/inittab';

export interface Stage2Options {
  /** The toplevel's own store path (stage 2 is a file in it). */
  readonly toplevel: string;
  /** The generation's userland (the root's /usr). */
  readonly sw: string;
  /** The generation's default /etc. */
  readonly etc: string;
  readonly label: string;
  /** Modules to load. */
  readonly kernelModules: readonly string[];
  /** Live from the ISO: a root shell (`shell`), a login prompt, or the installer (`installer-console` of the toplevel) on each console. */
  readonly liveConsole: LiveConsole;
}

export function renderStage2Init(options: Stage2Options): string {
  return `#!${options.sw}/bin/sh
# Cairn stage 2, this generation's init, written by \`cairn system build\`; stage 1 runs it as PID 1.
sw=${shellQuote(options.sw)}
etc=${shellQuote(options.etc)}
toplevel=${shellQuote(options.toplevel)}
label=${shellQuote(options.label)}
modules=${shellQuote(options.kernelModules.join(' '))}
live_console=${options.liveConsole}
export PATH="$sw/bin"
umask 022

# Whether something is mounted at $1 (busybox-static has no mountpoint applet).
mounted() { [ -r /proc/mounts ] && awk -v m="$1" '$2 == m { found = 1 } END { exit !found }' /proc/mounts; }
mounted /proc || mount -t proc -o nosuid,nodev,noexec proc /proc
mounted /sys || mount -t sysfs -o nosuid,nodev,noexec sysfs /sys
mounted /dev || mount -t devtmpfs -o mode=0755,nosuid devtmpfs /dev
mkdir -p /dev/pts /dev/shm
mounted /dev/pts || mount -t devpts -o gid=5,mode=620,ptmxmode=000 devpts /dev/pts
mounted /dev/shm || mount -t tmpfs -o mode=1777,nosuid,nodev tmpfs /dev/shm
mounted /run || mount -t tmpfs -o mode=0755,nosuid,nodev tmpfs /run
mkdir -p /run/cairn

# The kernel command line: read-only root, live, and the consoles (tty0 is the first virtual terminal).
readonly_root= live= consoles=
set -f
for p in $(cat /proc/cmdline); do
  case "$p" in
    ro) readonly_root=yes ;;
    rw) readonly_root= ;;
    ${LIVE_PARAM}=*) live=\${p#${LIVE_PARAM}=} ;;
    console=*)
      c=\${p#console=}
      name=\${c%%,*}
      [ "$name" = tty0 ] && name=tty1
      case " $consoles " in *" $name:"*) ;; *)
        speed=
        [ "$c" = "\${c#*,}" ] || speed=\${c#*,}
        speed=\${speed%%[!0-9]*}
        consoles="$consoles $name:\${speed:-115200}"
      esac
      ;;
  esac
done
set +f
[ -n "$consoles" ] || consoles=" tty1:38400"

say() {
  for c in $consoles; do
    echo "cairn stage 2: $*" > "/dev/\${c%%:*}" 2>/dev/null
  done
}

[ -n "$readonly_root" ] || mount -o remount,rw / 2>/dev/null

# The generation, and the root's links into it.
ln -sfn "$toplevel" /run/current-system
[ -e /run/booted-system ] || ln -s "$toplevel" /run/booted-system
for link in usr:/run/current-system/sw bin:usr/bin sbin:usr/sbin lib:usr/lib lib64:usr/lib64; do
  name=\${link%%:*}
  [ -e "/$name" ] || [ -L "/$name" ] || ln -s "\${link#*:}" "/$name"
done

# /etc: the files of the generation's default /etc that this root lacks, as editable copies.
mkdir -p /etc
(cd "$etc" && find . ! -type d) | while read -r f; do
  f=\${f#./}
  [ -e "/etc/$f" ] || [ -L "/etc/$f" ] && continue
  case "$f" in */*) mkdir -p "/etc/\${f%/*}" ;; esac
  cp -a "$etc/$f" "/etc/$f"
  [ -L "/etc/$f" ] || chmod u+w "/etc/$f"
done
[ ! -e /etc/shadow ] || { chown 0:0 /etc/shadow; chmod 600 /etc/shadow; }
mkdir -p /tmp /var/tmp /var/log /root /home /mnt
chmod 1777 /tmp /var/tmp
chmod 700 /root
[ -e /var/run ] || [ -L /var/run ] || ln -s /run /var/run
while IFS=: read -r user x uid gid gecos home shell; do
  [ "$uid" -ge 1000 ] 2>/dev/null && [ "$uid" -lt 65534 ] && [ ! -e "$home" ] || continue
  mkdir -p "$home" && chown "$uid:$gid" "$home" && chmod 700 "$home"
done < /etc/passwd

[ ! -s /etc/hostname ] || hostname -F /etc/hostname

# The filesystems and swap of /etc/fstab (the root is mounted already).
if [ -f /etc/fstab ]; then
  while read -r device target type options rest; do
    case "$device" in ''|'#'*) continue ;; esac
    case ",$options," in *,noauto,*) continue ;; esac
    [ "$target" = / ] && continue
    case "$device" in UUID=*|LABEL=*) real=$(findfs "$device" 2>/dev/null) ;; *) real=$device ;; esac
    if [ -z "$real" ]; then say "/etc/fstab: $device was not found; $target is not mounted"; continue; fi
    if [ "$type" = swap ]; then swapon "$real" || say "/etc/fstab: swapon $real failed"; continue; fi
    mounted "$target" && continue
    mkdir -p "$target"
    mount -t "$type" -o "$options" "$real" "$target" || say "/etc/fstab: could not mount $device ($real) at $target"
  done < /etc/fstab
fi

for m in $modules; do modprobe "$m" || say "could not load the module $m"; done

# busybox init's table for this boot: a prompt on every console, and clean shutdown steps.
{
  echo "# Written by Cairn stage 2 at boot, from the consoles on the kernel command line."
  for c in $consoles; do
    name=\${c%%:*}
    speed=\${c#*:}
    if [ -n "$live" ] && [ "$live_console" = shell ]; then
      echo "$name::respawn:-$sw/bin/sh"
    elif [ -n "$live" ] && [ "$live_console" = installer ]; then
      echo "$name::respawn:-$toplevel/${INSTALLER_CONSOLE}"
    else
      case "$name" in tty[0-9]*) term=linux ;; *) term=vt100 ;; esac
      echo "$name::respawn:$sw/bin/getty -L $speed $name $term"
    fi
  done
  # The installer's second console: a shell that says where the installer runs.
  if [ -n "$live" ] && [ "$live_console" = installer ]; then
    case " $consoles " in *" tty2:"*) ;; *) echo "tty2::respawn:-$toplevel/${INSTALLER_CONSOLE} --shell" ;; esac
  fi
  echo "::ctrlaltdel:$sw/bin/reboot"
  echo "::shutdown:$sw/bin/sync"
  echo "::shutdown:$sw/bin/swapoff -a"
  echo "::shutdown:$sw/bin/umount -a -r"
} > ${RUNTIME_INITTAB}
[ -e /etc/inittab ] || [ -L /etc/inittab ] || ln -s ${RUNTIME_INITTAB} /etc/inittab

say "${STAGE_2_MARKER.slice('cairn stage 2: '.length)} $label on $(hostname)\${live:+, live from $live}"
exec "$sw/bin/init"
`;
}

/**
 * The installer on one console (`<toplevel>/installer-console`), which stage 2's inittab starts on every
 * console of the kernel command line and again whenever it ends. It names the terminal (a serial line
 * reports no size: it gets the 80x24 every serial terminal has), runs `cairn install --live` (which reads
 * the answers on the medium), and when that ends offers it again, a shell, power off or reboot (not after a
 * failure: then retry, a shell or power off). With
 * `--shell` (tty2) it is a root shell that says where the installer runs.
 */
export function renderInstallerConsole(options: { readonly sw: string }): string {
  return `#!${options.sw}/bin/sh
# The Cairn installer on this console, written by \`cairn system build\` (live.console: installer).
export PATH=${shellQuote(`${options.sw}/bin`)} HOME=/root
cd /root 2>/dev/null || cd /
tty=$(tty)
name=\${tty#/dev/}
case "$name" in tty[0-9]*) TERM=linux ;; *) TERM=vt100 ;; esac
export TERM
# Where the installer runs: every console the kernel writes to (tty0 is the first virtual terminal).
where=
for c in $(cat /sys/class/tty/console/active 2>/dev/null); do
  [ "$c" = tty0 ] && c=tty1
  where="\${where:+$where and }$c"
done
if [ "$1" = --shell ]; then
  echo
  echo "This is a root shell on $name. The Cairn installer runs on \${where:-tty1} (Alt-F1 for tty1)."
  exec sh -l
fi
set -- $(stty size 2>/dev/null)
[ "\${1:-0}" -gt 0 ] 2>/dev/null || stty rows 24 cols 80 2>/dev/null
cairn install --live
code=$?
echo
if [ "$code" -eq 0 ]; then
  echo "The Cairn installer ended. Enter: start it again; s: a shell; p: power off; r: reboot."
else
  # No reboot after a failure: the disk may be half written, and the medium would start the same install again.
  echo "The Cairn installer stopped (exit $code): the error and the log's path are above. Enter: retry; s: a shell; p: power off."
fi
read -r answer
case "$answer" in
  s*) sh -l ;;
  p*) poweroff; sleep 60 ;;
  r*) [ "$code" -eq 0 ] && { reboot; sleep 60; } ;;
esac
`;
}
