/** The egress SSRF guard and its proxy, over a real unix socket to real servers on loopback. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { EgressGuard, nonPublicRange, parseAllowlist, startEgressProxy } from '../../src/executor/sandbox/index.ts';

describe('egress guard', () => {
  it('knows the non-public ranges, IPv4-mapped IPv6 included', () => {
    for (const a of ['127.0.0.1', '127.8.9.10', '10.0.0.1', '172.16.5.4', '172.31.255.255', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '224.0.0.1', '255.255.255.255', '::1', '::', 'fe80::1', 'fd00::1', 'fc00::1', 'ff02::1', '::ffff:127.0.0.1', '::ffff:169.254.169.254', '64:ff9b::7f00:1']) {
      assert.ok(nonPublicRange(a), `${a} is not public`);
    }
    for (const a of ['8.8.8.8', '1.1.1.1', '93.184.216.34', '172.32.0.1', '192.169.0.1', '2606:4700:4700::1111', '::ffff:8.8.8.8']) {
      assert.equal(nonPublicRange(a), null, `${a} is public`);
    }
    assert.match(nonPublicRange('169.254.169.254')!, /cloud metadata/);
  });

  it('reads allowlist entries and refuses the ones it cannot read', () => {
    assert.equal(parseAllowlist(['10.0.0.0/8', '192.168.1.5', 'db.internal:5432', '127.0.0.1:8080', '[::1]:8080', 'fd00::/8']).length, 6);
    for (const bad of ['10.0.0.0/33', 'db:99999', 'a b', 'host/8', '[::1]:0']) assert.throws(() => parseAllowlist([bad]), /egress allowlist/, bad);
  });

  it('refuses a name if any of its addresses is not public, and pins the address it checked', async () => {
    const dns: Record<string, { address: string; family: number }[]> = {
      'public.test': [{ address: '93.184.216.34', family: 4 }],
      'mixed.test': [{ address: '93.184.216.34', family: 4 }, { address: '10.0.0.7', family: 4 }],
      'meta.test': [{ address: '169.254.169.254', family: 4 }],
      'db.internal': [{ address: '10.1.2.3', family: 4 }],
    };
    const guard = new EgressGuard(['db.internal:5432', '192.168.7.0/24'], async (h) => {
      if (!dns[h]) throw Object.assign(new Error('not found'), { code: 'ENOTFOUND' });
      return dns[h];
    });
    assert.deepEqual(await guard.check('public.test', 443), { ok: true, address: '93.184.216.34', family: 4 });
    assert.match((await guard.check('mixed.test', 443) as { reason: string }).reason, /10\.0\.0\.7, private/);
    assert.match((await guard.check('meta.test', 80) as { reason: string }).reason, /cloud metadata/);
    assert.match((await guard.check('nowhere.test', 80) as { reason: string }).reason, /cannot resolve nowhere\.test: ENOTFOUND/);
    assert.equal((await guard.check('db.internal', 5432)).ok, true, 'allowed by name and port');
    assert.equal((await guard.check('db.internal', 22)).ok, false, 'only that port');
    assert.equal((await guard.check('192.168.7.20', 22)).ok, true, 'allowed by CIDR, any port');
    assert.equal((await guard.check('192.168.8.20', 22)).ok, false);
    assert.equal((await guard.check('[::1]', 80)).ok, false);
    assert.equal((await guard.check('8.8.8.8', 0)).ok, false, 'bad port');
  });
});

describe('egress proxy', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hangar-egress-'));
  const socketPath = join(dir, 'proxy.sock');
  let okServer: http.Server;
  let secret: http.Server;
  let okPort = 0;
  let secretPort = 0;
  let proxy: Awaited<ReturnType<typeof startEgressProxy>>;

  before(async () => {
    okServer = http.createServer((q, r) => r.end(`ok ${q.method} ${q.url} host=${q.headers.host}`));
    secret = http.createServer((_q, r) => r.end('secret'));
    await new Promise<void>((r) => okServer.listen(0, '127.0.0.1', r));
    await new Promise<void>((r) => secret.listen(0, '127.0.0.1', r));
    okPort = (okServer.address() as { port: number }).port;
    secretPort = (secret.address() as { port: number }).port;
    proxy = await startEgressProxy(socketPath, new EgressGuard([`127.0.0.1:${okPort}`]));
  });
  after(async () => {
    await proxy.close();
    okServer.close();
    secret.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** One raw exchange over the proxy's socket: what the proxy (and the far end) answered. */
  function exchange(request: string, thenSend = ''): Promise<string> {
    return new Promise((resolve, reject) => {
      const s = connect(socketPath);
      let got = '';
      let sent = false;
      s.on('data', (d) => {
        got += d.toString();
        if (thenSend && !sent && got.includes('\r\n\r\n') && got.startsWith('HTTP/1.1 200')) {
          sent = true;
          s.write(thenSend);
        }
      });
      s.on('end', () => resolve(got));
      s.on('error', reject);
      s.write(request);
    });
  }

  it('forwards an absolute-URI request to an allowed place, with its Host header', async () => {
    const res = await exchange(`GET http://127.0.0.1:${okPort}/x?y=1 HTTP/1.1\r\nHost: 127.0.0.1:${okPort}\r\nConnection: close\r\n\r\n`);
    assert.match(res, /^HTTP\/1\.1 200/);
    assert.match(res, new RegExp(`ok GET /x\\?y=1 host=127\\.0\\.0\\.1:${okPort}$`));
  });

  it('tunnels CONNECT to an allowed place', async () => {
    const res = await exchange(`CONNECT 127.0.0.1:${okPort} HTTP/1.1\r\nHost: 127.0.0.1:${okPort}\r\n\r\n`, `GET /t HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
    assert.match(res, /^HTTP\/1\.1 200 Connection Established\r\n\r\nHTTP\/1\.1 200 OK/);
    assert.match(res, /ok GET \/t host=x$/);
  });

  it('refuses other loopback ports, metadata and private addresses, both ways, and counts them', async () => {
    const before = proxy.stats.denied.length;
    const a = await exchange(`GET http://127.0.0.1:${secretPort}/ HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n`);
    assert.match(a, /^HTTP\/1\.1 403/);
    assert.doesNotMatch(a, /secret/);
    const b = await exchange(`CONNECT 127.0.0.1:${secretPort} HTTP/1.1\r\n\r\n`, 'GET / HTTP/1.1\r\nHost: a\r\n\r\n');
    assert.match(b, /^HTTP\/1\.1 403 Forbidden/);
    assert.doesNotMatch(b, /secret/);
    const c = await exchange('CONNECT 169.254.169.254:80 HTTP/1.1\r\n\r\n');
    assert.match(c, /cloud metadata/);
    const d = await exchange('GET ftp://10.0.0.1/ HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n');
    assert.match(d, /^HTTP\/1\.1 400/);
    assert.equal(proxy.stats.denied.length - before, 3);
  });
});
