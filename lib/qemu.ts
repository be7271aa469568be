/**
 * Booting images in QEMU for users (`cairn iso run`, `cairn iso test`) and for Cairn's own boot tests:
 * SeaBIOS, OVMF, or OVMF with Secure Boot enforced and Microsoft's keys enrolled (as on most PCs sold
 * today), the image as a CD, a USB stick or a disk (or a kernel given directly), the first serial port on
 * stdio so menus can be read and driven with keys. Always TCG unless told otherwise: KVM is not available
 * (or not working) on many CI machines.
 */
import { accessSync, constants } from 'node:fs';
import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { UserError } from './errors.js';
import { startTool, type RunningTool } from './run.js';
import { findDistroFile, type DistroFile } from './tools.js';

/** `secure-boot`: OVMF with Secure Boot enforced, Microsoft's keys (and the distribution's) enrolled. */
export type Firmware = 'bios' | 'uefi' | 'secure-boot';
export type MediaKind = 'cdrom' | 'usb' | 'disk';
/**
 * How a disk is attached: virtio-blk, IDE (`-M pc`'s PIIX controller), SATA on an AHCI controller, NVMe, or
 * a USB stick on an xHCI controller.
 */
export type DiskBus = 'virtio' | 'ide' | 'sata' | 'nvme' | 'usb';

const OVMF_CODE: DistroFile = {
  description: 'OVMF firmware code (UEFI for QEMU)',
  candidates: ['/usr/share/OVMF/OVMF_CODE_4M.fd', '/usr/share/edk2/ovmf/OVMF_CODE.fd', '/usr/share/edk2/x64/OVMF_CODE.4m.fd', '/usr/share/OVMF/OVMF_CODE.fd'],
  packages: { debian: 'ovmf', fedora: 'edk2-ovmf', arch: 'edk2-ovmf' },
};
const OVMF_VARS: DistroFile = {
  description: 'OVMF variable store template',
  candidates: ['/usr/share/OVMF/OVMF_VARS_4M.fd', '/usr/share/edk2/ovmf/OVMF_VARS.fd', '/usr/share/edk2/x64/OVMF_VARS.4m.fd', '/usr/share/OVMF/OVMF_VARS.fd'],
  packages: { debian: 'ovmf', fedora: 'edk2-ovmf', arch: 'edk2-ovmf' },
};

/**
 * OVMF built with Secure Boot, which needs SMM (so QEMU's q35 machine with SMM on and the flash marked
 * secure), and a variable store with the keys enrolled and Secure Boot on: Debian's `.ms` store holds
 * Microsoft's KEK and db (what signed shim) besides Debian's PK and KEK; Fedora's `secboot` store likewise.
 */
const OVMF_SECURE_CODE: DistroFile = {
  description: 'OVMF firmware code built with Secure Boot (it needs SMM)',
  candidates: ['/usr/share/OVMF/OVMF_CODE_4M.secboot.fd', '/usr/share/edk2/ovmf/OVMF_CODE.secboot.fd', '/usr/share/edk2/x64/OVMF_CODE.secboot.4m.fd', '/usr/share/OVMF/OVMF_CODE.secboot.fd'],
  packages: { debian: 'ovmf', fedora: 'edk2-ovmf', arch: 'edk2-ovmf' },
};
const OVMF_ENROLLED_VARS: DistroFile = {
  description: "OVMF variable store with Microsoft's Secure Boot keys enrolled and Secure Boot on",
  candidates: ['/usr/share/OVMF/OVMF_VARS_4M.ms.fd', '/usr/share/edk2/ovmf/OVMF_VARS.secboot.fd', '/usr/share/OVMF/OVMF_VARS.ms.fd'],
  packages: { debian: 'ovmf', fedora: 'edk2-ovmf' },
};

/** Whether the firmware is OVMF (UEFI), with or without Secure Boot. */
export function isUefi(firmware: Firmware): boolean {
  return firmware !== 'bios';
}

/** A disk attached besides the boot medium (an install's target, or an installed disk booted alone). */
export interface QemuDisk {
  readonly path: string;
  readonly bus: DiskBus;
  /** The serial number the guest reads (its by-id name, an answers file's expectSerial); default CAIRN-DISK<N>. */
  readonly serial?: string;
  /** Writes go to a temporary overlay and the file stays as it was (default: the file is written). */
  readonly snapshot?: boolean;
  /** Firmware boot order: lower boots first (the medium, when there is one, has 0). */
  readonly bootIndex?: number;
}

