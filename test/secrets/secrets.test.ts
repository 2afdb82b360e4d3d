/** The secret box (AES-256-GCM with owner and name bound in) and redaction. */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import fc from 'fast-check';
import {
  keyIdOf,
  loadMasterKey,
  parseMasterKey,
  redact,
  redactBytes,
  SecretBox,
  sealedKeyId,
  StreamRedactor,
  UnknownSecretsKey,
} from '../../src/secrets/index.ts';

it('seals with a fresh nonce, opens only for the same owner and name, and detects tampering', () => {
  const box = new SecretBox(randomBytes(32));
  const a = box.seal('alice', 'TOKEN', 'hunter2-value');
  const b = box.seal('alice', 'TOKEN', 'hunter2-value');
  assert.notEqual(a, b, 'a fresh nonce each time');
  assert.equal(Buffer.from(a, 'base64').includes(Buffer.from('hunter2-value')), false);
  assert.equal(box.open('alice', 'TOKEN', a), 'hunter2-value');
  assert.throws(() => box.open('bob', 'TOKEN', a), 'moved to another user');
  assert.throws(() => box.open('alice', 'OTHER', a), 'renamed');
  const bytes = Buffer.from(a, 'base64');
  bytes[bytes.length - 1] ^= 1;
  assert.throws(() => box.open('alice', 'TOKEN', bytes.toString('base64')), 'tampered');
  assert.throws(() => new SecretBox(randomBytes(32)).open('alice', 'TOKEN', a), 'another master key');
});

