/**
 * Outbound network for sandboxed tasks that ask for it (`network: "egress"`), with an SSRF guard.
 *
 * The task's network namespace keeps only loopback. Inside it, a forwarder listens on
 * 127.0.0.1:EGRESS_PORT and passes each connection through a unix socket, bound into the
 * sandbox, to this proxy in the worker; HTTP_PROXY / HTTPS_PROXY point there. The proxy speaks
 * HTTP CONNECT (any TCP, TLS included) and absolute-URI HTTP. For each request it resolves the
 * host once, refuses the connection if any address is loopback, link-local (cloud metadata at
 * 169.254.169.254), private, carrier-grade NAT, multicast or otherwise not public, unless the
 * operator's allowlist names it, and then connects to the address it checked, so a DNS answer
 * that changes between check and use (rebinding) cannot slip through.
 *
 * What a task without a proxy-aware client gets: nothing. There is no route out of its
 * namespace other than the proxy.
 */
import { lookup } from 'node:dns/promises';
import { chmod, rm } from 'node:fs/promises';
import http from 'node:http';
import { BlockList, createConnection, isIP, type Socket } from 'node:net';

/** Where the forwarder listens inside the sandbox (its own loopback). */
export const EGRESS_PORT = 3128;

/** Address ranges a task may not reach unless allowlisted: not the public internet. */
const NOT_PUBLIC: [string, number, 'ipv4' | 'ipv6', string][] = [
  ['0.0.0.0', 8, 'ipv4', 'this network'],
  ['10.0.0.0', 8, 'ipv4', 'private'],
  ['100.64.0.0', 10, 'ipv4', 'carrier-grade NAT'],
  ['127.0.0.0', 8, 'ipv4', 'loopback'],
  ['169.254.0.0', 16, 'ipv4', 'link-local (cloud metadata)'],
  ['172.16.0.0', 12, 'ipv4', 'private'],
  ['192.0.0.0', 24, 'ipv4', 'IETF protocol assignments'],
  ['192.0.2.0', 24, 'ipv4', 'documentation'],
  ['192.88.99.0', 24, 'ipv4', '6to4 relay'],
  ['192.168.0.0', 16, 'ipv4', 'private'],
  ['198.18.0.0', 15, 'ipv4', 'benchmarking'],
  ['198.51.100.0', 24, 'ipv4', 'documentation'],
  ['203.0.113.0', 24, 'ipv4', 'documentation'],
  ['224.0.0.0', 4, 'ipv4', 'multicast'],
  ['240.0.0.0', 4, 'ipv4', 'reserved'],
  ['::', 128, 'ipv6', 'unspecified'],
  ['::1', 128, 'ipv6', 'loopback'],
  ['64:ff9b::', 96, 'ipv6', 'NAT64'],
  ['64:ff9b:1::', 48, 'ipv6', 'NAT64'],
  ['100::', 64, 'ipv6', 'discard'],
  ['2001::', 23, 'ipv6', 'IETF protocol assignments'],
  ['2001:db8::', 32, 'ipv6', 'documentation'],
  ['2002::', 16, 'ipv6', '6to4'],
  ['fc00::', 7, 'ipv6', 'unique local (private)'],
  ['fe80::', 10, 'ipv6', 'link-local'],
  ['ff00::', 8, 'ipv6', 'multicast'],
];

const ranges = NOT_PUBLIC.map(([net, prefix, type, name]) => {
  const b = new BlockList();
  b.addSubnet(net, prefix, type);
  return { b, type, name: `${name} ${net}/${prefix}` };
});

/** The name of the non-public range holding `address`, or null if it is a public address. */
export function nonPublicRange(address: string): string | null {
  let a = address;
  let type: 'ipv4' | 'ipv6' = isIP(a) === 6 ? 'ipv6' : 'ipv4';
  if (type === 'ipv6') {
    // An IPv4-mapped or -compatible IPv6 address reaches the IPv4 host it embeds.
    const m = /^(?:::ffff:|::)(\d+\.\d+\.\d+\.\d+)$/i.exec(a);
    if (m) (a = m[1]), (type = 'ipv4');
  }
  if (isIP(a) === 0) return 'not an IP address';
  for (const r of ranges) if (r.type === type && r.b.check(a, type)) return r.name;
  return null;
}

