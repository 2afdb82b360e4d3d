/**
 * HTTP APIs on the scale-out shape as real processes: an API and its routes made through one
 * `hangar server` are served by another (the gateway reads them from the shared database), and a
 * change made through the first reaches the second within the gateway's keep time (a second).
 * The servers run no workers, so a matched route answers 503 (no host runs functions there):
 * what tells a known route from an unknown one (404) here.
 */
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { startCluster, type Cluster } from '../helpers/cluster.ts';
import { until } from '../helpers/platform.ts';
import { makeZip } from '../helpers/zip.ts';

let c: Cluster;
before(async () => {
  c = await startCluster({ servers: 2 });
});
after(async () => c?.close());

it('an API made through one API node is served by another; a deleted route is gone there within a second', async () => {
  const [a, b] = c.servers.map((s) => s.url) as [string, string];
  const zip = makeZip({ 'index.js': 'exports.handler = async () => 1;' }).toString('base64');
  assert.equal((await c.call('PUT', '/functions/f', { zip, runtime: 'nodejs', handler: 'index.handler' }, a)).status, 201);
  const api = await c.call('POST', '/http-apis', { name: 'shared' }, a);
  assert.equal(api.status, 201);
  const id = api.body.apiId as string;
  assert.equal((await c.call('POST', `/http-apis/${id}/routes`, { routeKey: 'GET /f', functionName: 'f' }, a)).status, 201);

  const onB = await fetch(`${b}/http/${id}/f`);
  assert.equal(onB.status, 503, 'the route is known on the other node; no host runs functions there');
  assert.deepEqual(await onB.json(), { message: 'Service Unavailable' });
  assert.equal((await fetch(`${b}/http/${id}/g`)).status, 404);

  assert.equal((await c.call('DELETE', `/http-apis/${id}/routes/${encodeURIComponent('GET /f')}`, undefined, a)).status, 200);
  assert.equal((await fetch(`${a}/http/${id}/f`)).status, 404, 'at once on the node that changed it');
  await until(async () => (await fetch(`${b}/http/${id}/f`)).status === 404, 5000, 100);
});

/** Requests to `urls`, one to each every 1000/perSecond ms for about `ms` (a late timer sends
 *  the ones it owes at once): how many each answer was not 429, and the ms from the first
 *  request out to the last answer in. */
async function drive(urls: string[], perSecond: number, ms: number): Promise<{ sent: number; admitted: number; elapsedMs: number }> {
  const answers: Promise<number>[] = [];
  const started = performance.now();
  for (let i = 0; performance.now() - started < ms; i++) {
    for (const url of urls) answers.push(fetch(url).then(async (res) => (await res.arrayBuffer(), res.status)));
    await new Promise((r) => setTimeout(r, Math.max(0, started + ((i + 1) * 1000) / perSecond - performance.now())));
  }
  const statuses = await Promise.all(answers);
  const elapsedMs = performance.now() - started;
  const unexpected = statuses.filter((s) => s !== 429 && s !== 503);
  assert.deepEqual(unexpected, [], 'throttled (429) or let through to find no function host (503)');
  return { sent: statuses.length, admitted: statuses.filter((s) => s === 503).length, elapsedMs };
}

it("a route's throttle holds across API nodes: traffic spread over two is let through about once, not twice", {
  timeout: 60_000,
}, async () => {
  const [a, b] = c.servers.map((s) => s.url) as [string, string];
  const zip = makeZip({ 'index.js': 'exports.handler = async () => 1;' }).toString('base64');
  assert.equal((await c.call('PUT', '/functions/throttled', { zip, runtime: 'nodejs', handler: 'index.handler' }, a)).status, 201);
  const id = (await c.call('POST', '/http-apis', { name: 'throttled' }, a)).body.apiId as string;
  const limit = { rate: 10, burst: 2 };
  for (const routeKey of ['GET /spread', 'GET /alone']) {
    const r = await c.call('POST', `/http-apis/${id}/routes`, { routeKey, functionName: 'throttled', throttle: limit }, a);
    assert.equal(r.status, 201, JSON.stringify(r.body));
  }
  // Each node is offered three times the rate, for five seconds.
  const perSecond = 3 * limit.rate;
  const ms = 5000;

  // The control: the same traffic to one node alone is let through at the route's rate, as before.
  const alone = await drive([`${a}/http/${id}/alone`, `${a}/http/${id}/alone`], perSecond, ms);
  const aloneS = alone.elapsedMs / 1000;
  assert.ok(alone.admitted <= limit.burst + limit.rate * aloneS + 1, `one node, a token bucket: ${JSON.stringify(alone)}`);
  assert.ok(alone.admitted >= (limit.rate * aloneS) / 4, `one node is not held back: ${JSON.stringify(alone)}`);

  // Spread over the two nodes: about the rate in all. Beyond one node's: the other's first
  // burst, what each took before hearing of the other's (paid back, up to a second of the rate).
  // Counted per node it would be about twice the control's.
  const spread = await drive([`${a}/http/${id}/spread`, `${b}/http/${id}/spread`], perSecond, ms);
  const spreadS = spread.elapsedMs / 1000;
  const ceiling = 2 * limit.burst + 1.25 * limit.rate * spreadS + limit.rate;
  assert.ok(spread.admitted <= ceiling, `two nodes let through ${spread.admitted}, more than ${ceiling}: ${JSON.stringify(spread)}`);
  assert.ok(spread.admitted >= (limit.rate * spreadS) / 4, `two nodes are not held back: ${JSON.stringify(spread)}`);
});
