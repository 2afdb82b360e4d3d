/**
 * The dashboard's HTTP API pages in Debian's chromium (playwright-core), with a user's key: the
 * list shows the user's APIs (not another user's) with where each is served and its route count;
 * an API's page shows its routes (target, auth, payload format, throttle, cache), its stages with
 * their variables, CORS and the custom domain names mapped to it, and a route's function links
 * that function's page. An admin sees a user's APIs with ?user= (its own list: the empty state).
 * The list's route counts and the page's mappings are one request each (not one per API or per
 * domain name). No console error, failed request or other origin. Screenshots go to
 * test-artifacts/dashboard-http-api*.png. Skipped without chromium. Nothing is invoked, so no
 * sandbox is needed.
 */
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { CreateStageCommand } from '@aws-sdk/client-apigatewayv2';
import { chromium, type Browser, type Page } from 'playwright-core';
import { apiGatewayClient } from '../helpers/apigatewayv2.ts';
import { CHROMIUM, NO_CHROMIUM, openDashboard, shot } from '../helpers/dashboard.ts';
import { testPlatform, type TestPlatform, userKey } from '../helpers/platform.ts';
import { makeZip } from '../helpers/zip.ts';

const skip = CHROMIUM ? false : NO_CHROMIUM;

interface Doc {
  document: { querySelector(sel: string): { textContent: string | null } | null };
  location: { hash: string };
}

let p: TestPlatform;
let browser: Browser;
before(async () => {
  if (skip) return;
  p = await testPlatform({ HANGAR_DOMAIN_NAME_SUFFIXES: 'example.test' }, { api: true, workers: false });
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu'] });
});
after(async () => {
  await browser?.close();
  await p?.close();
});

const text = async (page: Page, sel: string) => (await page.textContent(sel)) ?? '';
/** The texts of a table row's cells. */
const cells = (page: Page, sel: string) => page.$$eval(`${sel} td`, (tds) => tds.map((td) => td.textContent ?? ''));
/** Waits until the element's text matches (the pages fill in after their requests). */
const textMatches = (page: Page, sel: string, re: RegExp) =>
  page.waitForFunction(([s, src]) => new RegExp(src).test((globalThis as unknown as Doc).document.querySelector(s)?.textContent ?? ''), [
    sel,
    re.source,
  ] as const);

