/**
 * `npm run bench:system`: `cairn system build` of the example's newest generation against a peer doing the same
 * copying and archiving with the usual tools, and the time from the boot loader to the prompt under TCG against
 * the same kernel with a one-file initramfs, each in the same run, as ratios.
 *
 * The build's peer: mkinitramfs and dracut cannot run rootless here (they want root's /lib/modules, a host-wide
 * configuration and, for dracut, to be run as root), so the peer is what they do at their core, on the very trees
 * Cairn made: copy the initramfs tree into a staging folder (`cp -a`), archive it (`find | sort | cpio -o -H newc |
 * gzip -6`), and copy the userland and the modules (`cp -a`). Cairn does more (it finds the programs' libraries and
 * the modules' dependencies, runs depmod, hashes every store entry), so the ratio says what that costs.
 *
 * The boots: the example installed by `cairn install` onto a disk image under OVMF, from the end of systemd-boot's
 * countdown to `login:`; the example's ISO under SeaBIOS from a CD, from isolinux's "Loading" to the live shell's prompt;
 * the peer, an ISO whose generation is the same kernel with the tests' one-file initramfs (its /init prints a line
 * and powers off), from "Loading" to that line: the kernel's own part of every boot.
 *
 *   npm run bench:system                  # builds dist/ first; CAIRN_BENCH_RUNS=5 for more runs
 */
import { spawnSync } from 'node:child_process';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { QemuMachine } from '../lib/qemu.js';
import { ensureTestSystem, ensureTestKernelPackage } from '../scripts/test-system.js';
import { readProfile } from '../system/profile.js';

const repoRoot = join(fileURLToPath(import.meta.url), '..', '..');
const benchDir = process.env.CAIRN_BENCH_DIR ?? join(tmpdir(), 'cairn-bench-system');
const runs = Number(process.env.CAIRN_BENCH_RUNS ?? 3);
const EPOCH = '1763640000';

function sh(script: string, env: Record<string, string> = {}): void {
  const result = spawnSync('bash', ['-euo', 'pipefail', '-c', script], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ...env } });
  if (result.status !== 0) throw new Error(`failed: ${script}\n${result.stderr.toString()}`);
}

