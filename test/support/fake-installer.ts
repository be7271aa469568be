/**
 * A model and an engine for driving the installer's screens without a disk: the engine records what it was
 * asked to install, and its slow parts (planning a layout, hashing, the install) can be held until the test
 * lets them go, to show what happens to keys typed while work runs.
 */
import type { DraftAnswers, InstallerEngine, InstallerModel, LayoutChoice, LayoutPreview } from '../../installer/engine/contract.js';

export const fakeModel: InstallerModel = {
  source: 'the live medium',
  locales: ['de_DE.UTF-8', 'en_US.UTF-8', 'fr_FR.UTF-8'],
  keyMaps: ['de', 'fr', 'us'],
  timeZones: ['Europe/Berlin', 'Europe/Paris', 'UTC'],
  hardware: { rows: [['CPU', 'QEMU Virtual CPU'], ['Firmware', 'UEFI 64-bit'], ['Disk', 'vda 20G'], ['', '  vda1  ext4'], ['', '  vda2  swap']], warnings: ['no DMI tables'] },
  disks: [
    { path: '/dev/sda', label: 'sda  USB stick  16G', identity: 'usb-Live_Medium_123', contents: ['sda1  iso9660  CAIRN_LIVE'], refusal: 'the live medium' },
    { path: '/dev/vda', label: 'vda  virtio  20G', identity: 'virtio-one', contents: ['empty'] },
    { path: '/dev/vdb', label: 'vdb  virtio  40G', identity: 'virtio-two', contents: ['vdb1  ext4  40G', 'vdb1  ext4  40G'] },
  ],
  generations: [
    { number: 3, title: 'Generation 3 - 2026-11-20 - Cairn 1.2', current: false },
    { number: 2, title: 'Generation 2 - 2026-11-19 - Cairn 1.1', current: true },
    { number: 1, title: 'Generation 1 - 2026-11-18 - Cairn 1.0', current: false },
  ],
  ending: 'image',
};

export const fakeInitial: DraftAnswers = {
  locale: 'en_US.UTF-8',
  keyMap: 'us',
  timeZone: 'UTC',
  hostName: 'cairn',
  disk: undefined,
  layout: { kind: 'guided', filesystem: 'ext4', swap: 'none' },
  users: [],
  generations: [3, 2, 1],
};

/** A gate the test opens: work waiting on it finishes only then. */
export class Gate {
  private opened = false;
  private readonly waiting: (() => void)[] = [];
  /** How many times work has waited here. */
  calls = 0;
  wait(): Promise<void> {
    this.calls += 1;
    return this.opened ? Promise.resolve() : new Promise((resolve) => this.waiting.push(resolve));
  }
  open(): void {
    this.opened = true;
    for (const resolve of this.waiting.splice(0)) resolve();
  }
}

export interface FakeEngineOptions {
  /** Plans wait for this gate. */
  readonly previewGate?: Gate;
  /** Hashing waits for this gate. */
  readonly hashGate?: Gate;
  /** The install waits for this gate (or for an abort, which makes it fail as a stop)... */
  readonly installGate?: Gate;
  /** ...or, per attempt (1-based), for the gate given for it. */
  readonly attemptGates?: Readonly<Record<number, Gate>>;
  /** Install attempts (1-based) that fail. */
  readonly failing?: readonly number[];
  /** Disks (paths) too small for the install: the space check refuses them. */
  readonly tooSmall?: readonly string[];
}

export interface FakeEngine extends InstallerEngine {
  /** The answers of every install started. */
  readonly installed: DraftAnswers[];
}

export function fakePreview(choice: LayoutChoice): LayoutPreview {
  switch (choice.kind) {
    case 'file':
      return { rows: [], error: `${choice.path}: no such file` };
    case 'custom':
      return { rows: choice.partitions.map((p) => `${p.name} ${p.size} ${p.format}`) };
    case 'inline':
      return { rows: [] };
    case 'guided':
      return { rows: ['ESP 512M vfat', ...(choice.swap === 'none' ? [] : [`swap ${choice.swap}`]), `root 100% ${choice.filesystem}`] };
  }
}

export function fakeEngine(options: FakeEngineOptions = {}): FakeEngine {
  const installed: DraftAnswers[] = [];
  return {
    installed,
    async previewLayout(_answers, choice) {
      await options.previewGate?.wait();
      return fakePreview(choice);
    },
    guidedPartitions: (_answers, choice) => [
      { name: 'ESP', type: 'esp', size: '512M', format: 'vfat' },
      ...(choice.kind === 'guided' && choice.swap !== 'none' ? [{ name: 'swap', type: 'swap', size: choice.swap, format: 'swap' as const }] : []),
      { name: 'root', type: 'root', size: '100%', format: choice.kind === 'guided' ? choice.filesystem : 'ext4' },
    ],
    summarise: (answers) => ({
      choices: [
        ['Disk', answers.disk ?? '?'],
        ['Language', answers.locale],
        ['Keyboard', answers.keyMap],
        ['Time zone', answers.timeZone],
        ['Host name', answers.hostName],
        ['Users', answers.users.map((u) => u.name).join(', ')],
        ['Generations', answers.generations.join(', ')],
      ],
      erased: [`${answers.disk} (all of it)`],
      confirmName: (answers.disk ?? '?').replace('/dev/', ''),
    }),
    checkSpace: (answers) => {
      const diskBytes = answers.disk === '/dev/vdb' ? 40 * 1024 ** 3 : 20 * 1024 ** 3;
      if (!(options.tooSmall ?? []).includes(answers.disk ?? '')) return Promise.resolve({ neededBytes: 1024 ** 3, diskBytes, rootNeedBytes: 1024 ** 3 });
      const refusal = `${answers.disk} is too small: the install needs 64G (...); the disk has ${diskBytes / 1024 ** 3}G. Nothing was written.`;
      return Promise.resolve({ neededBytes: 64 * 1024 ** 3, diskBytes, rootNeedBytes: 60 * 1024 ** 3, refusal });
    },
    async hashPassword(password) {
      await options.hashGate?.wait();
      return `hash:${password}`;
    },
    async install(answers, onProgress, signal) {
      installed.push(answers);
      onProgress({ kind: 'phase', phase: 'copy', title: `Copying, attempt ${installed.length}`, total: 2, unit: 'items' });
      const gate = options.attemptGates?.[installed.length] ?? options.installGate;
      if (gate !== undefined) await Promise.race([gate.wait(), new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }))]);
      if (signal.aborted) throw Object.assign(new Error(`stopped after copying the generations; the target ${answers.disk} was not written`), { logPath: '/tmp/fake.log' });
      onProgress({ kind: 'progress', phase: 'copy', done: 2, total: 2, unit: 'items' });
      if (options.failing?.includes(installed.length)) throw Object.assign(new Error('mkfs.ext4 failed'), { logPath: '/tmp/fake.log' });
      return { lines: [`Installed onto ${answers.disk}`] };
    },
  };
}
