/**
 * A directory as the archives Hangar's API takes: a zip for a function's code (PUT /functions)
 * and a tar.gz for a project's files (PUT /projects/{id}/files). Small writers of their own, so
 * the example needs neither `zip` nor `tar` on the machine that runs it.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { crc32, deflateRawSync, gzipSync } from 'node:zlib';

interface Entry {
  name: string;
  data: Buffer;
  mode: number;
}

function entriesOf(dir: string): Entry[] {
  return (readdirSync(dir, { recursive: true }) as string[])
    .sort()
    .map((name) => ({ path: join(dir, name), name: relative(dir, join(dir, name)).split(sep).join('/') }))
    .filter(({ path }) => statSync(path).isFile())
    .map(({ path, name }) => ({ name, data: readFileSync(path), mode: statSync(path).mode & 0o777 }));
}

/** The files under `dir` as a zip (deflated, fixed timestamps: the same files, the same bytes). */
export function zipDirectory(dir: string): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const e of entriesOf(dir)) {
    const name = Buffer.from(e.name);
    const body = deflateRawSync(e.data);
    const crc = crc32(e.data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0x0800, 6); // UTF-8 names
    local.writeUInt16LE(8, 8); // deflate
    local.writeUInt16LE(0, 10);
    local.writeUInt16LE(0x21, 12); // 1980-01-01
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(e.data.length, 22);
    local.writeUInt16LE(name.length, 26);
    local.writeUInt16LE(0, 28);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(0x0314, 4); // made by Unix, so the modes are read
    central.writeUInt16LE(20, 6);
    local.copy(central, 8, 6, 28);
    central.writeUInt32LE(((0o100000 | e.mode) << 16) >>> 0, 38);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, body);
    centrals.push(central, name);
    offset += local.length + name.length + body.length;
  }
  const cd = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(centrals.length / 2, 8);
  end.writeUInt16LE(centrals.length / 2, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, end]);
}

/** The files under `dir` as a tar.gz (ustar, regular files only). */
export function tarGzDirectory(dir: string): Buffer {
  const parts: Buffer[] = [];
  for (const e of entriesOf(dir)) {
    if (Buffer.byteLength(e.name) > 99) throw new Error(`${e.name}: path too long for this small tar writer`);
    const h = Buffer.alloc(512);
    h.write(e.name, 0);
    h.write(`${e.mode.toString(8).padStart(7, '0')}\0`, 100);
    h.write('0000000\0', 108);
    h.write('0000000\0', 116);
    h.write(`${e.data.length.toString(8).padStart(11, '0')}\0`, 124);
    h.write('00000000000\0', 136);
    h.write('        ', 148);
    h.write('0', 156);
    h.write('ustar\0', 257);
    h.write('00', 263);
    let sum = 0;
    for (const b of h) sum += b;
    h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
    parts.push(h, e.data, Buffer.alloc((512 - (e.data.length % 512)) % 512));
  }
  parts.push(Buffer.alloc(1024));
  return gzipSync(Buffer.concat(parts));
}
