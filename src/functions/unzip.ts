/**
 * Unpacks a function's zip into a directory, refusing what would escape it or exhaust the disk.
 *
 * A reader of our own over node:zlib rather than a dependency: a deployment zip needs only the
 * central directory, stored and deflated entries and a CRC check (~150 lines, the counterpart of
 * the writer in zip.ts), and every check that matters here (paths, sizes, symlinks) is
 * ours to make whichever library parses the bytes. Zip64, encrypted and multi-disk archives are
 * refused by name.
 */
import { chmod, mkdir, symlink, writeFile } from 'node:fs/promises';
import { dirname, join, posix } from 'node:path';
import { crc32, inflateRawSync } from 'node:zlib';

/** Lambda's limit for a function's unzipped code: 250 MB. */
export const MAX_UNZIPPED_BYTES = 250 * 1024 * 1024;
/** More entries than any real deployment package has; a bound on the work a zip can ask for. */
export const MAX_ENTRIES = 100_000;

/** The zip cannot be unpacked safely (or at all): the function's code is at fault. */
export class BadZip extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BadZip';
  }
}

const S_IFMT = 0o170000;
const S_IFLNK = 0o120000;
const S_IFDIR = 0o040000;

interface Entry {
  name: string;
  method: number;
  crc: number;
  compressed: number;
  size: number;
  offset: number;
  /** Unix mode from the external attributes, when made on Unix; else 0. */
  mode: number;
}

function endRecord(zip: Buffer): number {
  const from = Math.max(0, zip.length - 22 - 0xffff);
  for (let i = zip.length - 22; i >= from; i--) if (zip.readUInt32LE(i) === 0x06054b50) return i;
  throw new BadZip('not a zip file: no end of central directory record');
}

function entriesOf(zip: Buffer): Entry[] {
  const end = endRecord(zip);
  const count = zip.readUInt16LE(end + 10);
  const cdOffset = zip.readUInt32LE(end + 16);
  if (zip.readUInt16LE(end + 4) !== 0 || zip.readUInt16LE(end + 6) !== 0) throw new BadZip('multi-disk zip archives are not supported');
  if (count === 0xffff || cdOffset === 0xffffffff) throw new BadZip('Zip64 archives are not supported: zip the code without Zip64');
  if (count > MAX_ENTRIES) throw new BadZip(`the zip has ${count} entries; at most ${MAX_ENTRIES}`);
  const entries: Entry[] = [];
  let p = cdOffset;
  for (let i = 0; i < count; i++) {
    if (p + 46 > zip.length || zip.readUInt32LE(p) !== 0x02014b50) throw new BadZip('corrupt zip: bad central directory');
    const flags = zip.readUInt16LE(p + 8);
    if (flags & 1) throw new BadZip('encrypted zip entries are not supported');
    const nameLen = zip.readUInt16LE(p + 28);
    const extraLen = zip.readUInt16LE(p + 30);
    const commentLen = zip.readUInt16LE(p + 32);
    const madeOnUnix = zip.readUInt8(p + 5) === 3;
    entries.push({
      name: zip.toString('utf8', p + 46, p + 46 + nameLen),
      method: zip.readUInt16LE(p + 10),
      crc: zip.readUInt32LE(p + 16),
      compressed: zip.readUInt32LE(p + 20),
      size: zip.readUInt32LE(p + 24),
      offset: zip.readUInt32LE(p + 42),
      mode: madeOnUnix ? zip.readUInt32LE(p + 38) >>> 16 : 0,
    });
    p += 46 + nameLen + extraLen + commentLen;
  }
  return entries;
}

/** What the zip says it unzips to, bytes (its central directory's sizes; unzipTo holds the zip
 *  to them). BadZip when it cannot be read. */
export function unzippedBytes(zip: Buffer): number {
  return entriesOf(zip).reduce((n, e) => n + e.size, 0);
}