export interface QemuOptions {
  readonly firmware: Firmware;
  /**
   * The image to boot from, and as what kind of device (a disk on which bus: virtio unless told). A CD is
   * read-only; a USB stick or disk is attached as a snapshot (nothing reaches the file) unless `writable`.
   */
  readonly media?: { readonly kind: MediaKind; readonly path: string; readonly bus?: DiskBus; readonly writable?: boolean };
  /** More disks, in order: the QEMU drive of disk N is `disk<N>` (what the monitor's drive_del names). */
  readonly disks?: readonly QemuDisk[];
  /** A QEMU monitor (HMP) on this Unix socket, for tests that pull a disk out while the guest runs. */
  readonly monitorSocket?: string;
  /** Direct kernel boot (`-kernel`/`-initrd`/`-append`), without a boot loader. */
  readonly kernel?: string;
  readonly initrd?: string;
  readonly append?: string;
  readonly memoryMiB?: number;
  /** `tcg` (default) or `kvm`. */
  readonly accel?: 'tcg' | 'kvm';
}

/** Key names a boot menu understands over a serial line, as the bytes a VT100 terminal sends. */
export const KEYS = {
  up: '\u001b[A',
  down: '\u001b[B',
  right: '\u001b[C',
  left: '\u001b[D',
  enter: '\r',
  escape: '\u001b',
  tab: '\t',
  /** Home and End as xterm sends them; OVMF's terminal driver and systemd-boot's line editor take these. */
  home: '\u001b[H',
  end: '\u001b[F',
  /** GRUB's entry editor: the end of the line, and boot the edited entry. */
  'ctrl-e': '\u0005',
  'ctrl-x': '\u0018',
} as const;
export type KeyName = keyof typeof KEYS;

/** The QEMU command line for a boot (without the OVMF variable store, which needs a fresh copy per run). */
export function qemuArguments(options: QemuOptions, varsCopy?: string): string[] {
  const args = ['-accel', options.accel ?? 'tcg', '-m', String(options.memoryMiB ?? 512), '-smp', '1'];
  args.push('-display', 'none', '-serial', 'mon:stdio', '-no-reboot', '-nodefaults', '-vga', 'std');
  if (options.firmware === 'secure-boot') {
    // Secure Boot OVMF keeps its variables in SMM: q35 with SMM, the flash only writable from SMM, no S3.
    args.push('-machine', 'q35,smm=on', '-global', 'driver=cfi.pflash01,property=secure,value=on', '-global', 'ICH9-LPC.disable_s3=1');
  }
  if (isUefi(options.firmware)) {
    if (varsCopy === undefined) throw new Error('UEFI boot needs a copy of the OVMF variable store');
    args.push('-drive', `if=pflash,format=raw,unit=0,readonly=on,file=${findDistroFile(options.firmware === 'secure-boot' ? OVMF_SECURE_CODE : OVMF_CODE)}`);
    args.push('-drive', `if=pflash,format=raw,unit=1,file=${varsCopy}`);
  }
  if (options.kernel !== undefined) {
    args.push('-kernel', options.kernel);
    if (options.initrd !== undefined) args.push('-initrd', options.initrd);
    if (options.append !== undefined) args.push('-append', options.append);
  }
  const controllers = new Set<string>();
  const controller = (name: 'xhci' | 'ahci') => {
    if (controllers.has(name)) return;
    controllers.add(name);
    args.push('-device', name === 'xhci' ? 'qemu-xhci,id=xhci' : 'ahci,id=ahci');
  };
  let sataPort = 0;
  /** The -device of a drive on a bus, its controller added first (once). */
  const diskDevice = (bus: DiskBus, drive: string, extra: string): string => {
    switch (bus) {
      case 'virtio':
        return `virtio-blk-pci,drive=${drive}${extra}`;
      case 'ide':
        return `ide-hd,drive=${drive}${extra}`;
      case 'sata':
        controller('ahci');
        return `ide-hd,drive=${drive},bus=ahci.${sataPort++}${extra}`;
      case 'nvme':
        // QEMU's NVMe controller needs a serial.
        return `nvme,drive=${drive}${extra.includes(',serial=') ? '' : `,serial=CAIRN-${drive.toUpperCase()}`}${extra}`;
      case 'usb':
        controller('xhci');
        return `usb-storage,bus=xhci.0,drive=${drive}${extra}`;
    }
  };
  const media = options.media;
  if (media !== undefined) {
    const file = escapeOption(media.path);
    const snapshot = media.writable === true ? '' : ',snapshot=on';
    // With a kernel given directly, QEMU boots that; the medium is only a device (it may not take boot index 0).
    const bootindex = options.kernel === undefined ? ',bootindex=0' : '';
    switch (media.kind) {
      case 'cdrom':
        args.push('-drive', `if=none,id=boot,media=cdrom,readonly=on,format=raw,file=${file}`);
        args.push('-device', `ide-cd,drive=boot${bootindex}`);
        break;
      case 'usb':
        controller('xhci');
        args.push('-drive', `if=none,id=boot,format=raw${snapshot},file=${file}`);
        args.push('-device', `usb-storage,bus=xhci.0,drive=boot${bootindex}`);
        break;
      case 'disk':
        args.push('-drive', `if=none,id=boot,format=raw${snapshot},file=${file}`);
        args.push('-device', diskDevice(media.bus ?? 'virtio', 'boot', bootindex));
        break;
    }
  }
  for (const [index, disk] of (options.disks ?? []).entries()) {
    const id = `disk${index}`;
    const serial = disk.serial ?? `CAIRN-DISK${index}`;
    if (!/^[A-Za-z0-9._-]{1,20}$/.test(serial)) throw new Error(`a QEMU disk serial is 1 to 20 characters of A-Z a-z 0-9 . _ -, got "${serial}"`);
    const boot = disk.bootIndex === undefined ? '' : `,bootindex=${disk.bootIndex}`;
    args.push('-drive', `if=none,id=${id},format=raw${disk.snapshot === true ? ',snapshot=on' : ''},file=${escapeOption(disk.path)}`);
    args.push('-device', diskDevice(disk.bus, id, `,id=${id}-device,serial=${serial}${boot}`));
  }
  if (options.monitorSocket !== undefined) args.push('-monitor', `unix:${escapeOption(options.monitorSocket)},server=on,wait=off`);
  return args;
}

