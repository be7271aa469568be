/**
 * The hardware screen of every recorded machine in fixtures/machines, as the installer builds it from the
 * replayed report: drawn with no warning on the console or stderr (React keys are unique even where rows
 * share a label, as a disk's partitions do), within 80x24, with every disk named.
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { detectHardware } from '../../../installer/hardware/detect-hardware.js';
import { openHardwareSource } from '../../../installer/hardware/hardware-source.js';
import { summariseHardware } from '../../../installer/hardware/summary.js';
import { HardwareScreen } from '../../../installer/screens/hardware/index.js';
import { repoRoot } from '../../support/cli.js';
import { renderScreen } from '../../support/ink.js';

const machines = join(repoRoot, 'fixtures', 'machines');

for (const name of (await readdir(machines, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name).sort()) {
  test(`${name}: the hardware screen draws every disk, fits 80x24 and prints nothing else`, async () => {
    const report = await detectHardware(await openHardwareSource(join(machines, name, 'recording')));
    const rows = summariseHardware(report).map((line) => [line.label, line.value] as const);
    assert.ok(rows.some(([label]) => label === ''), 'a row with an empty label (a partition under its disk)');
    const screen = await renderScreen(<HardwareScreen summary={{ rows, warnings: report.problems.map((p) => `${p.source}: ${p.message}`) }} step={{ index: 4, total: 9 }} />);
    const frame = await screen.waitFor(/Enter: continue/);
    const lines = frame.split('\n');
    assert.ok(lines.length <= 24, `${lines.length} lines:\n${frame}`);
    for (const line of lines) assert.ok(line.length <= 80, `wider than 80 columns: ${JSON.stringify(line)}`);
    for (const disk of report.disks.slice(0, 3)) assert.match(frame, new RegExp(`Disk\\s+${disk.name}  `));
    screen.unmount();
  });
}

test.run();
