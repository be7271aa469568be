/**
 * What xorriso reports about an ISO's boot parts (`-report_el_torito plain -report_system_area plain`),
 * parsed, to hold `cairn iso inspect` against: the El Torito catalog and images, the MBR entries, the GPT.
 */
import { run } from '../../lib/run.js';
import { readGuid } from '../../lib/guid.js';

export interface XorrisoBootImage {
  readonly number: number;
  readonly platform: string;
  readonly bootable: boolean;
  readonly emulation: string;
  readonly loadSegment: number;
  readonly systemType: number;
  readonly loadSectors: number;
  readonly lba: number;
  path?: string;
}

export interface XorrisoGptPartition {
  readonly number: number;
  name?: string;
  guid?: string;
  typeGuid?: string;
  flags?: string;
  start?: number;
  sectors?: number;
}

export interface XorrisoBootReport {
  catalogLba?: number;
  catalogPath?: string;
  readonly images: XorrisoBootImage[];
  readonly mbr: { number: number; status: number; type: number; start: number; sectors: number }[];
  gptDiskGuid?: string;
  gptEntries?: { lba: number; count: number };
  gptLbaRange?: { firstUsable: number; lastUsable: number; backupHeader: number };
  readonly gpt: XorrisoGptPartition[];
}

/** xorriso prints GUIDs as their 16 bytes in disk order; this is the text form. */
function guidOfHex(hex: string): string {
  return readGuid(Uint8Array.from(hex.match(/../g)!.map((b) => parseInt(b, 16))), 0);
}

export async function xorrisoBootReport(iso: string): Promise<XorrisoBootReport> {
  const { stdout } = await run('xorriso', ['-indev', iso, '-report_el_torito', 'plain', '-report_system_area', 'plain']);
  const report: XorrisoBootReport = { images: [], mbr: [], gpt: [] };
  const gptPartition = (n: number) => {
    let p = report.gpt.find((x) => x.number === n);
    if (p === undefined) report.gpt.push((p = { number: n }));
    return p;
  };
  for (const line of stdout.split('\n')) {
    const match = /^([^:]+):\s*(.*)$/.exec(line);
    if (!match) continue;
    const key = match[1]!.trim();
    const words = match[2]!.trim().split(/\s+/);
    const n = Number(words[0]);
    switch (key) {
      case 'El Torito catalog':
        report.catalogLba = n;
        break;
      case 'El Torito cat path':
        report.catalogPath = words[0]!;
        break;
      case 'El Torito boot img': {
        const [number, platform, bootable, emulation, loadSegment, systemType, loadSectors, lba] = words;
        report.images.push({ number: Number(number), platform: platform!, bootable: bootable === 'y', emulation: emulation!, loadSegment: Number(loadSegment), systemType: Number(systemType), loadSectors: Number(loadSectors), lba: Number(lba) });
        break;
      }
      case 'El Torito img path':
        report.images.find((i) => i.number === n)!.path = words[1]!;
        break;
      case 'MBR partition': {
        const [number, status, type, start, sectors] = words;
        report.mbr.push({ number: Number(number), status: Number(status), type: Number(type), start: Number(start), sectors: Number(sectors) });
        break;
      }
      case 'GPT disk GUID':
        report.gptDiskGuid = guidOfHex(words[0]!);
        break;
      case 'GPT entry array':
        report.gptEntries = { lba: n, count: Number(words[1]) };
        break;
      case 'GPT lba range':
        report.gptLbaRange = { firstUsable: n, lastUsable: Number(words[1]), backupHeader: Number(words[2]) };
        break;
      case 'GPT partname local':
        gptPartition(n).name = match[2]!.trim().replace(/^\d+\s+/, '');
        break;
      case 'GPT partition GUID':
        gptPartition(n).guid = guidOfHex(words[1]!);
        break;
      case 'GPT type GUID':
        gptPartition(n).typeGuid = guidOfHex(words[1]!);
        break;
      case 'GPT partition flags':
        gptPartition(n).flags = words[1]!;
        break;
      case 'GPT start and size':
        Object.assign(gptPartition(n), { start: Number(words[1]), sectors: Number(words[2]) });
        break;
    }
  }
  return report;
}
