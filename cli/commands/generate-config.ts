/** `cairn generate-config`: hardware-configuration.yaml and a first configuration.yaml for a target root. */
import { Command, InvalidArgumentError } from 'commander';
import { realpath } from 'node:fs/promises';
import { resolve } from 'node:path';
import { UsageError } from '../../lib/errors.js';
import { detectPlatformOnly } from '../../installer/hardware/detect-hardware.js';
import { openHardwareSource } from '../../installer/hardware/hardware-source.js';
import { planGeneratedConfig, writeGeneratedConfig } from '../../installer/config/generate-config.js';
import type { SystemChoices } from '../../installer/config/plan-configuration.js';
import { BOOT_LOADERS, type BootLoader } from '../../system/configuration.js';
import { collect, printJson } from '../options.js';
import { style } from '../terminal.js';

interface GenerateConfigFlags {
  root: string;
  from?: string;
  mountedAt?: string;
  force?: boolean;
  show?: boolean;
  json?: boolean;
  hostName?: string;
  timeZone?: string;
  locale?: string;
  keymap?: string;
  bootLoader?: BootLoader;
  grubDevice?: string;
  kernelParam: string[];
}

function parseBootLoader(value: string): BootLoader {
  if (!(BOOT_LOADERS as readonly string[]).includes(value)) throw new InvalidArgumentError(`expected one of ${BOOT_LOADERS.join(', ')}`);
  return value as BootLoader;
}

export function generateConfigCommand(): Command {
  return new Command('generate-config')
    .description('write <root>/etc/cairn/hardware-configuration.yaml (always) and configuration.yaml (only when missing, or with --force)')
    .option('--root <dir>', 'the target system root: mounts under it are its filesystems, files go to <root>/etc/cairn', '/')
    .option('--from <dir>', 'use a recorded machine (cairn detect --record) instead of this one')
    .option('--mounted-at <dir>', 'where the target is mounted on the (recorded) machine, when not at --root')
    .option('--force', 'replace an existing configuration.yaml')
    .option('--show', 'print the files instead of writing them')
    .option('--json', 'print what was written as JSON')
    .option('--host-name <name>', 'host name (default cairn)')
    .option('--time-zone <zone>', 'time zone (default UTC)')
    .option('--locale <locale>', 'locale (default en_US.UTF-8)')
    .option('--keymap <keymap>', 'console keymap (default us)')
    .option('--boot-loader <loader>', `boot loader, ${BOOT_LOADERS.join(' or ')} (default: systemd-boot on UEFI, grub on BIOS)`, parseBootLoader)
    .option('--grub-device <disk>', 'the disk GRUB is installed to on BIOS (default: the disk holding /)')
    .option('--kernel-param <param>', 'extra kernel parameter (repeatable)', collect, [])
    .action(async (flags: GenerateConfigFlags) => {
      if (flags.mountedAt !== undefined && !flags.mountedAt.startsWith('/')) {
        throw new UsageError(`--mounted-at must be an absolute path on the machine detected (got "${flags.mountedAt}")`);
      }
      const root = resolve(flags.root);
      // mountinfo names mount points by their real paths; a root given through a symlink must match them.
      const mountedAt = flags.mountedAt ?? (flags.from === undefined ? await realpath(root).catch(() => root) : root);
      const platform = await detectPlatformOnly(await openHardwareSource(flags.from));
      for (const problem of platform.problems) process.stderr.write(`${style.warning('warning:')} ${problem.source}: ${problem.message}\n`);
      const choices: SystemChoices = {
        ...(flags.hostName === undefined ? {} : { hostName: flags.hostName }),
        ...(flags.timeZone === undefined ? {} : { timeZone: flags.timeZone }),
        ...(flags.locale === undefined ? {} : { locale: flags.locale }),
        ...(flags.keymap === undefined ? {} : { keyMap: flags.keymap }),
        ...(flags.bootLoader === undefined ? {} : { bootLoader: flags.bootLoader }),
        ...(flags.grubDevice === undefined ? {} : { grubDevice: flags.grubDevice }),
        kernelParams: flags.kernelParam,
      };
      const plan = await planGeneratedConfig({
        root,
        platform,
        mountedAt,
        choices,
        force: flags.force === true,
      });
      for (const warning of plan.warnings) process.stderr.write(`${style.warning('warning:')} ${warning}\n`);
      if (flags.show) {
        const shown = [plan.hardwareConfiguration, ...(plan.configurationAction === 'keep' ? [] : [plan.configuration])];
        process.stdout.write(shown.map((f) => f.text).join('---\n'));
        return;
      }
      await writeGeneratedConfig(plan);
      if (flags.json) {
        printJson({
          hardwareConfiguration: plan.hardwareConfiguration.path,
          configuration: { path: plan.configuration.path, action: plan.configurationAction },
          schemas: plan.schemas.map((s) => s.path),
          warnings: plan.warnings,
        });
        return;
      }
      process.stdout.write(`wrote ${plan.hardwareConfiguration.path}\n`);
      if (plan.configurationAction === 'keep') process.stdout.write(`kept ${plan.configuration.path} (it exists; --force replaces it)\n`);
      else process.stdout.write(`${plan.configurationAction === 'create' ? 'wrote' : 'replaced'} ${plan.configuration.path}\n`);
    });
}
