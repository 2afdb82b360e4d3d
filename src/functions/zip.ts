/**
 * A zip writer, enough for a function's code (`hangar function deploy --dir`, and a function
 * deployed from a project version, whose tar.gz becomes a zip on the server): files with their
 * Unix modes (a `provided` function's `bootstrap` must stay executable), deflated when that is
 * smaller, no zip64 (Lambda takes at most 50 MB). node:zlib has deflate and crc32, so a zip
 * library would add a dependency for about a hundred lines. One writer, used by the server, the
 * CLI and the tests alike (the reader is unzip.ts).
 *
 * The same files always make the same bytes (sorted names, a fixed date), so redeploying an
 * unchanged directory sends the same code SHA-256 and the server keeps the code as it is.
 */
import { crc32, deflateRawSync } from 'node:zlib';

export interface ZipEntry {
  /** A relative path with `/` separators. */
  name: string;
  data: Buffer;
  /** Unix permission bits (0o644 when absent). */
  mode?: number;
}

const LOCAL = 0x04034b50;
const CENTRAL = 0x02014b50;
const END = 0x06054b50;
/** 1980-01-01 00:00 in MS-DOS form, the earliest a zip can say. */
const DOS_DATE = (1 << 5) | 1;
const UTF8_NAMES = 0x0800;
/** "Made by" Unix (3), spec version 2.0: readers then take the mode from the external attributes. */
const MADE_BY_UNIX = (3 << 8) | 20;
const MAX_ENTRIES = 0xffff;

export function zipEntries(entries: ZipEntry[], opts: { deflate?: boolean } = {}): Buffer {
  if (entries.length > MAX_ENTRIES) throw new Error(`a zip without zip64 holds at most ${MAX_ENTRIES} files, not ${entries.length}`);
  const parts: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = Buffer.from(e.name);
    const crc = crc32(e.data);
    const packed = opts.deflate === false ? e.data : deflateRawSync(e.data);
    const deflated = packed.length < e.data.length;
    const body = deflated ? packed : e.data;
    // Version needed to name length: the same fields in the local and the central header.
    const shared = Buffer.alloc(26);
    shared.writeUInt16LE(20, 0);
    shared.writeUInt16LE(UTF8_NAMES, 2);
    shared.writeUInt16LE(deflated ? 8 : 0, 4);
    shared.writeUInt16LE(DOS_DATE, 8);
    shared.writeUInt32LE(crc, 10);
    shared.writeUInt32LE(body.length, 14);
    shared.writeUInt32LE(e.data.length, 18);
    shared.writeUInt16LE(name.length, 22);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(LOCAL, 0);
    shared.copy(local, 4);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(CENTRAL, 0);
    central.writeUInt16LE(MADE_BY_UNIX, 4);
    shared.copy(central, 6);
    // A regular file (0o100000) with its permission bits, in the high half.
    central.writeUInt32LE(((0o100000 | ((e.mode ?? 0o644) & 0o7777)) << 16) >>> 0, 38);
    central.writeUInt32LE(offset, 42);
    parts.push(local, name, body);
    centrals.push(central, name);
    offset += local.length + name.length + body.length;
  }
  const dir = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(END, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(dir.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...parts, dir, end]);
}
