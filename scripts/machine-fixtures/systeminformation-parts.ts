/**
 * Building blocks of the hand-made machine recordings (make-machine-fixtures.ts): systeminformation results in the
 * shapes systeminformation 5 returns them.
 */
import type { CpuSpec } from './system-parts.js';

export function siSystem(fields: { manufacturer: string; model: string; version: string; serial: string; uuid: string; sku: string; virtual: boolean; virtualHost?: string }): unknown {
  return { ...fields };
}

export function siBios(fields: { vendor: string; version: string; releaseDate: string; revision: string; serial?: string; language?: string; features?: string[] }): unknown {
  return { vendor: fields.vendor, version: fields.version, releaseDate: fields.releaseDate, revision: fields.revision, serial: fields.serial ?? '', language: fields.language ?? 'en', features: fields.features ?? [] };
}

export function siBaseboard(fields: { manufacturer: string; model: string; version: string; serial: string; assetTag: string; memMax: number | null; memSlots: number | null }): unknown {
  return { ...fields };
}

export function siChassis(fields: { manufacturer: string; model: string; type: string; version: string; serial: string; assetTag: string; sku: string }): unknown {
  return { ...fields };
}

export function siCpu(spec: CpuSpec, fields: { manufacturer: string; brand: string; speed: number; speedMin: number; speedMax: number; governor: string; socket: string; cache: { l1d: number; l1i: number; l2: number; l3: number }; performanceCores?: number; efficiencyCores?: number }): unknown {
  const cores = spec.sockets * spec.coresPerSocket * spec.threadsPerCore;
  return {
    manufacturer: fields.manufacturer,
    brand: fields.brand,
    vendor: spec.vendorId,
    family: String(spec.family),
    model: String(spec.model),
    stepping: String(spec.stepping),
    revision: '',
    voltage: '',
    speed: fields.speed,
    speedMin: fields.speedMin,
    speedMax: fields.speedMax,
    governor: fields.governor,
    cores,
    physicalCores: spec.sockets * (spec.cpuCores ?? spec.coresPerSocket),
    performanceCores: fields.performanceCores ?? spec.sockets * spec.coresPerSocket,
    efficiencyCores: fields.efficiencyCores ?? 0,
    processors: spec.sockets,
    socket: fields.socket,
    flags: spec.flags,
    virtualization: / (vmx|svm)( |$)/.test(` ${spec.flags}`),
    cache: fields.cache,
  };
}

export function siMem(totalBytes: number, usedFraction: number, swapBytes: number): unknown {
  const used = Math.round(totalBytes * usedFraction);
  const cached = Math.round(totalBytes * 0.2);
  return {
    total: totalBytes,
    free: totalBytes - used - cached,
    used,
    active: Math.round(used * 0.8),
    available: totalBytes - used,
    buffers: Math.round(totalBytes * 0.01),
    cached,
    slab: Math.round(totalBytes * 0.02),
    buffcache: cached + Math.round(totalBytes * 0.03),
    reclaimable: Math.round(totalBytes * 0.015),
    swaptotal: swapBytes,
    swapused: 0,
    swapfree: swapBytes,
    writeback: 0,
    dirty: 4096,
  };
}

export function siMemModule(fields: { size: number; bank: string; type: string; ecc: boolean; clockSpeed: number; formFactor: string; manufacturer: string; partNum: string; serialNum: string; voltage: number | null }): unknown {
  return {
    size: fields.size,
    bank: fields.bank,
    type: fields.type,
    ecc: fields.ecc,
    clockSpeed: fields.clockSpeed,
    formFactor: fields.formFactor,
    manufacturer: fields.manufacturer,
    partNum: fields.partNum,
    serialNum: fields.serialNum,
    voltageConfigured: fields.voltage,
    voltageMin: fields.voltage,
    voltageMax: fields.voltage,
  };
}

export function siGraphicsController(fields: { vendor: string; subVendor: string; vendorId: string; model: string; deviceId: string; bus: string; busAddress: string; vram: number | null; vramDynamic: boolean }): unknown {
  return { ...fields, external: false, pciID: '' };
}

export function siNetworkInterface(fields: { iface: string; mac: string; ip4: string; ip6: string; type: string; speed: number | null; operstate: string; dhcp: boolean; default?: boolean; virtual?: boolean; duplex?: string; mtu?: number }): unknown {
  return {
    iface: fields.iface,
    ifaceName: fields.iface,
    default: fields.default ?? false,
    ip4: fields.ip4,
    ip4subnet: fields.ip4 === '' ? '' : '255.255.255.0',
    ip6: fields.ip6,
    ip6subnet: fields.ip6 === '' ? '' : 'ffff:ffff:ffff:ffff::',
    mac: fields.mac,
    internal: false,
    virtual: fields.virtual ?? false,
    operstate: fields.operstate,
    type: fields.type,
    duplex: fields.duplex ?? (fields.type === 'wired' ? 'full' : ''),
    mtu: fields.mtu ?? 1500,
    speed: fields.speed,
    dhcp: fields.dhcp,
    dnsSuffix: 'Unknown',
    ieee8021xAuth: 'Not defined',
    ieee8021xState: 'Disabled',
    carrierChanges: 2,
  };
}

export function siLoopback(): unknown {
  return {
    iface: 'lo',
    ifaceName: 'lo',
    default: false,
    ip4: '127.0.0.1',
    ip4subnet: '255.0.0.0',
    ip6: '::1',
    ip6subnet: 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff',
    mac: '00:00:00:00:00:00',
    internal: true,
    virtual: false,
    operstate: 'unknown',
    type: 'virtual',
    duplex: '',
    mtu: 65536,
    speed: null,
    dhcp: false,
    dnsSuffix: 'Unknown',
    ieee8021xAuth: 'Not defined',
    ieee8021xState: 'Disabled',
    carrierChanges: 0,
  };
}