/** A value inside a QEMU option list, where a comma is written twice. */
function escapeOption(value: string): string {
  return value.replaceAll(',', ',,');
}

/** Refuses `kvm` where the kernel offers no KVM device, before QEMU fails with a less helpful message. */
export function checkAccelerator(accel: 'tcg' | 'kvm'): void {
  if (accel !== 'kvm') return;
  try {
    accessSync('/dev/kvm', constants.R_OK | constants.W_OK);
  } catch {
    throw new UserError('KVM is not available here (/dev/kvm is missing or not accessible)', { hint: 'leave out --kvm to use TCG, or load the kvm module and join the kvm group' });
  }
}

/** The files one boot needs besides the image: a working directory and, for UEFI, its own OVMF variable store. */
export interface FirmwareFiles {
  readonly workDir: string;
  /** A fresh copy of the OVMF variable template (firmware writes boot entries into it), for UEFI. */
  readonly varsCopy: string | undefined;
  /** Removes the working directory and everything in it. */
  remove(): Promise<void>;
}

/**
 * Makes the files a boot needs. Every boot gets a fresh variable store, so one run's boot entries and
 * settings never leak into the next; the caller removes them when QEMU has exited.
 */
export async function prepareFirmwareFiles(firmware: Firmware): Promise<FirmwareFiles> {
  const template = firmware === 'uefi' ? findDistroFile(OVMF_VARS) : firmware === 'secure-boot' ? findDistroFile(OVMF_ENROLLED_VARS) : undefined;
  const workDir = await mkdtemp(join(tmpdir(), 'cairn-qemu-'));
  const remove = () => rm(workDir, { recursive: true, force: true });
  if (template === undefined) return { workDir, varsCopy: undefined, remove };
  const varsCopy = join(workDir, 'OVMF_VARS.fd');
  try {
    await copyFile(template, varsCopy);
  } catch (error) {
    await remove();
    throw error;
  }
  return { workDir, varsCopy, remove };
}

/** How often waiters look at new console output at most. */
const NOTIFY_INTERVAL_MS = 25;

/** The guest kernel's hung-task report: a task in uninterruptible sleep for that long (every 120 s by default). */
const HUNG_TASK = /INFO: task (\S+) blocked for more than (\d+) seconds/g;
/** A task blocked this long is taken as a hung guest: the kernel has then reported it twice. */
const HUNG_SECONDS = 240;

/**
 * The guest's kernel reports a task blocked for HUNG_SECONDS or more, and the wait stops there rather than
 * running out its time: such a guest was never seen to recover.
 */
export class GuestHungError extends UserError {
  override readonly name: string = 'GuestHungError';
  /** The blocked task as the kernel named it (`dmcrypt_write/2:391`). */
  readonly task: string;
  /** The kernel's first report of it: the task's state and where it waits (its call trace), as printed. */
  readonly report: string;
  constructor(message: string, task: string, report: string) {
    super(message);
    this.task = task;
    this.report = report;
  }
}

