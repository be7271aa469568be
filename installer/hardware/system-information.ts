/**
 * The systeminformation calls detection makes, behind one interface so that a recording can stand in for
 * the live machine. Results are plain JSON (live results are passed through JSON too), so a replayed result
 * is exactly the recorded one.
 */
import si from 'systeminformation';
import type { JsonValue } from '../../system/machine/recording.js';

/** The systeminformation functions detection uses, in the order they are reported. */
export const SYSTEM_INFORMATION_CALLS = [
  'system',
  'bios',
  'baseboard',
  'chassis',
  'cpu',
  'mem',
  'memLayout',
  'graphics',
  'networkInterfaces',
] as const;

export type SystemInformationCall = (typeof SYSTEM_INFORMATION_CALLS)[number];


export interface SystemInformationSource {
  /** The result of one call; throws when it cannot be had (a recording without it). */
  call(name: SystemInformationCall): Promise<JsonValue>;
}

/**
 * Runs systeminformation on this machine. A call that does not answer within `timeoutMs` (a hung
 * nvidia-smi, say) is given up on: detection reports it and goes on without it.
 */
export function liveSystemInformation(timeoutMs = 20_000): SystemInformationSource {
  return {
    async call(name) {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`did not answer within ${timeoutMs / 1000} s`)), timeoutMs);
        timer.unref();
      });
      try {
        const result: unknown = await Promise.race([runCall(name), timeout]);
        return JSON.parse(JSON.stringify(result ?? null)) as JsonValue;
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

function runCall(name: SystemInformationCall): Promise<unknown> {
  switch (name) {
    case 'system':
      return si.system();
    case 'bios':
      return si.bios();
    case 'baseboard':
      return si.baseboard();
    case 'chassis':
      return si.chassis();
    case 'cpu':
      return si.cpu();
    case 'mem':
      return si.mem();
    case 'memLayout':
      return si.memLayout();
    case 'graphics':
      return si.graphics();
    case 'networkInterfaces':
      return si.networkInterfaces();
  }
}

/** The installed systeminformation version, recorded with each recording. */
export function systemInformationVersion(): string {
  return si.version();
}
