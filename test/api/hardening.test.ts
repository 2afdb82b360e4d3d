/** Transport hardening: slow clients are cut off; the API can serve HTTPS. */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import https from 'node:https';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { loadConfig } from '../../src/config/index.ts';
import { testPlatform } from '../helpers/platform.ts';

const dir = mkdtempSync(join(tmpdir(), 'hangar-hardening-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('transport hardening', () => {
  it('a client that sends half a request is answered 408 and cut off after the request timeout', async () => {
    const p = await testPlatform({ HANGAR_WORKERS: '0', HANGAR_REQUEST_TIMEOUT_MS: '400' });
    try {
      const { port } = new URL(p.url!);
      const t0 = Date.now();
      const answer = await new Promise<string>((resolve, reject) => {
        const s = connect(Number(port), '127.0.0.1', () =>
          s.write('POST /tasks HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n'),
        );
        let got = '';
        s.on('data', (d) => (got += d));
        s.on('close', () => resolve(got));
        s.on('error', reject);
        setTimeout(() => reject(new Error('still connected after 10 s')), 10_000).unref();
      });
      assert.match(answer, /^HTTP\/1\.1 408/);
      assert.ok(Date.now() - t0 < 5_000, `closed after ${Date.now() - t0} ms`);
    } finally {
      await p.close();
    }
  });

  it('serves HTTPS with HANGAR_TLS_CERT and HANGAR_TLS_KEY, and refuses one without the other', async () => {
    const cert = join(dir, 'cert.pem');
    const key = join(dir, 'key.pem');
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-keyout',
        key,
        '-out',
        cert,
        '-days',
        '1',
        '-subj',
        '/CN=localhost',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
      ],
      { stdio: 'ignore' },
    );
    assert.throws(() => loadConfig({ env: { HANGAR_TLS_CERT: cert } }), /HANGAR_TLS_CERT and HANGAR_TLS_KEY go together/);
    const p = await testPlatform({ HANGAR_WORKERS: '0', HANGAR_TLS_CERT: cert, HANGAR_TLS_KEY: key });
    try {
      assert.match(p.url!, /^https:\/\/127\.0\.0\.1:\d+$/);
      const body = await new Promise<string>((resolve, reject) => {
        https
          .get(`${p.url}/health`, { ca: readFileSync(cert) }, (res) => {
            let b = '';
            res.on('data', (d) => (b += d));
            res.on('end', () => resolve(b));
          })
          .on('error', reject);
      });
      assert.equal(JSON.parse(body).checks.database, true);
      await assert.rejects(fetch(p.url!.replace('https:', 'http:') + '/health'), 'plain HTTP gets no answer');
    } finally {
      await p.close();
    }
  });
});