/** The entry's path inside the directory, or a refusal: absolute, `..`, backslashes, NUL. */
export function safePath(name: string): string {
  if (name.includes('\0') || name.includes('\\')) throw new BadZip(`zip entry '${name}' has a forbidden character`);
  if (name.startsWith('/')) throw new BadZip(`zip entry '${name}' is an absolute path`);
  const normal = posix.normalize(name);
  if (normal === '..' || normal.startsWith('../') || name.split('/').includes('..'))
    throw new BadZip(`zip entry '${name}' points outside the code directory`);
  return normal.replace(/\/$/, '');
}

function dataOf(zip: Buffer, e: Entry): Buffer {
  if (e.offset + 30 > zip.length || zip.readUInt32LE(e.offset) !== 0x04034b50) throw new BadZip(`corrupt zip: entry '${e.name}'`);
  const start = e.offset + 30 + zip.readUInt16LE(e.offset + 26) + zip.readUInt16LE(e.offset + 28);
  const raw = zip.subarray(start, start + e.compressed);
  if (raw.length !== e.compressed) throw new BadZip(`corrupt zip: entry '${e.name}' is truncated`);
  let data: Buffer;
  if (e.method === 0) data = raw;
  else if (e.method === 8) {
    try {
      // maxOutputLength: a deflate bomb stops at the size the directory declared.
      data = inflateRawSync(raw, { maxOutputLength: Math.max(1, e.size) });
    } catch {
      throw new BadZip(`corrupt zip: entry '${e.name}' does not inflate to its declared size`);
    }
  } else throw new BadZip(`zip entry '${e.name}' uses compression method ${e.method}; only stored and deflated are supported`);
  if (data.length !== e.size || crc32(data) !== e.crc) throw new BadZip(`corrupt zip: entry '${e.name}' fails its CRC check`);
  return data;
}

/**
 * Unpacks `zip` into `dir` (which must not exist yet). Files are written readable by everyone
 * (the sandbox's uid reads them), executable where the zip says so; directories 0755. Symbolic
 * links are made last and only when their target stays inside `dir`, so nothing is ever written
 * through one.
 */
export async function unzipTo(zip: Buffer, dir: string, maxBytes = MAX_UNZIPPED_BYTES): Promise<{ files: number; bytes: number }> {
  const entries = entriesOf(zip);
  const declared = entries.reduce((n, e) => n + e.size, 0);
  if (declared > maxBytes) throw new BadZip(`the code unzips to ${declared} bytes; at most ${maxBytes}`);
  await mkdir(dir, { recursive: true, mode: 0o755 });
  await chmod(dir, 0o755);
  const links: { path: string; target: string }[] = [];
  let files = 0;
  for (const e of entries) {
    const rel = safePath(e.name);
    if (rel === '.' || rel === '') continue;
    const path = join(dir, rel);
    const type = e.mode & S_IFMT;
    if (e.name.endsWith('/') || type === S_IFDIR) {
      await mkdir(path, { recursive: true, mode: 0o755 });
      continue;
    }
    const data = dataOf(zip, e);
    if (type === S_IFLNK) {
      const target = data.toString('utf8');
      const resolved = posix.normalize(posix.join(posix.dirname(rel), target));
      if (target.startsWith('/') || resolved === '..' || resolved.startsWith('../'))
        throw new BadZip(`zip entry '${e.name}' is a link outside the code directory (${target})`);
      links.push({ path, target });
      continue;
    }
    try {
      await mkdir(dirname(path), { recursive: true, mode: 0o755 });
      await writeFile(path, data, { mode: e.mode & 0o111 ? 0o755 : 0o644, flag: 'wx' });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EEXIST' || code === 'ENOTDIR' || code === 'EISDIR')
        throw new BadZip(`zip entry '${e.name}' clashes with another entry`);
      throw err;
    }
    files++;
  }
  for (const l of links) {
    await mkdir(dirname(l.path), { recursive: true, mode: 0o755 });
    await symlink(l.target, l.path);
  }
  return { files, bytes: declared };
}
