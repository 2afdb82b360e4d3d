/**
 * The real egress proxy, run inside a network namespace that has only loopback (started by
 * egress-netns.ts), with listeners on that loopback to show what got through. A destination the
 * guard wrongly lets through reaches a listener here or fails with ENETUNREACH: no packet of an
 * egress test leaves the namespace, however wrong the guard is.
 *   node egress-netns-child.ts <socket path>
 * Prints one JSON line, {openPort, okPort}, when ready; answers each `stats` line on stdin with a
 * JSON line of the proxy's stats and the resolver's calls; stops when stdin ends.
 */
import { lookup } from 'node:dns/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { networkInterfaces } from 'node:os';
import { createInterface } from 'node:readline';
import { EgressGuard, startEgressProxy } from '../../src/executor/sandbox/index.ts';

const socketPath = process.argv[2];
const interfaces = Object.keys(networkInterfaces());
if (interfaces.join() !== 'lo') {
  process.stderr.write(`egress-netns-child: refusing to run with interfaces ${interfaces.join(', ')}: only loopback may be here\n`);
  process.exit(3);
}

async function listen(host: string, port: number, body: string, ipv6Only = false): Promise<http.Server> {
  const s = http.createServer((q, r) => r.end(`${body} ${q.socket.localAddress}`));
  await new Promise<void>((resolve, reject) => s.once('error', reject).listen({ host, port, ipv6Only }, resolve));
  return s;
}
// Every address of the namespace (all of them loopback), IPv4 and IPv6: any loopback spelling
// the guard fails to refuse is answered here.
const open = await listen('::', 0, 'reached');
const openPort = (open.address() as AddressInfo).port;
// The one place the allowlist opens, and a decoy on the same port of ::1 (see rebind.test).
const ok = await listen('127.0.0.1', 0, 'ok');
const okPort = (ok.address() as AddressInfo).port;
const decoy = await listen('::1', okPort, 'decoy', true);

/** DNS answers for the names the tests use; other names go to the system resolver (/etc/hosts). */
const answers: Record<string, (call: number) => string[]> = {
  'mapped.test': () => ['::ffff:7f00:1'],
  'meta.test': () => ['169.254.169.254'],
  'nat64.test': () => ['64:ff9b::a9fe:a9fe'],
  'zone.test': () => ['fe80::1%lo'],
  'mixed.test': () => ['93.184.216.34', '10.0.0.7'],
  'odd.test': () => ['127.0.0.1.5'],
  // DNS rebinding: the allowed address first, a refused one ever after (one name per request).
  'rebind-get.test': (call) => (call === 1 ? ['127.0.0.1'] : ['::1']),
  'rebind-connect.test': (call) => (call === 1 ? ['127.0.0.1'] : ['::1']),
};
const calls: Record<string, number> = {};
const guard = new EgressGuard([`127.0.0.1:${okPort}`], async (name) => {
  calls[name] = (calls[name] ?? 0) + 1;
  const answer = answers[name];
  if (!answer) return lookup(name, { all: true, verbatim: true });
  return answer(calls[name]).map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
});
const proxy = await startEgressProxy(socketPath, guard);
process.stdout.write(`${JSON.stringify({ openPort, okPort })}\n`);

const input = createInterface({ input: process.stdin });
input.on('line', (line) => {
  if (line === 'stats') process.stdout.write(`${JSON.stringify({ ...proxy.stats, calls })}\n`);
});
input.on('close', async () => {
  await proxy.close();
  for (const s of [open, ok, decoy]) s.close();
  process.exit(0);
});
