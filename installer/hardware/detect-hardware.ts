/**
 * The hardware report: the platform facts read from /sys and /proc (what the configuration is made from),
 * the disk inventory with each disk's verdict (partitioning/), plus what systeminformation does well
 * (machine and board names, CPU brand and cores, memory modules, graphics, network interfaces).
 * systeminformation calls that spawn tools (lspci, dmidecode, ethtool) run only when /sys shows there is
 * something for them to describe, and all at once.
 */
import { compareCodePoints } from '../../lib/code-point-order.js';
import { disksOf } from '../../partitioning/disks.js';
import { assessDisks, type AssessedDisk } from '../../partitioning/safety.js';
import { HostFiles, type HardwareProblem } from '../../system/machine/host-files.js';
import { isDisplayClass, decodePciClass } from './pci-classes.js';
import { detectPlatform, type PlatformReport } from './platform.js';
import type { JsonValue, Machine } from '../../system/machine/recording.js';
import type { HardwareSource } from './hardware-source.js';
import { SYSTEM_INFORMATION_CALLS, type SystemInformationCall } from './system-information.js';

const HARDWARE_REPORT_VERSION = 1;

export interface MachineInfo {
  readonly manufacturer: string | null;
  readonly product: string | null;
  readonly version: string | null;
  readonly serial: string | null;
  readonly board: { readonly manufacturer: string | null; readonly product: string | null; readonly version: string | null };
  readonly bios: { readonly vendor: string | null; readonly version: string | null; readonly releaseDate: string | null };
  /** SMBIOS chassis type in words: `Notebook`, `Desktop`, `Rack Mount Chassis`, `Other`. */
  readonly chassisType: string | null;
}

export interface ProcessorInfo {
  readonly manufacturer: string | null;
  readonly brand: string | null;
  /** Logical CPUs (threads). */
  readonly cores: number | null;
  readonly physicalCores: number | null;
  readonly sockets: number | null;
  /** Highest clock in GHz, when the firmware or cpufreq says. */
  readonly maxSpeedGHz: number | null;
}

export interface MemoryModule {
  readonly sizeBytes: number;
  readonly type: string | null;
  readonly clockMHz: number | null;
  readonly formFactor: string | null;
}

export interface MemoryInfo {
  readonly totalBytes: number | null;
  readonly modules: readonly MemoryModule[];
}

export interface GraphicsController {
  readonly vendor: string | null;
  readonly model: string | null;
  readonly bus: string | null;
  readonly vramMiB: number | null;
  /** The PCI device (`0000:01:00.0`) and its bound driver, when matched. */
  readonly pciAddress: string | null;
  readonly driver: string | null;
}

export interface NetworkInterface {
  readonly name: string;
  readonly mac: string | null;
  /** `wired`, `wireless` or `virtual`, as systeminformation classifies it. */
  readonly kind: string;
  readonly speedMbps: number | null;
  readonly state: string | null;
}

export interface HardwareReport extends PlatformReport {
  readonly version: typeof HARDWARE_REPORT_VERSION;
  readonly machine: MachineInfo;
  readonly processor: ProcessorInfo;
  readonly memory: MemoryInfo;
  readonly graphics: readonly GraphicsController[];
  readonly network: readonly NetworkInterface[];
  /** The disk inventory (partitioning/disks.ts) with each disk's verdict, as `cairn partition disks` gives it. */
  readonly disks: readonly AssessedDisk[];
  /** The systeminformation calls made; the others were not needed on this machine. */
  readonly systemInformationCalls: readonly SystemInformationCall[];
}

/** The platform part only: no systeminformation, no external tool. What generate-config uses. */
export async function detectPlatformOnly(source: Machine): Promise<PlatformReport> {
  return detectPlatform(new HostFiles(source.files));
}

export async function detectHardware(source: HardwareSource): Promise<HardwareReport> {
  const files = new HostFiles(source.files);
  const [platform, netInterfaces] = await Promise.all([detectPlatform(files), files.list('/sys/class/net')]);
  const calls = neededCalls(platform, netInterfaces);
  const results = new Map<SystemInformationCall, JsonValue>();
  await Promise.all(
    calls.map(async (name) => {
      try {
        results.set(name, await source.systemInformation.call(name));
      } catch (error) {
        files.note(`systeminformation.${name}()`, error instanceof Error ? error.message : String(error));
      }
    }),
  );
  const get = (name: SystemInformationCall) => results.get(name) ?? null;
  return {
    version: HARDWARE_REPORT_VERSION,
    ...platform,
    machine: machineOf(get('system'), get('baseboard'), get('bios'), get('chassis')),
    processor: processorOf(get('cpu')),
    memory: memoryOf(get('mem'), get('memLayout')),
    graphics: graphicsOf(get('graphics'), platform),
    network: networkOf(get('networkInterfaces')),
    disks: assessDisks(disksOf(platform.blockDevices)),
    systemInformationCalls: calls,
    problems: files.problems(),
  };
}

