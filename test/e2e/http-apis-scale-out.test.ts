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