/** One allowlist entry: an address or CIDR, or a host name, each with an optional port. */
interface AllowRule {
  host: string | null;
  net: BlockList | null;
  port: number | null;
  text: string;
}

/**
 * Parses `HANGAR_EGRESS_ALLOW` entries: `10.0.0.0/8`, `192.168.1.5`, `db.internal:5432`,
 * `127.0.0.1:8080`, `[::1]:8080`. Throws on an entry it cannot read.
 */
export function parseAllowlist(entries: string[]): AllowRule[] {
  return entries.map((raw) => {
    const text = raw.trim();
    let host = text;
    let port: number | null = null;
    const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(text);
    if (v6) (host = v6[1]), (port = v6[2] ? Number(v6[2]) : null);
    else {
      const m = /^([^:]+):(\d+)$/.exec(text);
      if (m) (host = m[1]), (port = Number(m[2]));
    }
    if (port !== null && (port < 1 || port > 65535)) throw new Error(`egress allowlist: bad port in '${text}'`);
    const [addr, prefix] = host.split('/');
    const family = isIP(addr);
    if (family) {
      const net = new BlockList();
      const type = family === 6 ? 'ipv6' : 'ipv4';
      const bits = prefix === undefined ? (family === 6 ? 128 : 32) : Number(prefix);
      if (!Number.isInteger(bits) || bits < 0 || bits > (family === 6 ? 128 : 32)) throw new Error(`egress allowlist: bad prefix in '${text}'`);
      net.addSubnet(addr, bits, type);
      return { host: null, net, port, text };
    }
    if (prefix !== undefined || !/^[a-z0-9.-]+$/i.test(host)) throw new Error(`egress allowlist: cannot read '${text}'`);
    return { host: host.toLowerCase(), net: null, port, text };
  });
}

export type Verdict = { ok: true; address: string; family: 4 | 6 } | { ok: false; reason: string };

export type Resolve = (host: string) => Promise<{ address: string; family: number }[]>;

const systemResolve: Resolve = (host) => lookup(host, { all: true, verbatim: true });

export class EgressGuard {
  private readonly allow: AllowRule[];
  private readonly resolve: Resolve;

  constructor(allow: string[], resolve: Resolve = systemResolve) {
    this.allow = parseAllowlist(allow);
    this.resolve = resolve;
  }

  /** Where a connection to host:port may go, or why it may not. */
  async check(host: string, port: number): Promise<Verdict> {
    const name = host.replace(/^\[|\]$/g, '').toLowerCase();
    if (!Number.isInteger(port) || port < 1 || port > 65535) return { ok: false, reason: `bad port ${port}` };
    let addrs: { address: string; family: number }[];
    if (isIP(name)) addrs = [{ address: name, family: isIP(name) }];
    else {
      try {
        addrs = await this.resolve(name);
      } catch (err) {
        return { ok: false, reason: `cannot resolve ${name}: ${(err as { code?: string }).code ?? String(err)}` };
      }
      if (addrs.length === 0) return { ok: false, reason: `cannot resolve ${name}` };
    }
    // Every address the name has must pass: a name with one public and one private address
    // is refused, or a client retrying the second address would reach the private one.
    for (const a of addrs) {
      const bad = nonPublicRange(a.address);
      if (bad && !this.allowed(name, a.address, port)) {
        const what = isIP(name) ? `${name}:${port} is` : `${name}:${port} resolves to ${a.address},`;
        return { ok: false, reason: `${what} ${bad}: not reachable from tasks (HANGAR_EGRESS_ALLOW lists exceptions)` };
      }
    }
    const first = addrs[0];
    return { ok: true, address: first.address, family: first.family === 6 ? 6 : 4 };
  }