/** The calls worth making here: graphics only with a display controller, network only with interfaces. */
function neededCalls(platform: PlatformReport, netInterfaces: readonly string[]): SystemInformationCall[] {
  const wanted = new Set<SystemInformationCall>(['system', 'bios', 'baseboard', 'chassis', 'cpu', 'mem', 'memLayout']);
  if (platform.pci.some((d) => isDisplayClass(decodePciClass(d.classCode)?.code ?? 0))) wanted.add('graphics');
  if (netInterfaces.some((n) => n !== 'lo')) wanted.add('networkInterfaces');
  return SYSTEM_INFORMATION_CALLS.filter((c) => wanted.has(c));
}

// systeminformation results are read defensively: a recording may be hand-made, old, or from another version.

type JsonObject = { readonly [key: string]: JsonValue };

function object(value: JsonValue | undefined): JsonObject {
  return value !== null && value !== undefined && typeof value === 'object' && !Array.isArray(value) ? value : {};
}

function objects(value: JsonValue | undefined): JsonObject[] {
  return Array.isArray(value) ? value.map(object) : [];
}

/** A non-empty string, with systeminformation's and the firmware's placeholders taken as absent. */
function text(value: JsonValue | undefined): string | null {
  if (typeof value !== 'string') return null;
  const trimmed = value.trim();
  return trimmed === '' || trimmed === '-' || /^(to be filled by o\.e\.m\.|default string|not specified)$/i.test(trimmed) ? null : trimmed;
}

function number(value: JsonValue | undefined): number | null {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : null;
}

function machineOf(system: JsonValue, board: JsonValue, bios: JsonValue, chassis: JsonValue): MachineInfo {
  const s = object(system);
  const b = object(board);
  const f = object(bios);
  return {
    manufacturer: text(s.manufacturer),
    product: text(s.model),
    version: text(s.version),
    serial: text(s.serial),
    board: { manufacturer: text(b.manufacturer), product: text(b.model), version: text(b.version) },
    bios: { vendor: text(f.vendor), version: text(f.version), releaseDate: text(f.releaseDate) },
    chassisType: text(object(chassis).type),
  };
}

function processorOf(cpu: JsonValue): ProcessorInfo {
  const c = object(cpu);
  return {
    manufacturer: text(c.manufacturer),
    brand: text(c.brand),
    cores: number(c.cores),
    physicalCores: number(c.physicalCores),
    sockets: number(c.processors),
    maxSpeedGHz: number(c.speedMax) ?? number(c.speed),
  };
}

function memoryOf(mem: JsonValue, layout: JsonValue): MemoryInfo {
  return {
    totalBytes: number(object(mem).total),
    modules: objects(layout)
      .filter((m) => number(m.size) !== null)
      .map((m) => ({ sizeBytes: number(m.size)!, type: text(m.type), clockMHz: number(m.clockSpeed), formFactor: text(m.formFactor) })),
  };
}

function graphicsOf(graphics: JsonValue, platform: PlatformReport): GraphicsController[] {
  return objects(object(graphics).controllers).map((c) => {
    // lspci names devices `01:00.0` (domain omitted) or `0000:01:00.0`; sysfs always has the domain.
    const bus = text(c.busAddress) ?? text(c.pciBus);
    const address = bus === null ? undefined : platform.pci.find((d) => d.address === bus || d.address.endsWith(`:${bus}`) || d.address === `0000:${bus}`);
    return {
      vendor: text(c.vendor),
      model: text(c.model),
      bus: text(c.bus),
      vramMiB: number(c.vram),
      pciAddress: address?.address ?? null,
      driver: address?.driver ?? null,
    };
  });
}

function networkOf(interfaces: JsonValue): NetworkInterface[] {
  return objects(interfaces)
    .filter((i) => text(i.iface) !== null && i.internal !== true)
    .map((i) => ({
      name: text(i.iface)!,
      mac: text(i.mac),
      kind: text(i.type) ?? (i.virtual === true ? 'virtual' : 'unknown'),
      speedMbps: number(i.speed),
      state: text(i.operstate),
    }))
    .sort((a, b) => compareCodePoints(a.name, b.name));
}

export type { HardwareProblem };