it('takes the master key as base64 or hex, or makes one (0600) on first use', () => {
  const k = randomBytes(32);
  assert.deepEqual(parseMasterKey(k.toString('base64')), k);
  assert.deepEqual(parseMasterKey(k.toString('hex')), k);
  assert.throws(() => parseMasterKey('c2hvcnQ='), /32 bytes/);
  const dir = mkdtempSync(join(tmpdir(), 'hangar-secrets-'));
  try {
    const box = loadMasterKey({ dataDir: dir });
    const file = join(dir, 'secrets.key');
    assert.equal(statSync(file).mode & 0o777, 0o600);
    const sealed = box.seal('u', 'N', 'value');
    assert.equal(loadMasterKey({ dataDir: dir }).open('u', 'N', sealed), 'value', 'the same key on the next start');
    assert.equal(loadMasterKey({ secretsKeyFile: file, dataDir: '/nonexistent' }).open('u', 'N', sealed), 'value');
    assert.equal(readFileSync(file, 'utf8').trim().length, 44);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

it('redacts every occurrence, in text and bytes, and a secret cut short by truncation', () => {
  assert.equal(redact('a=s3cret b=s3cret', ['s3cret']), 'a=[REDACTED] b=[REDACTED]');
  assert.equal(
    redact(
      'abc',
      ['abc'].map((v) => v),
    ),
    'abc',
    'shorter than 4 is left alone',
  );
  const bin = Buffer.concat([Buffer.from([0xff, 0x00]), Buffer.from('xx s3cret yy s3cret')]);
  assert.deepEqual(
    redactBytes(bin, ['s3cret'], false),
    Buffer.concat([Buffer.from([0xff, 0x00]), Buffer.from('xx [REDACTED] yy [REDACTED]')]),
  );
  assert.equal(redactBytes(Buffer.from('out: s3cr'), ['s3cret'], true).toString(), 'out: [REDACTED]');
  // The tail of a log whose middle was left out may begin inside a value.
  assert.equal(redactBytes(Buffer.from('cret; more'), ['s3cret'], false, true).toString(), '[REDACTED]; more');
  assert.equal(redactBytes(Buffer.from('cret; more'), ['s3cret'], false).toString(), 'cret; more');
  assert.equal(redactBytes(Buffer.from('out: s3cr'), ['s3cret'], false).toString(), 'out: s3cr', 'not cut: a prefix is just text');
});

it('redacts live output however it is split into pieces, as the whole would be', () => {
  const secret = 's3cret-v4lue';
  const text = fc
    .array(fc.constantFrom('s3c', 'ret', '-v4', 'lue', secret, 'x', 's', '\n', 's3cret-v4lu'), { maxLength: 30 })
    .map((a) => a.join(''));
  fc.assert(
    fc.property(text, fc.array(fc.nat(40), { maxLength: 8 }), (whole, cuts) => {
      const bytes = Buffer.from(whole);
      const points = [...new Set(cuts.map((c) => Math.min(c, bytes.length)))].sort((a, b) => a - b);
      const r = new StreamRedactor([secret]);
      const shown: Buffer[] = [];
      let from = 0;
      for (const p of [...points, bytes.length]) {
        shown.push(r.push(bytes.subarray(from, p)));
        from = p;
      }
      shown.push(r.end());
      const out = Buffer.concat(shown);
      assert.deepEqual(out.toString(), redactBytes(bytes, [secret], true).toString());
      assert.ok(!out.includes(secret));
    }),
    { numRuns: 500 },
  );
  const none = new StreamRedactor([]);
  assert.equal(none.push(Buffer.from('s3cret')).toString(), 's3cret', 'no values: passed through');
});

it('a keyring: the current key seals and names itself; previous keys still open; values sealed before key ids open too', () => {
  const [a, b] = [randomBytes(32), randomBytes(32)];
  const onlyA = new SecretBox(a);
  const underA = onlyA.seal('u', 'N', 'v');
  assert.match(underA, new RegExp(`^v2:${keyIdOf(a)}:`));
  assert.equal(Buffer.from(underA.slice(underA.lastIndexOf(':') + 1), 'base64').includes(a), false);
  assert.equal(keyIdOf(a).length, 16);
  assert.equal(sealedKeyId(underA), keyIdOf(a));
  // Version 1 (before key ids): bare base64 of nonce, tag and data under a.
  const legacy = underA.slice(underA.lastIndexOf(':') + 1);
  assert.equal(sealedKeyId(legacy), null);

  const rotated = new SecretBox(b, [a]);
  assert.equal(rotated.keyId, keyIdOf(b));
  assert.deepEqual(rotated.keyIds, [keyIdOf(b), keyIdOf(a)]);
  assert.equal(rotated.open('u', 'N', underA), 'v', 'a previous key opens what it sealed');
  assert.equal(rotated.open('u', 'N', legacy), 'v', 'an unnamed value: each key is tried');
  assert.equal(rotated.isCurrent(underA), false);
  const underB = rotated.seal('u', 'N', 'v');
  assert.equal(rotated.isCurrent(underB), true);
  assert.equal(sealedKeyId(underB), keyIdOf(b));
  assert.throws(() => rotated.open('u', 'OTHER', underA), 'still bound to its owner and name');
  assert.throws(() => rotated.open('u', 'OTHER', legacy), 'under every key');

  const onlyB = new SecretBox(b);
  assert.equal(onlyB.open('u', 'N', underB), 'v');
  assert.throws(
    () => onlyB.open('u', 'N', underA),
    (err: Error) => err instanceof UnknownSecretsKey && err.message.includes(keyIdOf(a)),
  );
  assert.throws(() => onlyB.open('u', 'N', legacy), 'a legacy value no key opens');

  // Derived keys: signed with the current key's, checked against every key's.
  assert.deepEqual(rotated.derive('p'), onlyB.derive('p'));
  assert.deepEqual(rotated.deriveAll('p'), [onlyB.derive('p'), onlyA.derive('p')]);
  assert.notDeepEqual(onlyA.derive('p'), onlyA.derive('q'));
  assert.deepEqual(new SecretBox(b, [b, a, a]).keyIds, [keyIdOf(b), keyIdOf(a)], 'a key given twice is one key');
});

it('loads previous keys from HANGAR_SECRETS_PREVIOUS_KEYS and its file, and names the setting of a bad one', () => {
  const [a, b, c] = [randomBytes(32), randomBytes(32), randomBytes(32)];
  const dir = mkdtempSync(join(tmpdir(), 'hangar-secrets-'));
  try {
    const file = join(dir, 'previous');
    writeFileSync(file, `${c.toString('hex')}\n`);
    const box = loadMasterKey({
      secretsKey: a.toString('base64'),
      secretsPreviousKeys: ` ${b.toString('base64')} ,`,
      secretsPreviousKeysFile: file,
      dataDir: dir,
    });
    assert.deepEqual(box.keyIds, [keyIdOf(a), keyIdOf(b), keyIdOf(c)]);
    assert.throws(
      () => loadMasterKey({ secretsKey: a.toString('base64'), secretsPreviousKeys: 'c2hvcnQ=', dataDir: dir }),
      /HANGAR_SECRETS_PREVIOUS_KEYS must be 32 bytes/,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
