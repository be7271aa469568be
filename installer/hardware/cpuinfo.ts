/**
 * /proc/cpuinfo on x86: one block of `key : value` lines per logical CPU, blocks separated by blank lines.
 * Decoding is pure; what the configuration needs (vendor, virtualisation flags) is derived here.
 */

export type CpuVendor = 'intel' | 'amd' | 'other';

export interface CpuInfo {
  /** `vendor_id`: GenuineIntel, AuthenticAMD, ... */
  readonly vendorId: string;
  readonly vendor: CpuVendor;
  /** `model name`, e.g. `Intel(R) Core(TM) i7-1165G7 @ 2.80GHz`. */
  readonly modelName: string;
  readonly family: number | null;
  readonly model: number | null;
  readonly stepping: number | null;
  /** Loaded microcode revision, e.g. `0xb4`; absent in many VMs. */
  readonly microcode: string | null;
  readonly logicalCpus: number;
  /** Distinct `physical id` values (1 when the field is absent). */
  readonly sockets: number;
  /** Flags of the first CPU, sorted. */
  readonly flags: readonly string[];
  /** Hardware virtualisation: `vmx` (Intel VT-x) or `svm` (AMD-V), which select kvm-intel / kvm-amd. */
  readonly hardwareVirtualisation: 'vmx' | 'svm' | null;
  /** The `hypervisor` flag: this CPU is virtual (the kernel runs as a guest). */
  readonly hypervisor: boolean;
  /** The `lm` (long mode) flag: the CPU runs 64-bit code. */
  readonly longMode: boolean;
}

export function decodeCpuinfo(text: string): CpuInfo | undefined {
  const blocks = text
    .split(/\n\s*\n/)
    .map(parseBlock)
    .filter((b) => b.has('processor'));
  const first = blocks[0];
  if (first === undefined) return undefined;
  const flags = [...new Set((first.get('flags') ?? '').split(/\s+/).filter((f) => f !== ''))].sort();
  const vendorId = first.get('vendor_id') ?? '';
  const sockets = new Set(blocks.map((b) => b.get('physical id')).filter((id) => id !== undefined));
  return {
    vendorId,
    vendor: vendorId === 'GenuineIntel' ? 'intel' : vendorId === 'AuthenticAMD' ? 'amd' : 'other',
    modelName: first.get('model name') ?? '',
    family: integer(first.get('cpu family')),
    model: integer(first.get('model')),
    stepping: integer(first.get('stepping')),
    microcode: first.get('microcode') ?? null,
    logicalCpus: blocks.length,
    sockets: Math.max(1, sockets.size),
    flags,
    hardwareVirtualisation: flags.includes('vmx') ? 'vmx' : flags.includes('svm') ? 'svm' : null,
    hypervisor: flags.includes('hypervisor'),
    longMode: flags.includes('lm'),
  };
}

function parseBlock(block: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const line of block.split('\n')) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const key = line.slice(0, colon).trim();
    if (!fields.has(key)) fields.set(key, line.slice(colon + 1).trim());
  }
  return fields;
}

function integer(value: string | undefined): number | null {
  return value !== undefined && /^\d+$/.test(value) ? Number(value) : null;
}
