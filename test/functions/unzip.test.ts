/**
 * Unpacking a function's zip (src/functions/unzip.ts, code-dirs.ts): files and modes as zipped,
 * stored and deflated, and refusals of what would escape the directory or exhaust the disk.
 */
import assert from 'node:assert/strict';
import { existsSync, lstatSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { zipEntries, type ZipEntry } from '../../src/functions/zip.ts';
import { BadZip, CodeDirectories, unzipTo } from '../../src/functions/index.ts';

const root = mkdtempSync(join(tmpdir(), 'hangar-unzip-'));
after(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const fresh = () => join(root, `d${n++}`);

const zip = (entries: ZipEntry[], deflate = true) => zipEntries(entries, { deflate });
const file = (name: string, data: string | Buffer, mode?: number): ZipEntry => ({ name, data: Buffer.from(data), mode });

/** Marks the central directory entry of `name` as a symbolic link (the writer makes files only). */
function asSymlink(z: Buffer, name: string): Buffer {
  const out = Buffer.from(z);
  for (let p = out.indexOf('PK\x01\x02'); p >= 0; p = out.indexOf('PK\x01\x02', p + 4)) {
    const len = out.readUInt16LE(p + 28);
    if (out.toString('utf8', p + 46, p + 46 + len) === name) out.writeUInt32LE((0o120777 << 16) >>> 0, p + 38);
  }
  return out;
}

async function refusal(z: Buffer, max?: number): Promise<string> {
  const dir = fresh();
  try {
    await unzipTo(z, dir, max);
  } catch (err) {
    assert.ok(err instanceof BadZip, String(err));
    return err.message;
  }
  assert.fail('the zip was unpacked');
}

describe('unzip', () => {
  it('unpacks stored and deflated files with their modes and nested directories', async () => {
    for (const deflate of [true, false]) {
      const dir = fresh();
      const r = await unzipTo(
        zip(
          [file('index.js', 'exports.handler = 1;'.repeat(50)), file('lib/a/b.txt', 'deep'), file('bootstrap', '#!/bin/sh\n', 0o755)],
          deflate,
        ),
        dir,
      );
      assert.equal(r.files, 3);
      assert.equal(readFileSync(join(dir, 'index.js'), 'utf8'), 'exports.handler = 1;'.repeat(50));
      assert.equal(readFileSync(join(dir, 'lib/a/b.txt'), 'utf8'), 'deep');
      assert.equal(statSync(join(dir, 'bootstrap')).mode & 0o777, 0o755);
      assert.equal(statSync(join(dir, 'index.js')).mode & 0o777, 0o644);
      assert.equal(statSync(dir).mode & 0o777, 0o755);
    }
  });

  it('refuses entries that point outside the directory (zip-slip)', async () => {
    for (const name of ['../evil.js', 'a/../../evil.js', '/etc/evil', 'a\\..\\evil']) {
      assert.match(await refusal(zip([file(name, 'x')])), /outside|absolute|forbidden/, name);
    }
    assert.equal(existsSync(join(root, 'evil.js')), false);
  });

  it('makes links that stay inside, last; refuses links out', async () => {
    const dir = fresh();
    await unzipTo(asSymlink(zip([file('real.js', 'r'), file('lib/alias.js', '../real.js')], false), 'lib/alias.js'), dir);
    assert.ok(lstatSync(join(dir, 'lib/alias.js')).isSymbolicLink());
    assert.equal(readlinkSync(join(dir, 'lib/alias.js')), '../real.js');
    assert.match(await refusal(asSymlink(zip([file('out', '/etc')], false), 'out')), /link outside/);
    assert.match(await refusal(asSymlink(zip([file('a/out', '../../x')], false), 'a/out')), /link outside/);
  });

  it('refuses code that unpacks past the limit, corrupt data and duplicate names', async () => {
    assert.match(await refusal(zip([file('big', Buffer.alloc(2048))]), 1024), /unzips to 2048 bytes; at most 1024/);
    const z = zip([file('a.txt', 'hello world')], false);
    const corrupt = Buffer.from(z);
    corrupt[30 + 'a.txt'.length] ^= 0xff;
    assert.match(await refusal(corrupt), /CRC/);
    assert.match(await refusal(zip([file('a', '1'), file('a', '2')])), /clashes/);
    assert.match(await refusal(Buffer.from('not a zip at all, not at all')), /not a zip/);
  });
});

describe('code directories', () => {
  it('unpacks a code once per sha, shared by concurrent callers, and reuses it', async () => {
    const codes = new CodeDirectories(join(root, 'code'));
    const z = zip([file('index.js', 'x')]);
    let loads = 0;
    const load = async () => {
      loads++;
      return z;
    };
    const sha = 'a'.repeat(64);
    const [a, b] = await Promise.all([codes.dir(sha, load), codes.dir(sha, load)]);
    assert.equal(a, b);
    assert.equal(await codes.dir(sha, load), a);
    assert.equal(loads, 1);
    assert.equal(readFileSync(join(a, 'index.js'), 'utf8'), 'x');
    assert.deepEqual(readdirSync(join(root, 'code')), [sha], 'no temporary directory left');
    await assert.rejects(
      codes.dir('b'.repeat(64), async () => Buffer.from('nope')),
      BadZip,
    );
    assert.deepEqual(readdirSync(join(root, 'code')), [sha], 'a refused zip leaves nothing');
  });
});
