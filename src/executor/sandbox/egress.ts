/**
 * Outbound network for sandboxed tasks that ask for it (`network: "egress"`), with an SSRF guard.
 *
 * The task's network namespace keeps only loopback. Inside it, a forwarder listens on
 * 127.0.0.1:EGRESS_PORT and passes each connection through a unix socket, bound into the
 * sandbox, to this proxy in the worker; HTTP_PROXY / HTTPS_PROXY point there. The proxy speaks
 * HTTP CONNECT (any TCP, TLS included) and absolute-URI HTTP. For each request it reads the
 * host whatever its spelling (address.ts: IPv4 numbers, IPv4 inside IPv6, zone ids, brackets),
 * resolves a name once, refuses the connection if any address is loopback, link-local (cloud
 * metadata at 169.254.169.254), private, carrier-grade NAT, multicast or otherwise not public,
 * or cannot be read, unless the operator's allowlist names it, and then connects to the address
 * it checked, so a DNS answer that changes between check and use (rebinding) cannot slip through.
 *
 * What a task without a proxy-aware client gets: nothing. There is no route out of its
 * namespace other than the proxy.
 */
import { lookup } from 'node:dns/promises';
import { chmod, rm } from 'node:fs/promises';
import http from 'node:http';
import { BlockList, createConnection, isIP, type Socket } from 'node:net';
import { classify, parseHost, type Destination } from './address.ts';

/** Where the forwarder listens inside the sandbox (its own loopback). */
export const EGRESS_PORT = 3128;

/**
 * The name of the non-public range holding `address` (any spelling parseHost reads), 'not an IP
 * address', or null for a public address.
 */
export function nonPublicRange(address: string): string | null {
  const h = parseHost(address);
  return h.kind === 'address' ? classify(h.bytes).refused : 'not an IP address';
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
    const [addr, prefix, extra] = host.split('/');
    if (prefix !== undefined) {
      const family = isIP(addr);
      const bits = Number(prefix);
      if (!family || extra !== undefined || !/^\d+$/.test(prefix) || bits > (family === 6 ? 128 : 32))
        throw new Error(`egress allowlist: bad prefix in '${text}'`);
      const net = new BlockList();
      net.addSubnet(addr, bits, family === 6 ? 'ipv6' : 'ipv4');
      return { host: null, net, port, text };
    }
    // One address in any spelling the guard reads, kept as the guard will see it (127.1 is
    // 127.0.0.1, ::ffff:10.0.0.5 is 10.0.0.5); a name without its trailing dot.
    const h = parseHost(host);
    if (h.kind === 'unreadable') throw new Error(`egress allowlist: cannot read '${text}'`);
    if (h.kind === 'name') return { host: h.name, net: null, port, text };
    const d = classify(h.bytes);
    const net = new BlockList();
    net.addAddress(d.address, d.family === 6 ? 'ipv6' : 'ipv4');
    return { host: null, net, port, text };
  });
}

export type Verdict = { ok: true; address: string; family: 4 | 6 } | { ok: false; reason: string };

export type Resolve = (host: string) => Promise<{ address: string; family: number }[]>;

const systemResolve: Resolve = (host) => lookup(host, { all: true, verbatim: true });

export class EgressGuard {
  private readonly allow: AllowRule[];
  private readonly resolve: Resolve;
  private readonly refusal: string;

  /** `refusal` ends the reason of a refusal: who may not reach it, and the setting that lists
   *  exceptions (the guard also checks the JWKS fetches of HTTP APIs' JWT authorizers). */
  constructor(
    allow: string[],
    resolve: Resolve = systemResolve,
    refusal = 'not reachable from tasks (HANGAR_EGRESS_ALLOW lists exceptions)',
  ) {
    this.allow = parseAllowlist(allow);
    this.resolve = resolve;
    this.refusal = refusal;
  }

  /**
   * Where a connection to host:port may go, or why it may not. The host may be spelt any way
   * (see address.ts); a name is resolved once, every address it has must pass, and the verdict
   * carries the checked address to connect to, so that nothing resolves it again.
   */
  async check(host: string, port: number): Promise<Verdict> {
    if (!Number.isInteger(port) || port < 1 || port > 65535) return { ok: false, reason: `bad port ${port}` };
    const target = parseHost(host);
    if (target.kind === 'unreadable') return { ok: false, reason: `cannot read host '${host}': ${target.why}` };
    const refuse = (why: string) => ({
      ok: false as const,
      reason: `${why}: ${this.refusal}`,
    });
    if (target.kind === 'address') {
      const d = classify(target.bytes);
      const written = host.replace(/^\[|\]$/g, '').toLowerCase();
      if (d.refused && !this.allowed(null, d, port))
        return refuse(`${host}:${port} is ${d.address === written ? '' : `${d.address}, `}${d.refused}`);
      return { ok: true, address: d.address, family: d.family };
    }
    const name = target.name;
    let found: { address: string; family: number }[];
    try {
      found = await this.resolve(name);
    } catch (err) {
      return { ok: false, reason: `cannot resolve ${name}: ${(err as { code?: string }).code ?? String(err)}` };
    }
    if (found.length === 0) return { ok: false, reason: `cannot resolve ${name}` };
    // Every address the name has must pass: a name with one public and one private address
    // is refused, or a client retrying the second address would reach the private one.
    const checked: Destination[] = [];
    for (const a of found) {
      const h = parseHost(a.address);
      if (h.kind !== 'address') return { ok: false, reason: `${name} resolves to '${a.address}', not an address` };
      const d = classify(h.bytes);
      if (d.refused && !this.allowed(name, d, port)) {
        return refuse(`${name}:${port} resolves to ${a.address}${d.address === a.address ? '' : ` (${d.address})`}, ${d.refused}`);
      }
      checked.push(d);
    }
    return { ok: true, address: checked[0].address, family: checked[0].family };
  }

  private allowed(name: string | null, d: Destination, port: number): boolean {
    const type = d.family === 6 ? 'ipv6' : 'ipv4';
    return this.allow.some(
      (r) => (r.port === null || r.port === port) && (r.host !== null ? r.host === name : r.net!.check(d.address, type)),
    );
  }
}

export interface EgressProxy {
  /** Connections let through and refused, with reasons (for the attempt's accounting). */
  readonly stats: { allowed: number; denied: string[] };
  close(): Promise<void>;
}

const HOP_BY_HOP = [
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authorization',
  'proxy-authenticate',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
];

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
      // Not an absolute URI, or one whose host URL cannot read (an IPv6 zone id, 1.2.3.09, …).
      res
        .writeHead(400, { 'content-type': 'text/plain' })
        .end('hangar egress proxy: send absolute-URI requests with a valid host, or CONNECT\n');
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
        {
          host: v.address,
          family: v.family,
          port: Number(url.port || 80),
          method: req.method,
          path: url.pathname + url.search,
          headers,
          setHost: false,
        },
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
      let established = false;
      up.once('connect', () => {
        established = true;
        client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        if (head.length) up.write(head);
        up.pipe(client);
        client.pipe(up);
      });
      up.on('error', (err) => {
        // `up.connecting` is already false when a failed connect reports its error.
        if (!established) client.end(`HTTP/1.1 502 Bad Gateway\r\n\r\n${err.message}\n`);
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
