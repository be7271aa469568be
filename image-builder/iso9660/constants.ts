/** Numbers and identifiers fixed by ECMA-119 (ISO 9660), SUSP and RRIP that the codecs and the planner share. */

/** Logical sector and block size of every image Cairn writes and reads. */
export const SECTOR_SIZE = 2048 as const;

/** Sectors 0..15 are the system area (boot code, partition tables); volume descriptors start at 16. */
export const SYSTEM_AREA_SECTORS = 16 as const;
export const FIRST_VOLUME_DESCRIPTOR_SECTOR = 16 as const;

/** `CD001`, the standard identifier of every volume descriptor. */
export const STANDARD_IDENTIFIER = 'CD001' as const;

export const VolumeDescriptorType = {
  bootRecord: 0,
  primary: 1,
  supplementary: 2,
  partition: 3,
  terminator: 255,
} as const;

/** Directory record file flags (ECMA-119 9.1.6). */
export const FileFlag = {
  hidden: 0x01,
  directory: 0x02,
  associated: 0x04,
  record: 0x08,
  protection: 0x10,
  multiExtent: 0x80,
} as const;

/**
 * Largest data length one directory record can carry and still end on a sector boundary: files of 4 GiB and
 * more are split into several records of this size (ISO level 3 multi-extent), as xorriso does.
 */
export const MAX_EXTENT_BYTES = 0xffff_f800;

/** A directory record is at most 255 bytes: its length is one byte. */
export const MAX_DIRECTORY_RECORD_LENGTH = 255 as const;

/** Escape sequences of a Joliet supplementary volume descriptor: UCS-2 level 1, 2 and 3. */
export const JOLIET_ESCAPES = {
  level1: [0x25, 0x2f, 0x40],
  level2: [0x25, 0x2f, 0x43],
  level3: [0x25, 0x2f, 0x45],
} as const;

/** The highest directory number a path table record can name as a parent (a 16-bit field). */
export const MAX_PATH_TABLE_DIRECTORIES = 0xffff;
