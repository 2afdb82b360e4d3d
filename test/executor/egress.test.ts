/**
 * The egress SSRF guard and its proxy, over a real unix socket. Tests that aim at non-public
 * addresses run the proxy in a network namespace with only loopback (helpers/egress-netns.ts):
 * a guard that wrongly lets one through meets a listener there or ENETUNREACH, never the
 * network. The proxy in this process is only ever asked for loopback destinations.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { EgressGuard, nonPublicRange, parseAllowlist, startEgressProxy } from '../../src/executor/sandbox/index.ts';
import { emptyNetnsProblems, startProxyInEmptyNetns, type NetnsProxy } from '../helpers/egress-netns.ts';

/** One raw exchange over a proxy's unix socket: what the proxy (and the far end) answered. */
function exchange(socketPath: string, request: string, thenSend = ''): Promise<string> {
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
    s.on('close', () => resolve(got));
    s.on('error', reject);
    s.write(request);
  });
}

describe('egress guard', () => {
  it('knows the non-public ranges, in every spelling', () => {
    for (const a of [
      '127.0.0.1',
      '127.8.9.10',
      '10.0.0.1',
      '172.16.5.4',
      '172.31.255.255',
      '192.168.1.1',
      '169.254.169.254',
      '100.64.0.1',
      '0.0.0.0',
      '224.0.0.1',
      '255.255.255.255',
      '::1',
      '::',
      'fe80::1',
      'fd00::1',
      'fc00::1',
      'ff02::1',
      '::ffff:127.0.0.1',
      '::ffff:169.254.169.254',
      '64:ff9b::7f00:1',
      '::ffff:7f00:1',
      '[::ffff:a9fe:a9fe]',
      '2130706433',
      '0x7f.1',
      '017700000001',
      '127.1',
      'fe80::1%eth0',
      '2002:7f00:1::',
      'fec0::1',
    ]) {
      assert.ok(nonPublicRange(a), `${a} is not public`);
    }
    for (const a of [
      '8.8.8.8',
      '1.1.1.1',
      '93.184.216.34',
      '172.32.0.1',
      '192.169.0.1',
      '2606:4700:4700::1111',
      '::ffff:8.8.8.8',
      '::ffff:808:808',
      '134744072',
      '64:ff9b::808:808',
    ]) {
      assert.equal(nonPublicRange(a), null, `${a} is public`);
    }
    assert.match(nonPublicRange('169.254.169.254')!, /cloud metadata/);
    assert.equal(nonPublicRange('localhost'), 'not an IP address');
  });

  it('reads allowlist entries and refuses the ones it cannot read', () => {
    assert.equal(parseAllowlist(['10.0.0.0/8', '192.168.1.5', 'db.internal:5432', '127.0.0.1:8080', '[::1]:8080', 'fd00::/8']).length, 6);
    for (const bad of ['10.0.0.0/33', 'db:99999', 'a b', 'host/8', '[::1]:0', '1.2.3.09', '[::ffff:1.2.3]', '10.0.0.0/8/9'])
      assert.throws(() => parseAllowlist([bad]), /egress allowlist/, bad);
  });

  it('reads allowlisted addresses as it reads destinations, whatever their spelling', async () => {
    const guard = new EgressGuard(['127.1:8080', '[::ffff:10.0.0.5]', 'db.internal.:5432'], async () => [
      { address: '10.9.9.9', family: 4 },
    ]);
    for (const host of ['127.0.0.1', '2130706433', '[::ffff:7f00:1]'])
      assert.deepEqual(await guard.check(host, 8080), { ok: true, address: '127.0.0.1', family: 4 }, host);
    assert.equal((await guard.check('127.0.0.1', 8081)).ok, false);
    assert.deepEqual(await guard.check('[::ffff:a00:5]', 22), { ok: true, address: '10.0.0.5', family: 4 });
    assert.equal((await guard.check('db.internal.', 5432)).ok, true, 'a trailing dot names the same host');
  });

  it('refuses a name if any of its addresses is not public, and pins the address it checked', async () => {
    const dns: Record<string, { address: string; family: number }[]> = {
      'public.test': [{ address: '93.184.216.34', family: 4 }],
      'mixed.test': [
        { address: '93.184.216.34', family: 4 },
        { address: '10.0.0.7', family: 4 },
      ],
      'meta.test': [{ address: '169.254.169.254', family: 4 }],
      'db.internal': [{ address: '10.1.2.3', family: 4 }],
    };
    const guard = new EgressGuard(['db.internal:5432', '192.168.7.0/24'], async (h) => {
      if (!dns[h]) throw Object.assign(new Error('not found'), { code: 'ENOTFOUND' });
      return dns[h];
    });
    assert.deepEqual(await guard.check('public.test', 443), { ok: true, address: '93.184.216.34', family: 4 });
    assert.match(((await guard.check('mixed.test', 443)) as { reason: string }).reason, /10\.0\.0\.7, private/);
    assert.match(((await guard.check('meta.test', 80)) as { reason: string }).reason, /cloud metadata/);
    assert.match(((await guard.check('nowhere.test', 80)) as { reason: string }).reason, /cannot resolve nowhere\.test: ENOTFOUND/);
    assert.equal((await guard.check('db.internal', 5432)).ok, true, 'allowed by name and port');
    assert.equal((await guard.check('db.internal', 22)).ok, false, 'only that port');
    assert.equal((await guard.check('192.168.7.20', 22)).ok, true, 'allowed by CIDR, any port');
    assert.equal((await guard.check('192.168.8.20', 22)).ok, false);
    assert.equal((await guard.check('[::1]', 80)).ok, false);
    assert.equal((await guard.check('8.8.8.8', 0)).ok, false, 'bad port');
    assert.deepEqual(
      await guard.check('[::ffff:808:808]', 443),
      { ok: true, address: '8.8.8.8', family: 4 },
      'an IPv4-mapped address is connected to as IPv4',
    );
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

  const send = (request: string, thenSend = '') => exchange(socketPath, request, thenSend);

  it('forwards an absolute-URI request to an allowed place, with its Host header', async () => {
    const res = await send(`GET http://127.0.0.1:${okPort}/x?y=1 HTTP/1.1\r\nHost: 127.0.0.1:${okPort}\r\nConnection: close\r\n\r\n`);
    assert.match(res, /^HTTP\/1\.1 200/);
    assert.match(res, new RegExp(`ok GET /x\\?y=1 host=127\\.0\\.0\\.1:${okPort}$`));
  });

  it('tunnels CONNECT to an allowed place', async () => {
    const res = await send(
      `CONNECT 127.0.0.1:${okPort} HTTP/1.1\r\nHost: 127.0.0.1:${okPort}\r\n\r\n`,
      `GET /t HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`,
    );
    assert.match(res, /^HTTP\/1\.1 200 Connection Established\r\n\r\nHTTP\/1\.1 200 OK/);
    assert.match(res, /ok GET \/t host=x$/);
  });

  it('refuses other loopback ports, both ways, in any spelling, and counts them', async () => {
    const before = proxy.stats.denied.length;
    const a = await send(`GET http://127.0.0.1:${secretPort}/ HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n`);
    assert.match(a, /^HTTP\/1\.1 403/);
    assert.doesNotMatch(a, /secret/);
    const b = await send(`CONNECT 127.0.0.1:${secretPort} HTTP/1.1\r\n\r\n`, 'GET / HTTP/1.1\r\nHost: a\r\n\r\n');
    assert.match(b, /^HTTP\/1\.1 403 Forbidden/);
    assert.doesNotMatch(b, /secret/);
    const c = await send(`GET http://[::ffff:127.0.0.1]:${secretPort}/ HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n`);
    assert.match(c, /^HTTP\/1\.1 403[\s\S]*\[::ffff:7f00:1\]:\d+ is 127\.0\.0\.1, loopback/);
    const d = await send(`CONNECT [::ffff:7f00:1]:${secretPort} HTTP/1.1\r\n\r\n`, 'GET / HTTP/1.1\r\nHost: a\r\n\r\n');
    assert.match(d, /^HTTP\/1\.1 403 Forbidden/);
    // Whatever the resolver answers for localhost (127.0.0.1 here, ::1 with Debian's usual /etc/hosts).
    const e = await send(`CONNECT localhost:${secretPort} HTTP/1.1\r\n\r\n`);
    assert.match(e, /localhost:\d+ resolves to (127\.0\.0\.1|::1), loopback/);
    const f = await send('GET ftp://127.0.0.1/ HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n');
    assert.match(f, /^HTTP\/1\.1 400/);
    for (const r of [a, b, c, d, e]) assert.doesNotMatch(r, /secret/);
    assert.equal(proxy.stats.denied.length - before, 5);
  });
});

/** Spellings of each refused range, as they appear in a URL's or a CONNECT line's host. */
const REFUSED: [RegExp, string[]][] = [
  [
    /loopback 127\.0\.0\.0\/8/,
    [
      '127.0.0.1',
      '127.1',
      '127.0.1',
      '2130706433',
      '0x7f000001',
      '0x7f.1',
      '0177.0.0.1',
      '017700000001',
      '0x7F.0.0.1',
      '127.0.0.1.',
      '127.255.255.254',
      '[::ffff:127.0.0.1]',
      '[::ffff:7f00:1]',
      '[::FFFF:7F00:0001]',
      '[0:0:0:0:0:ffff:127.0.0.1]',
      '[::ffff:127.0.0.1%lo]',
    ],
  ],
  [/loopback ::1\/128/, ['[::1]', '[0:0:0:0:0:0:0:1]', '[::0:1]', '[::1%lo]']],
  [/this network 0\.0\.0\.0\/8/, ['0.0.0.0', '0', '0x0', '0.0.0.0.', '0.1.2.3', '[::ffff:0.0.0.0]', '[::ffff:0:0]']],
  [/unspecified ::\/128/, ['[::]', '[0::0]']],
  [/IPv4-compatible ::\/96 .*(loopback|link-local)/, ['[::127.0.0.1]', '[::7f00:1]', '[::a9fe:a9fe]']],
  [/IPv4-translated ::ffff:0:0:0\/96 .*(loopback|private)/, ['[::ffff:0:127.0.0.1]', '[::ffff:0:a00:1]']],
  [
    /private 10\.0\.0\.0\/8/,
    ['10.0.0.1', '10.1.2.3', '012.1.2.3', '0xa.1.2.3', '167838211', '10.1.515', '[::ffff:10.1.2.3]', '[::ffff:a01:203]'],
  ],
  [/private 172\.16\.0\.0\/12/, ['172.16.0.1', '172.31.255.255', '0xac.0x10.0.1', '[::ffff:ac10:1]']],
  [/private 192\.168\.0\.0\/16/, ['192.168.1.1', '3232235777', '0300.0250.1.1', '[::ffff:c0a8:101]']],
  [
    /link-local \(cloud metadata\) 169\.254\.0\.0\/16/,
    [
      '169.254.169.254',
      '0xa9fea9fe',
      '2852039166',
      '0251.0376.0251.0376',
      '169.254.43518',
      '[::ffff:169.254.169.254]',
      '[::ffff:a9fe:a9fe]',
    ],
  ],
  [/carrier-grade NAT 100\.64\.0\.0\/10/, ['100.64.0.1', '100.100.100.200', '100.127.255.254', '[::ffff:6464:64c8]']],
  [/multicast 224\.0\.0\.0\/4/, ['224.0.0.1', '239.255.255.250', '[::ffff:e000:1]']],
  [/broadcast 255\.255\.255\.255\/32/, ['255.255.255.255', '4294967295', '0xffffffff', '[::ffff:ffff:ffff]']],
  [/reserved 240\.0\.0\.0\/4/, ['240.0.0.1', '[::ffff:f000:1]']],
  [/IETF protocol assignments 192\.0\.0\.0\/24/, ['192.0.0.192']],
  [/documentation (192\.0\.2|198\.51\.100|203\.0\.113)\.0\/24/, ['192.0.2.1', '198.51.100.1', '203.0.113.1']],
  [/benchmarking 198\.18\.0\.0\/15/, ['198.18.0.1', '198.19.255.255']],
  [/6to4 relay 192\.88\.99\.0\/24/, ['192.88.99.1']],
  [/Azure host services/, ['168.63.129.16', '[::ffff:a83f:8110]']],
  [
    /NAT64 64:ff9b::\/96 of .*(loopback|cloud metadata|private)/,
    ['[64:ff9b::127.0.0.1]', '[64:ff9b::7f00:1]', '[64:ff9b::a9fe:a9fe]', '[64:ff9b::a00:1]'],
  ],
  [/NAT64 local use 64:ff9b:1::\/48/, ['[64:ff9b:1::a00:1]', '[64:ff9b:1:ffff::1]']],
  [/6to4 2002::\/16/, ['[2002:7f00:1::1]', '[2002:a9fe:a9fe::]', '[2002:808:808::1]']],
  [/Teredo 2001::\/32/, ['[2001:0:4136:e378:8000:63bf:80ff:fffe]', '[2001::1]']],
  [/IETF protocol assignments 2001::\/23/, ['[2001:2::1]']],
  [/documentation (2001:db8::\/32|3fff::\/20)/, ['[2001:db8::1]', '[3fff::1]']],
  [/discard 100::\/64/, ['[100::1]']],
  [/unique local \(private\) fc00::\/7/, ['[fc00::1]', '[fd00:ec2::254]']],
  [/link-local fe80::\/10/, ['[fe80::1]', '[fe80::1%eth0]', '[FE80::A9FE:A9FE%25lo]']],
  [/site-local fec0::\/10/, ['[fec0::1]']],
  [/multicast ff00::\/8/, ['[ff02::1]', '[ff05::1:3]']],
  [/SRv6 segment identifiers 5f00::\/16/, ['[5f00::1]']],
  [/not global unicast/, ['[4000::1]', '[::2:3:4:5:6:7:8]', '[e000::1]']],
];

/** Names whose DNS answers are refused (helpers/egress-netns-child.ts answers for *.test). */
const REFUSED_NAMES: [string, RegExp][] = [
  ['localhost', /localhost:\d+ resolves to (127\.0\.0\.1|::1), loopback/],
  ['LOCALHOST.', /localhost:\d+ resolves to (127\.0\.0\.1|::1), loopback/],
  ['mapped.test', /resolves to ::ffff:7f00:1 \(127\.0\.0\.1\), loopback 127\.0\.0\.0\/8/],
  ['meta.test', /resolves to 169\.254\.169\.254, link-local \(cloud metadata\)/],
  ['nat64.test', /resolves to 64:ff9b::a9fe:a9fe, NAT64 64:ff9b::\/96 of 169\.254\.169\.254/],
  ['zone.test', /resolves to fe80::1%lo \(fe80::1\), link-local/],
  ['mixed.test', /resolves to 10\.0\.0\.7, private/],
  ['odd.test', /resolves to '127\.0\.0\.1\.5', not an address/],
];

/** Hosts that are no address and no name: refused, as a bad request or by the guard. */
const UNREADABLE = [
  '1.2.3.09',
  '999.1.1.1',
  '4294967296',
  '1.2.3.4.5',
  '0x100.0.0.1',
  'a..b',
  '[1::2::3]',
  '[::ffff:1.2.3]',
  '[fe80::1%]',
  '[::ffff:127.0.0.1',
  '%31%32%37.0.0.1',
];

const netnsProblems = emptyNetnsProblems();

describe('egress proxy in a network namespace with only loopback', { skip: netnsProblems }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'hangar-egress-ns-'));
  let p: NetnsProxy;
  before(async () => {
    p = await startProxyInEmptyNetns(dir);
  });
  after(async () => {
    await p?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const get = (host: string, port: number) =>
    exchange(p.socketPath, `GET http://${host}:${port}/ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
  const tunnel = (host: string, port: number) =>
    exchange(p.socketPath, `CONNECT ${host}:${port} HTTP/1.1\r\n\r\n`, 'GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
  /** Why `res` is not a refusal naming `range` (for a GET whose URL is unreadable: a 400), or null. */
  function notRefused(res: string, range: RegExp, unreadableUrl = false): string | null {
    if (/reached|decoy|ENETUNREACH/.test(res) || !/^HTTP\/1\.1 40[03]/.test(res)) return `got through: ${JSON.stringify(res.slice(-160))}`;
    if (unreadableUrl) return /^HTTP\/1\.1 400/.test(res) ? null : `not a 400: ${JSON.stringify(res.slice(-160))}`;
    return /^HTTP\/1\.1 403/.test(res) && range.test(res) ? null : `refused for another reason: ${JSON.stringify(res.slice(-160))}`;
  }

  for (const [range, spellings] of REFUSED) {
    it(`refuses ${range.source.replace(/\\/g, '')}: ${spellings.length} spellings, by GET and by CONNECT`, async () => {
      const wrong: string[] = [];
      for (const host of spellings) {
        const g = notRefused(await get(host, p.openPort), range, !URL.canParse(`http://${host}/`));
        const c = notRefused(await tunnel(host, p.openPort), range);
        if (g) wrong.push(`GET ${host}: ${g}`);
        if (c) wrong.push(`CONNECT ${host}: ${c}`);
      }
      assert.deepEqual(wrong, []);
    });
  }

  it('refuses names whose DNS answers are refused, by GET and by CONNECT', async () => {
    const wrong: string[] = [];
    for (const [name, reason] of REFUSED_NAMES) {
      const g = notRefused(await get(name, p.openPort), reason);
      const c = notRefused(await tunnel(name, p.openPort), reason);
      if (g) wrong.push(`GET ${name}: ${g}`);
      if (c) wrong.push(`CONNECT ${name}: ${c}`);
    }
    assert.deepEqual(wrong, []);
  });

  it('refuses hosts it cannot read', async () => {
    for (const host of UNREADABLE) {
      for (const [how, res] of [
        ['GET', await get(host, p.openPort)],
        ['CONNECT', await tunnel(host, p.openPort)],
      ]) {
        assert.match(res, /^HTTP\/1\.1 40[03]/, `${how} ${host}:\n${res}`);
        assert.doesNotMatch(res, /reached|ENETUNREACH/, `${how} ${host}`);
      }
    }
  });

  it('connects to the address it read: a public IPv4 in any spelling as IPv4, NAT64 of a public one as IPv6', async () => {
    // No route leaves the namespace: the proxy's attempt ends in ENETUNREACH, naming the address.
    for (const [host, address] of [
      ['134744072', '8.8.8.8'],
      ['[::ffff:808:808]', '8.8.8.8'],
      ['0x8.0x8.0x8.0x8', '8.8.8.8'],
      ['[64:ff9b::8.8.8.8]', '64:ff9b::808:808'],
      ['[2606:4700:4700::1111]', '2606:4700:4700::1111'],
    ]) {
      for (const res of [await get(host, 80), await tunnel(host, 80)]) {
        assert.match(res, /^HTTP\/1\.1 502/, `${host}:\n${res}`);
        assert.match(res, new RegExp(`ENETUNREACH ${address.replace(/\./g, '\\.')}:80`), host);
      }
    }
  });

  it('resolves a name once and connects to the address it checked (no DNS rebinding)', async () => {
    // rebind-*.test answer the allowed 127.0.0.1 first, then ::1, where a decoy listens on the
    // same port: a proxy that resolved again to connect would reach the decoy, or fail.
    const g = await get('rebind-get.test', p.okPort);
    assert.match(g, /^HTTP\/1\.1 200[\s\S]*ok 127\.0\.0\.1$/);
    const c = await tunnel('rebind-connect.test', p.okPort);
    assert.match(c, /^HTTP\/1\.1 200 Connection Established[\s\S]*ok 127\.0\.0\.1$/);
    const stats = await p.stats();
    assert.deepEqual([stats.calls['rebind-get.test'], stats.calls['rebind-connect.test']], [1, 1], 'one resolution per request');
    assert.ok(stats.denied.length > 0 && stats.allowed >= 2);
  });
});