function seconds(script: string, env: Record<string, string> = {}): number {
  sh('sync');
  const started = process.hrtime.bigint();
  sh(script, env);
  return Number(process.hrtime.bigint() - started) / 1e9;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

const cairn = `node ${join(repoRoot, 'dist', 'cli', 'cairn.cjs')}`;

async function specsFor(deb: string): Promise<string> {
  const specs = join(benchDir, 'specs');
  await mkdir(specs, { recursive: true });
  for (const name of await readdir(join(repoRoot, 'examples', 'system'))) {
    const text = await readFile(join(repoRoot, 'examples', 'system', name), 'utf8');
    await writeFile(join(specs, name), text.replace(/package: \S+/, `package: ${deb}`));
  }
  return join(specs, 'generation-3.system.yaml');
}

async function benchBuild(spec: string): Promise<{ cairn: number; peer: number; root: string }> {
  const root = join(benchDir, 'root');
  // Warm-up: the kernel package is unpacked into the cache once, and every input is in the page cache.
  sh(`rm -rf ${root} && ${cairn} system build ${spec} --root ${root}`, { SOURCE_DATE_EPOCH: EPOCH });
  const store = join(root, 'cairn', 'store');
  const entries = await readdir(store);
  const initrd = join(store, entries.find((e) => e.endsWith('-initrd'))!, 'initrd');
  const sw = join(store, entries.find((e) => e.endsWith('-cairn-sw'))!);
  const modules = join(store, entries.find((e) => e.endsWith('-modules'))!);
  const tree = join(benchDir, 'initramfs-tree');
  sh(`rm -rf ${tree} && mkdir ${tree} && cd ${tree} && gzip -dc ${initrd} | cpio -id --quiet --no-absolute-filenames`);
  const cairnTimes: number[] = [];
  const peerTimes: number[] = [];
  for (let run = 0; run < runs; run++) {
    const fresh = join(benchDir, `cairn-${run}`);
    await rm(fresh, { recursive: true, force: true }).catch(() => sh(`chmod -R u+w ${fresh} && rm -rf ${fresh}`));
    cairnTimes.push(seconds(`${cairn} system build ${spec} --root ${fresh} > /dev/null 2>&1`, { SOURCE_DATE_EPOCH: EPOCH }));
    const peer = join(benchDir, `peer-${run}`);
    sh(`chmod -R u+w ${peer} 2>/dev/null || true; rm -rf ${peer} && mkdir -p ${peer}`);
    peerTimes.push(
      seconds(
        [
          `cp -a ${tree} ${peer}/stage`,
          `(cd ${peer}/stage && find . | LC_ALL=C sort | cpio -o -H newc --quiet | gzip -6 > ${peer}/initrd)`,
          `cp -a ${sw} ${peer}/sw`,
          `cp -a ${modules} ${peer}/modules`,
        ].join(' && '),
      ),
    );
  }
  return { cairn: median(cairnTimes), peer: median(peerTimes), root };
}

/** Seconds from the first match of `from` (plus `offset` seconds) to the first match of `to` after it, per run. */
async function bootTimes(options: Parameters<typeof QemuMachine.start>[0], from: RegExp, to: RegExp, offset = 0): Promise<number[]> {
  const times: number[] = [];
  for (let run = 0; run < runs; run++) {
    const machine = await QemuMachine.start(options);
    try {
      await machine.waitFor(from, { timeoutMs: 600_000 });
      const started = Date.now() + offset * 1000;
      const at = machine.plainOutput.length;
      await machine.waitFor(to, { timeoutMs: 600_000, from: at - 200 });
      times.push((Date.now() - started) / 1000);
    } finally {
      await machine.stop();
    }
  }
  return times;
}

async function benchBoots(root: string): Promise<{ installed: number; live: number; peer: number }> {
  const answers = join(benchDir, 'answers.yaml');
  await writeFile(answers, 'version: 1\nhostName: bench\nusers: [{ name: bench, password: bench }]\nconfirm: true\n');
  const disk = join(benchDir, 'disk.img');
  await rm(disk, { force: true });
  sh(`${cairn} install --answers ${answers} --target ${disk} --size 2G --source-root ${root} --from ${join(repoRoot, 'fixtures/machines/qemu-kvm-virtio/recording')} --log ${join(benchDir, 'install.log')}`);
  const image = (name: string, specRoot: string) => {
    const spec = join(benchDir, `${name}.yaml`);
    sh(`printf 'volumeId: CAIRN_BENCH\\nroot: %s\\nprofile: /cairn/var/profiles/system\\nboot: { bios: true, uefi: false, timeout: 1, serial: true }\\n' ${specRoot} > ${spec} && ${cairn} iso build ${spec} -o ${join(benchDir, `${name}.iso`)}`, { SOURCE_DATE_EPOCH: EPOCH });
    return join(benchDir, `${name}.iso`);
  };
  const live = image('live', root);
  const { kernel, initramfs } = await ensureTestSystem();
  const bare = join(benchDir, 'bare-root');
  sh(`rm -rf ${bare} && ${cairn} generation add --root ${bare} --kernel ${kernel} --initrd ${initramfs} --param console=ttyS0,115200 --param quiet`);
  const peer = image('bare', bare);
  // systemd-boot prints nothing when it starts the kernel (and the kernel is quiet): the menu's last second of
  // countdown ends there.
  const installed = await bootTimes({ firmware: 'uefi', media: { kind: 'disk', path: disk } }, /Boot in 1 s\./, /bench login: $/, 1);
  // Likewise isolinux's menu (timeout 1) starts the kernel at the end of its last second.
  const liveTimes = await bootTimes({ firmware: 'bios', media: { kind: 'cdrom', path: live } }, /Automatic boot in 1 second/, /cairn stage 2: started[^]*# $/, 1);
  const peerTimes = await bootTimes({ firmware: 'bios', media: { kind: 'cdrom', path: peer } }, /Automatic boot in 1 second/, /CAIRN-TEST-INIT/, 1);
  return { installed: median(installed), live: median(liveTimes), peer: median(peerTimes) };
}

await mkdir(benchDir, { recursive: true });
const deb = await ensureTestKernelPackage();
const spec = await specsFor(deb);
const build = await benchBuild(spec);
const profile = await readProfile(build.root, '/cairn/var/profiles/system');
process.stdout.write(`system build (${profile.generations.length} generation, ${runs} runs, medians)\n`);
process.stdout.write(`| what | time | ratio |\n| --- | ---: | ---: |\n`);
process.stdout.write(`| \`cairn system build\` of examples/system/generation-3 (fresh root, kernel package unpacked in the cache) | ${build.cairn.toFixed(2)} s | ${(build.cairn / build.peer).toFixed(2)} |\n`);
process.stdout.write(`| peer: \`cp -a\` + \`cpio -o -H newc | gzip -6\` of the same initramfs tree, \`cp -a\` of the same userland and modules | ${build.peer.toFixed(2)} s | 1.00 |\n`);
const boots = await benchBoots(build.root);
process.stdout.write(`\nboots under TCG (${runs} runs each, medians)\n`);
process.stdout.write(`| boot | from the loader to | time | vs the bare kernel |\n| --- | --- | ---: | ---: |\n`);
process.stdout.write(`| installed, OVMF, virtio disk | \`login:\` | ${boots.installed.toFixed(1)} s | ${(boots.installed / boots.peer).toFixed(2)} |\n`);
process.stdout.write(`| live, SeaBIOS, CD | the root shell's prompt | ${boots.live.toFixed(1)} s | ${(boots.live / boots.peer).toFixed(2)} |\n`);
process.stdout.write(`| peer: the same kernel with a one-file initramfs, SeaBIOS, CD | its /init's line | ${boots.peer.toFixed(1)} s | 1.00 |\n`);