  private allowed(name: string, address: string, port: number): boolean {
    const type = isIP(address) === 6 ? 'ipv6' : 'ipv4';
    return this.allow.some(
      (r) => (r.port === null || r.port === port) && (r.host !== null ? r.host === name : r.net!.check(address, type)),
    );
  }
}

export interface EgressProxy {
  /** Connections let through and refused, with reasons (for the attempt's accounting). */
  readonly stats: { allowed: number; denied: string[] };
  close(): Promise<void>;
}

const HOP_BY_HOP = ['connection', 'keep-alive', 'proxy-connection', 'proxy-authorization', 'proxy-authenticate', 'te', 'trailer', 'transfer-encoding', 'upgrade'];

/** An HTTP proxy on a unix socket (mode 0666: the sandbox uid connects to it) for one attempt. */
export async function startEgressProxy(socketPath: string, guard: EgressGuard): Promise<EgressProxy> {
  const stats = { allowed: 0, denied: [] as string[] };
  const sockets = new Set<Socket>();
  const deny = (reason: string) => {
    if (stats.denied.length < 20) stats.denied.push(reason);
    return reason;
  };

  const server = http.createServer((req, res) => {
    let url: URL;
    try {
      url = new URL(req.url ?? '');
    } catch {
      res.writeHead(400, { 'content-type': 'text/plain' }).end('hangar egress proxy: send absolute-URI requests or CONNECT\n');
      return;
    }
    if (url.protocol !== 'http:') {
      res.writeHead(400, { 'content-type': 'text/plain' }).end(`hangar egress proxy: use CONNECT for ${url.protocol}\n`);
      return;
    }
    void guard.check(url.hostname, Number(url.port || 80)).then((v) => {
      if (!v.ok) {
        res.writeHead(403, { 'content-type': 'text/plain' }).end(`hangar egress proxy: ${deny(v.reason)}\n`);
        return;
      }
      stats.allowed++;
      const headers = { ...req.headers };
      for (const h of HOP_BY_HOP) delete headers[h];
      const up = http.request(
        { host: v.address, family: v.family, port: Number(url.port || 80), method: req.method, path: url.pathname + url.search, headers, setHost: false },
        (ur) => {
          const out = { ...ur.headers };
          for (const h of HOP_BY_HOP) delete out[h];
          res.writeHead(ur.statusCode ?? 502, out);
          ur.pipe(res);
        },
      );
      up.on('error', (err) => {
        if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
        res.end(`hangar egress proxy: ${err.message}\n`);
      });
      req.pipe(up);
    });
  });

  server.on('connect', (req: http.IncomingMessage, client: Socket, head: Buffer) => {
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    client.on('error', () => client.destroy());
    const m = /^(\[[^\]]+\]|[^:]+):(\d+)$/.exec(req.url ?? '');
    if (!m) {
      client.end('HTTP/1.1 400 Bad Request\r\n\r\n');
      return;
    }
    void guard.check(m[1], Number(m[2])).then((v) => {
      if (!v.ok) {
        const body = `hangar egress proxy: ${deny(v.reason)}\n`;
        client.end(`HTTP/1.1 403 Forbidden\r\ncontent-type: text/plain\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
        return;
      }
      stats.allowed++;
      const up = createConnection({ host: v.address, port: Number(m[2]), family: v.family });
      sockets.add(up);
      up.on('close', () => sockets.delete(up));
      up.once('connect', () => {
        client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        if (head.length) up.write(head);
        up.pipe(client);
        client.pipe(up);
      });
      up.on('error', (err) => {
        if (up.connecting) client.end(`HTTP/1.1 502 Bad Gateway\r\n\r\n${err.message}\n`);
        else client.destroy();
      });
      client.on('close', () => up.destroy());
    });
  });
  server.on('clientError', (_err, socket) => socket.destroy());

  await rm(socketPath, { force: true });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(socketPath, () => resolve());
  });
  await chmod(socketPath, 0o666);
  return {
    stats,
    async close() {
      for (const s of sockets) s.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await rm(socketPath, { force: true });
    },
  };
}
