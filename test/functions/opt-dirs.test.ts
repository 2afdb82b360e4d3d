/**
 * Functions' /opt (src/functions/opt-dirs.ts): layers laid out in order, a later layer's file
 * over an earlier one's (and over a directory, and the other way round), once per ordered list,
 * of hard links to the layers' unpacked files.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { after, it } from 'node:test';
import { CodeDirectories, layersKey, OptDirectories, type LayerContent } from '../../src/functions/index.ts';
import { zipEntries } from '../../src/functions/zip.ts';

const root = mkdtempSync(join(tmpdir(), 'hangar-opt-'));
after(() => rmSync(root, { recursive: true, force: true }));

let loads = 0;
function layer(files: Record<string, string>): LayerContent {
  const zip = zipEntries(Object.entries(files).map(([name, data]) => ({ name, data: Buffer.from(data) })));
  return {
    sha256Hex: createHash('sha256').update(zip).digest('hex'),
    load: async () => {
      loads++;
      return zip;
    },
  };
}

it('lays layers out in order, later over earlier, once per ordered list, of links to the unpacked layers', async () => {
  const code = new CodeDirectories(join(root, 'code'));
  const opt = new OptDirectories(join(root, 'code', 'opt'), code);
  const a = layer({ 'conf/which': 'a', 'conf/a-only': 'a', 'x/inner': 'a dir in a', y: 'a file in a' });
  const b = layer({ 'conf/which': 'b', x: 'a file in b', 'y/inner': 'a dir in b' });
  assert.equal(await opt.dir([]), null);
  const ab = await opt.dir([a, b]);
  assert.ok(ab);
  assert.equal(basename(ab), layersKey([a.sha256Hex, b.sha256Hex]));
  assert.equal(readFileSync(join(ab, 'conf/which'), 'utf8'), 'b');
  assert.equal(readFileSync(join(ab, 'conf/a-only'), 'utf8'), 'a');
  assert.equal(readFileSync(join(ab, 'x'), 'utf8'), 'a file in b');
  assert.equal(readFileSync(join(ab, 'y/inner'), 'utf8'), 'a dir in b');
  // Links, not copies: the same inode as the layer's unpacked file.
  const unpackedA = await code.dir(a.sha256Hex, a.load);
  assert.equal(statSync(join(ab, 'conf/a-only')).ino, statSync(join(unpackedA, 'conf/a-only')).ino);

  const ba = await opt.dir([b, a]);
  assert.notEqual(ba, ab, 'another order is another /opt');
  assert.equal(readFileSync(join(ba!, 'conf/which'), 'utf8'), 'a');
  assert.equal(readFileSync(join(ba!, 'x/inner'), 'utf8'), 'a dir in a');

  // Known, and after a restart found in place: nothing unpacked or merged again.
  const before = loads;
  assert.equal(await opt.dir([a, b]), ab);
  const again = new OptDirectories(join(root, 'code', 'opt'), new CodeDirectories(join(root, 'code')));
  assert.equal(await again.dir([a, b]), ab);
  assert.equal(loads, before);
  assert.deepEqual(
    readdirSync(join(root, 'code', 'opt')).filter((f) => f.startsWith('.')),
    [],
    'no merge left half-done',
  );
});
