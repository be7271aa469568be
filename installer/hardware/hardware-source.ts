/**
 * Where hardware detection reads from: a machine's files (this machine, a recording being made, or a
 * replayed recording: system/machine/recording.ts) and the systeminformation results, live or recorded as
 * `systeminformation/<call>.json` beside the files.
 */
import { openMachine, startRecording, thisMachine, type Machine } from '../../system/machine/recording.js';
import { liveSystemInformation, systemInformationVersion, type SystemInformationCall, type SystemInformationSource } from './system-information.js';

export interface HardwareSource extends Machine {
  readonly systemInformation: SystemInformationSource;
}

export function liveHardwareSource(): HardwareSource {
  return { ...thisMachine(), systemInformation: liveSystemInformation() };
}

/** This machine, or the recording in `from` when given (made by `cairn detect --record`, or by hand). */
export async function openHardwareSource(from: string | undefined): Promise<HardwareSource> {
  const machine = await openMachine(from);
  const recorded = machine.recordedResult;
  if (recorded === undefined) return { ...machine, systemInformation: liveSystemInformation() };
  return { ...machine, systemInformation: { call: (name) => recorded(resultName(name)) } };
}

export interface HardwareRecorder {
  /** Reads this machine and copies everything read into the recording. */
  readonly source: HardwareSource;
  /** Writes the manifest and moves the recording into place; returns how many files it holds. */
  finish(): Promise<{ readonly directory: string; readonly files: number }>;
  /** Removes the partial recording (after a failure). */
  abandon(): Promise<void>;
}

/** Starts a whole hardware recording into `directory` (which must not exist or be empty). */
export async function startHardwareRecording(directory: string): Promise<HardwareRecorder> {
  const recorder = await startRecording(directory);
  const live = liveSystemInformation();
  return {
    source: { ...recorder.machine, systemInformation: { call: (name) => recorder.recordResult(resultName(name), () => live.call(name)) } },
    finish: () => recorder.finish({ systeminformation: systemInformationVersion() }),
    abandon: () => recorder.abandon(),
  };
}

function resultName(call: SystemInformationCall): string {
  return `systeminformation/${call}`;
}