it("lists a user's HTTP APIs; an API's page shows its routes, stages, CORS and domains, and links the functions", {
  skip,
  timeout: 60_000,
}, async () => {
  const alice = await userKey(p, 'alice');
  const bob = await userKey(p, 'bob');
  const as = async (key: string, method: 'POST' | 'PUT', url: string, payload: object) => {
    const res = await p.inject({ method, url, auth: key, payload });
    assert.ok(res.statusCode < 300, `${method} ${url}: ${res.body}`);
    return res.json();
  };
  const zip = makeZip({ 'index.js': 'exports.handler = async () => ({ statusCode: 200, body: "hi" });' });
  await as(alice.key, 'PUT', '/functions/greeter', { zip: zip.toString('base64'), runtime: 'nodejs', handler: 'index.handler' });
  const shop = await as(alice.key, 'POST', '/http-apis', {
    name: 'shop',
    cors: { allowOrigins: ['https://app.example.test'], allowMethods: ['GET', 'POST'], maxAgeS: 300 },
    throttle: { rate: 100, burst: 200 },
    stageVariables: { tier: 'default' },
  });
  const routes = `/http-apis/${shop.apiId}/routes`;
  await as(alice.key, 'POST', routes, {
    routeKey: 'GET /items/{id}',
    functionName: 'greeter',
    auth: { kind: 'jwt', issuer: 'https://issuer.example.test', audience: ['shop-app'] },
    throttle: { rate: 5, burst: 10 },
    cacheTtlS: 30,
  });
  await as(alice.key, 'POST', routes, {
    routeKey: 'POST /items',
    functionName: 'greeter',
    payloadFormatVersion: '1.0',
    auth: {
      kind: 'lambda',
      functionName: 'greeter',
      identitySource: ['$request.header.Authorization'],
      resultTtlS: 60,
      payloadFormatVersion: '1.0',
    },
  });
  await as(alice.key, 'POST', routes, { routeKey: '$default', functionName: 'greeter', auth: { kind: 'key' } });
  await apiGatewayClient(p.url!, alice).send(
    new CreateStageCommand({ ApiId: shop.apiId, StageName: 'prod', StageVariables: { tier: 'prod', table: 'orders' } }),
  );
  await as(alice.key, 'POST', '/domain-names', { domainName: 'shop.example.test' });
  await as(alice.key, 'POST', '/domain-names/shop.example.test/mappings', { apiId: shop.apiId, stage: 'prod', apiMappingKey: 'v1' });
  const bobs = await as(bob.key, 'POST', '/http-apis', { name: 'bobs-api' });
  await as(bob.key, 'POST', '/domain-names', { domainName: 'bobs.example.test' });
  await as(bob.key, 'POST', '/domain-names/bobs.example.test/mappings', { apiId: bobs.apiId });

  const { page, problems } = await openDashboard(browser, p.url!, undefined, alice.key);
  // The API paths the pages ask for: the list's route counts and the page's mappings come with
  // one request each, not one per API or per domain name.
  const asked: string[] = [];
  page.on('request', (r) => {
    const url = new URL(r.url());
    if (url.origin === p.url) asked.push(url.pathname);
  });
  await page.click('nav a[data-nav="http-apis"]');
  await page.waitForSelector(`#http-apis tr[data-api="${shop.apiId}"]`);
  assert.deepEqual(
    asked.filter((path) => path.startsWith('/http-apis')),
    ['/http-apis'],
  );
  const [name, id, address, host, count, cors] = await cells(page, `#http-apis tr[data-api="${shop.apiId}"]`);
  assert.deepEqual([name, id, address, count, cors], ['shop', shop.apiId, `${p.url}/http/${shop.apiId}`, '3', 'on']);
  assert.equal(host, `http://${shop.apiId}.execute-api.${new URL(p.url!).host}`);
  const list = await text(page, '#http-apis');
  assert.ok(!list.includes('bobs-api') && !list.includes(bobs.apiId), "another user's API is not listed");
  assert.equal((await page.$$('#http-apis tr[data-api]')).length, 1);
  assert.doesNotMatch(await text(page, '#view'), /null|undefined/);
  await shot(page, 'http-apis');

  await page.click(`#http-apis tr[data-api="${shop.apiId}"] a`);
  await page.waitForSelector('#api-routes tr[data-route]');
  assert.equal(await text(page, '#api-title'), 'HTTP API shop (alice)');
  const about = await text(page, '#api-about');
  assert.match(about, /default throttle\s*100\/s, burst 200/);
  const route = (key: string) => cells(page, `#api-routes tr[data-route="${key}"]`);
  assert.deepEqual(await route('GET /items/{id}'), [
    'GET /items/{id}',
    'greeter',
    'JWT https://issuer.example.test (aud shop-app)',
    '2.0',
    '5/s, burst 10',
    '30 s',
  ]);
  assert.deepEqual(await route('POST /items'), [
    'POST /items',
    'greeter',
    'Lambda authorizer greeter · payload 1.0 · TTL 60 s',
    '1.0',
    'the API’s',
    'off',
  ]);
  assert.deepEqual(await route('$default'), ['$default', 'greeter', 'Hangar key', '2.0', 'the API’s', 'off']);
  assert.deepEqual(await cells(page, '#api-stages tr[data-stage="$default"]'), ['$default', `${p.url}/http/${shop.apiId}`, 'tier=default']);
  assert.deepEqual(await page.$$eval('#api-stages tr[data-stage="prod"] code', (cs) => cs.map((c) => c.textContent)), [
    'tier=prod',
    'table=orders',
  ]);
  assert.equal((await cells(page, '#api-stages tr[data-stage="prod"]'))[1], `${p.url}/http/${shop.apiId}/prod`);
  assert.match(await text(page, '#api-cors'), /origins\s*https:\/\/app\.example\.test[\s\S]*methods\s*GET, POST[\s\S]*max age\s*300 s/);
  // Every mapping row's cells: alice's one, not bob's.
  assert.deepEqual(await cells(page, '#api-domains tr[data-mapping]'), ['shop.example.test', 'v1', 'prod', 'shop.example.test/v1']);
  assert.ok(asked.includes(`/http-apis/${shop.apiId}/domain-mappings`), asked.join(' '));
  assert.deepEqual(
    asked.filter((path) => path.startsWith('/domain-names')),
    [],
    'no request per domain name',
  );
  assert.doesNotMatch(await text(page, '#view'), /null|undefined/);
  await shot(page, 'http-api');

  // The route's function links the function's page.
  await page.click('#api-routes tr[data-route="GET /items/{id}"] td:nth-child(2) a');
  await page.waitForFunction(() => (globalThis as unknown as Doc).location.hash === '#/function/greeter');
  await textMatches(page, '#fn-cards', /0\s*invocations/);
  assert.match((await page.getAttribute('nav a.on', 'data-nav')) ?? '', /^functions$/);
  assert.deepEqual(problems, []);
  await page.close();

  // An admin has none of its own (the empty state says how to make one), reads alice's with
  // ?user=, and their links keep the user.
  const admin = await openDashboard(browser, p.url!);
  await admin.page.click('nav a[data-nav="http-apis"]');
  await textMatches(admin.page, '#http-apis', /no HTTP APIs: create one with hangar http-api create/);
  await admin.page.evaluate(() => {
    (globalThis as unknown as Doc).location.hash = '#/http-apis?user=alice';
  });
  await admin.page.waitForSelector(`#http-apis tr[data-api="${shop.apiId}"]`);
  assert.equal(await admin.page.getAttribute(`#http-apis tr[data-api="${shop.apiId}"] a`, 'href'), `#/http-api/${shop.apiId}?user=alice`);
  await admin.page.click(`#http-apis tr[data-api="${shop.apiId}"] a`);
  await admin.page.waitForSelector('#api-routes tr[data-route]');
  assert.equal(
    await admin.page.getAttribute('#api-routes tr[data-route="POST /items"] td:nth-child(2) a', 'href'),
    '#/function/greeter?user=alice',
  );
  assert.deepEqual(admin.problems, []);
  await admin.page.close();
});
