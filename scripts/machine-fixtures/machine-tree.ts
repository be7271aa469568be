/**
 * Writes a machine recording (the layout `cairn detect --record` makes) from a description, laying files out
 * the way the kernel does: devices under /sys/devices with their real parent chains, /sys/bus and /sys/class
 * entries as relative symlinks into them, drivers as links to /sys/bus/<bus>/drivers/<name> whose `module`
 * link leads to /sys/module/<module>, /dev/disk/by-* links, udev database records, and procfs text files.
 *
 * Used by scripts/make-machine-fixtures.ts for the hand-made recordings in fixtures/machines/.
 */
import { mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import { dirname, join, posix } from 'node:path';

export interface PciDeviceSpec {
  /** Full sysfs path of the device's parent directory, e.g. `/sys/devices/pci0000:00` or a bridge below it. */
  readonly parent: string;
  readonly address: string;
  readonly classCode: string;
  readonly vendor: string;
  readonly device: string;
  readonly subsystemVendor?: string;
  readonly subsystemDevice?: string;
  readonly revision?: string;
  readonly driver?: string;
  readonly module?: string;
}

export interface BlockSpec {
  readonly name: string;
  /** Directory holding `block/<name>` (for a disk) or the disk's directory (for a partition). */
  readonly parentDirectory: string;
  readonly majorMinor: string;
  readonly sectors: number;
  readonly removable?: boolean;
  readonly readOnly?: boolean;
  readonly rotational?: boolean;
  readonly partition?: number;
  readonly start?: number;
  /** Relative `device` link target from the block directory, and the device directory it names. */
  readonly deviceDirectory?: string;
  readonly extra?: Readonly<Record<string, string | Uint8Array>>;
}

export class MachineTree {
  readonly #directory: string;
  readonly #files = new Map<string, string | Uint8Array>();
  readonly #links = new Map<string, string>();
  readonly #si = new Map<string, unknown>();
  /** Block device name -> its directory under /sys/devices, for links that name it. */
  readonly #blockDirectories = new Map<string, string>();

  constructor(directory: string) {
    this.#directory = directory;
  }

  /** A file at a machine path; one-line attributes get the kernel's trailing newline. */
  file(path: string, content: string | Uint8Array): this {
    this.#files.set(path, content);
    return this;
  }

  attribute(path: string, value: string | number): this {
    return this.file(path, `${value}\n`);
  }

  /** A symlink at `path` pointing at the machine path `target`, written relative as the kernel writes them. */
  link(path: string, target: string): this {
    this.#links.set(path, posix.relative(posix.dirname(path), target));
    return this;
  }

  systemInformation(call: string, result: unknown): this {
    this.#si.set(call, result);
    return this;
  }

  /** A driver bound to a device on a bus, and the module providing it (none when built in). */
  driver(deviceDirectory: string, bus: string, driver: string, module?: string): this {
    const driverDirectory = `/sys/bus/${bus}/drivers/${driver}`;
    this.link(`${deviceDirectory}/driver`, driverDirectory);
    this.link(`${driverDirectory}/${posix.basename(deviceDirectory)}`, deviceDirectory);
    if (module !== undefined) {
      this.link(`${driverDirectory}/module`, `/sys/module/${module}`);
      this.attribute(`/sys/module/${module}/refcnt`, 1);
    }
    return this;
  }

  pci(spec: PciDeviceSpec): string {
    const directory = `${spec.parent}/${spec.address}`;
    this.attribute(`${directory}/class`, spec.classCode);
    this.attribute(`${directory}/vendor`, spec.vendor);
    this.attribute(`${directory}/device`, spec.device);
    this.attribute(`${directory}/subsystem_vendor`, spec.subsystemVendor ?? spec.vendor);
    this.attribute(`${directory}/subsystem_device`, spec.subsystemDevice ?? '0x0000');
    this.attribute(`${directory}/revision`, spec.revision ?? '0x00');
    this.link(`/sys/bus/pci/devices/${spec.address}`, directory);
    if (spec.driver !== undefined) this.driver(directory, 'pci', spec.driver, spec.module);
    return directory;
  }

  block(spec: BlockSpec): string {
    const directory = spec.partition === undefined ? `${spec.parentDirectory}/block/${spec.name}` : `${spec.parentDirectory}/${spec.name}`;
    this.attribute(`${directory}/dev`, spec.majorMinor);
    this.attribute(`${directory}/size`, spec.sectors);
    this.attribute(`${directory}/ro`, spec.readOnly ? 1 : 0);
    this.link(`/sys/class/block/${spec.name}`, directory);
    this.link(`/sys/dev/block/${spec.majorMinor}`, directory);
    this.#blockDirectories.set(spec.name, directory);
    if (spec.partition === undefined) {
      this.attribute(`${directory}/removable`, spec.removable ? 1 : 0);
      this.attribute(`${directory}/queue/rotational`, spec.rotational ? 1 : 0);
      this.attribute(`${directory}/queue/logical_block_size`, 512);
      this.link(`/sys/block/${spec.name}`, directory);
      if (spec.deviceDirectory !== undefined) this.link(`${directory}/device`, spec.deviceDirectory);
    } else {
      this.attribute(`${directory}/partition`, spec.partition);
      this.attribute(`${directory}/start`, spec.start ?? 2048);
    }
    for (const [name, content] of Object.entries(spec.extra ?? {})) this.file(`${directory}/${name}`, content);
    return directory;
  }

  /** A device-mapper or md device in /sys/devices/virtual/block, built on `slaves`. */
  virtualBlock(name: string, majorMinor: string, sectors: number, slaves: readonly string[], extra: Readonly<Record<string, string>> = {}): string {
    const directory = `/sys/devices/virtual/block/${name}`;
    this.attribute(`${directory}/dev`, majorMinor);
    this.attribute(`${directory}/size`, sectors);
    this.attribute(`${directory}/ro`, 0);
    this.attribute(`${directory}/removable`, 0);
    this.attribute(`${directory}/queue/rotational`, 0);
    this.link(`/sys/class/block/${name}`, directory);
    this.link(`/sys/block/${name}`, directory);
    this.link(`/sys/dev/block/${majorMinor}`, directory);
    this.#blockDirectories.set(name, directory);
    for (const slave of slaves) {
      const slaveDirectory = this.#blockDirectories.get(slave);
      if (slaveDirectory === undefined) throw new Error(`${name}: slave ${slave} is not defined yet`);
      this.link(`${directory}/slaves/${slave}`, slaveDirectory);
      this.link(`${slaveDirectory}/holders/${name}`, directory);
    }
    for (const [file, content] of Object.entries(extra)) this.attribute(`${directory}/${file}`, content);
    return directory;
  }

  /** /dev/disk/<kind>/<name> -> /dev/<device>. */
  diskLink(kind: string, name: string, device: string): this {
    return this.link(`/dev/disk/${kind}/${name}`, `/dev/${device}`);
  }

  /** udev's database record of a block device (`E:` properties, `S:` links). */
  udev(majorMinor: string, properties: Readonly<Record<string, string>>, links: readonly string[] = []): this {
    const lines = [...links.map((l) => `S:${l}`), 'I:1000000', ...Object.entries(properties).map(([k, v]) => `E:${k}=${v}`), 'G:systemd', 'Q:systemd', 'V:1'];
    return this.file(`/run/udev/data/b${majorMinor}`, `${lines.join('\n')}\n`);
  }

  async write(note: string): Promise<number> {
    await rm(this.#directory, { recursive: true, force: true });
    const files = join(this.#directory, 'files');
    await mkdir(files, { recursive: true });
    for (const [path, content] of [...this.#files].sort(([a], [b]) => (a < b ? -1 : 1))) {
      await mkdir(dirname(join(files, path)), { recursive: true });
      await writeFile(join(files, path), content);
    }
    for (const [path, target] of [...this.#links].sort(([a], [b]) => (a < b ? -1 : 1))) {
      if (this.#files.has(path)) throw new Error(`${path} is both a file and a link`);
      await mkdir(dirname(join(files, path)), { recursive: true });
      await symlink(target, join(files, path));
    }
    if (this.#si.size > 0) await mkdir(join(this.#directory, 'systeminformation'));
    for (const [call, result] of this.#si) {
      await writeFile(join(this.#directory, 'systeminformation', `${call}.json`), `${JSON.stringify(result, null, 2)}\n`);
    }
    const manifest = { format: 'cairn-hardware-recording', version: 1, systeminformation: '5.33.23', note, errors: {} };
    await writeFile(join(this.#directory, 'cairn-recording.json'), `${JSON.stringify(manifest, null, 2)}\n`);
    return this.#files.size + this.#links.size + this.#si.size;
  }
}