/** A running virtual machine whose first serial port is readable and writable. */
export class QemuMachine {
  private text = '';
  private strippedText = '';
  private strippedUpTo = 0;
  private readonly waiters = new Set<() => void>();
  private finished = false;
  private notifyPending = false;

  private constructor(
    private readonly tool: RunningTool,
    private readonly workDir: string,
  ) {
    tool.process.stdout!.on('data', (chunk: Buffer) => this.append(chunk.toString('latin1')));
    tool.process.stderr!.on('data', (chunk: Buffer) => this.append(chunk.toString('latin1')));
    void tool.exited.then(() => {
      this.finished = true;
      this.notify();
    });
  }

  static async start(options: QemuOptions): Promise<QemuMachine> {
    const files = await prepareFirmwareFiles(options.firmware);
    try {
      const monitorSocket = join(files.workDir, 'monitor.sock');
      return new QemuMachine(startTool('qemu-system-x86_64', qemuArguments({ ...options, monitorSocket }, files.varsCopy)), files.workDir);
    } catch (error) {
      await files.remove();
      throw error;
    }
  }

  /** Everything the serial console printed so far, raw (escape sequences included). */
  get output(): string {
    return this.text;
  }

  /**
   * The console output with terminal escape sequences removed, for matching menu text. Kept as it grows: no
   * escape sequence spans a line break, so everything up to the last one is stripped once (stripping the
   * whole console for every chunk slowed the reader enough, on a busy machine, for QEMU's serial port to drop
   * bytes it could not write).
   */
  get plainOutput(): string {
    const cut = this.text.lastIndexOf('\n') + 1;
    if (cut > this.strippedUpTo) {
      this.strippedText += stripTerminalCodes(this.text.slice(this.strippedUpTo, cut));
      this.strippedUpTo = cut;
    }
    return this.strippedText + stripTerminalCodes(this.text.slice(this.strippedUpTo));
  }

  get exited(): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    return this.tool.exited;
  }

  /**
   * Waits until `pattern` appears in the plain output after position `from` (default: anywhere), and
   * returns the match. Fails with the tail of the output if it does not appear in time or QEMU exits, and
   * with a GuestHungError as soon as the guest's kernel reports a task blocked for four minutes.
   */
  async waitFor(pattern: RegExp, options: { timeoutMs?: number; from?: number } = {}): Promise<RegExpExecArray> {
    const deadline = Date.now() + (options.timeoutMs ?? 120_000);
    for (;;) {
      const plain = this.plainOutput;
      const regex = new RegExp(pattern.source, pattern.flags.replace('g', ''));
      const match = regex.exec(plain.slice(options.from ?? 0));
      if (match) return match;
      const hung = hungTask(plain, options.from ?? 0);
      if (hung !== undefined) {
        // QEMU's own complaints (a device it stopped serving) may be far above the tail: they are quoted first.
        const qemu = plain.split('\n').filter((line) => line.startsWith('qemu-system-'));
        const said = qemu.length === 0 ? 'no line from QEMU itself' : `QEMU itself printed:\n${qemu.join('\n')}`;
        const report = hungTaskReport(plain, hung.task);
        throw new GuestHungError(
          `the guest hung while waiting for ${pattern}: its kernel reports ${hung.task} blocked for more than ${hung.seconds} seconds; ${said}\nIts first report:\n${report}\n${tail(plain)}`,
          hung.task,
          report,
        );
      }
      if (this.finished) throw new UserError(`QEMU exited before ${pattern} appeared on the serial console:\n${tail(plain)}`);
      if (Date.now() > deadline) throw new UserError(`timed out waiting for ${pattern} on the serial console:\n${tail(plain)}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, Math.max(1, deadline - Date.now()));
        function done() {
          clearTimeout(timer);
          resolve();
        }
        this.waiters.add(done);
      });
    }
  }

  /** Sends raw bytes to the serial port. */
  send(text: string): void {
    this.tool.process.stdin!.write(text);
  }

  /** Sends named keys one at a time, with a pause so that firmware input buffers keep up. */
  async press(keys: readonly KeyName[], pauseMs = 300): Promise<void> {
    for (const key of keys) {
      this.send(KEYS[key]);
      await sleep(pauseMs);
    }
  }

  /**
   * Runs a command in QEMU's monitor (HMP), such as `drive_del disk0` (the disk's backend is gone: every
   * read and write of it fails from then on, as when a disk dies or its cable is pulled), and returns what
   * the monitor answered.
   */
  async monitor(command: string, timeoutMs = 30_000): Promise<string> {
    const socket = await this.connectMonitor(Date.now() + timeoutMs);
    let received = '';
    const waiters = new Set<() => void>();
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString('latin1');
      for (const waiter of waiters) waiter();
    });
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    socket.on('error', () => undefined);
    const prompt = async (from: number): Promise<void> => {
      const deadline = Date.now() + timeoutMs;
      while (received.indexOf('(qemu) ', from) < 0) {
        if (socket.destroyed || Date.now() > deadline) throw new UserError(`QEMU's monitor did not answer "${command}": ${received}`);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(done, 200);
          function done() {
            clearTimeout(timer);
            waiters.delete(done);
            resolve();
          }
          waiters.add(done);
        });
      }
    };
    try {
      await prompt(0);
      const start = received.length;
      socket.write(`${command}\n`);
      await prompt(start);
      // The monitor echoes the command line; the answer is what follows it, up to the next prompt.
      const answer = stripTerminalCodes(received.slice(start, received.lastIndexOf('(qemu) ')));
      return answer.slice(answer.indexOf('\n') + 1).trim();
    } finally {
      socket.end();
      await Promise.race([closed, sleep(1000)]);
      socket.destroy();
    }
  }

  /** QEMU makes the monitor's socket shortly after it starts: connects once it is there. */
  private async connectMonitor(deadline: number): Promise<Socket> {
    for (;;) {
      const socket: Socket = connect(join(this.workDir, 'monitor.sock'));
      const failure = await new Promise<Error | undefined>((resolve) => {
        socket.once('connect', () => resolve(undefined));
        socket.once('error', (error) => resolve(error));
      });
      if (failure === undefined) return socket;
      socket.destroy();
      if (this.finished || Date.now() > deadline) throw new UserError(`cannot reach QEMU's monitor: ${failure.message}`);
      await sleep(100);
    }
  }

  /** Stops the machine (if still running) and removes its working files. */
  async stop(): Promise<void> {
    if (!this.finished) this.tool.process.kill('SIGKILL');
    await this.tool.exited;
    await rm(this.workDir, { recursive: true, force: true });
  }

  private append(chunk: string): void {
    this.text += chunk;
    // Waiters match against the whole console, so they are woken once per NOTIFY_INTERVAL_MS rather than per
    // chunk: a burst of small chunks is taken off the pipe first (a reader too slow to drain it, on a busy
    // machine, makes the guest's serial port drop bytes).
    if (this.notifyPending) return;
    this.notifyPending = true;
    setTimeout(() => {
      this.notifyPending = false;
      this.notify();
    }, NOTIFY_INTERVAL_MS);
  }

  private notify(): void {
    for (const waiter of this.waiters) waiter();
    this.waiters.clear();
  }
}

/** Removes ANSI/VT100 escape sequences and carriage returns. */
export function stripTerminalCodes(text: string): string {
  /* eslint-disable no-control-regex -- escape sequences begin with ESC (U+001B) */
  return text
    .replace(/\u001b\[[0-9;?]*[ -/]*[@-~]/g, '')
    .replace(/\u001b[()][0-9A-Za-z]/g, '')
    .replace(/\u001b[=>78cDEHM]/g, '')
    .replace(/\r/g, '');
  /* eslint-enable no-control-regex */
}

/** The first task the kernel reports blocked for HUNG_SECONDS or more after `from` (pure). */
export function hungTask(plain: string, from = 0): { task: string; seconds: number } | undefined {
  if (!plain.includes('blocked for more than', from)) return undefined;
  for (const report of plain.slice(from).matchAll(HUNG_TASK)) {
    const seconds = Number(report[2]);
    if (seconds >= HUNG_SECONDS) return { task: report[1]!, seconds };
  }
  return undefined;
}

/** A hung task's report is quoted up to this many lines (a call trace is 20 to 40). */
const REPORT_LINES = 60;

/**
 * The kernel's first report of `task` blocked (pure): from its `INFO: task` line through the end of its call trace
 * (`</TASK>`), at most REPORT_LINES lines, stopping early at the next report of any task.
 */
export function hungTaskReport(plain: string, task: string): string {
  const start = plain.indexOf(`INFO: task ${task} blocked`);
  if (start === -1) return '';
  const lines = plain.slice(plain.lastIndexOf('\n', start) + 1).split('\n');
  const report = [lines[0]!];
  for (const line of lines.slice(1, REPORT_LINES)) {
    if (line.includes('INFO: task ')) break;
    report.push(line);
    if (line.includes('</TASK>')) break;
  }
  return report.join('\n');
}


function tail(text: string, lines = 40): string {
  return text.split('\n').slice(-lines).join('\n');
}
