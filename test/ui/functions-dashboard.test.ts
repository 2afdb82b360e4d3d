/**
 * The dashboard's function pages in Debian's chromium (playwright-core): the functions list
 * links each function's page, which shows its invocations, errors, cold starts, durations and
 * concurrency from the records, and an invocation's log on request; no console error, failed
 * request or other origin. Screenshots go to test-artifacts/dashboard-function*.png. Skipped
 * where chromium or the sandbox is missing.
 */
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { chromium, type Browser } from 'playwright-core';
import { CHROMIUM, NO_CHROMIUM, openDashboard, shot } from '../helpers/dashboard.ts';
import { testPlatform, until, type TestPlatform } from '../helpers/platform.ts';
import { TEST_EXECUTOR_ENV } from '../helpers/process.ts';
import { makeZip } from '../helpers/zip.ts';

const skip = !CHROMIUM
  ? NO_CHROMIUM
  : TEST_EXECUTOR_ENV.HANGAR_EXECUTOR === 'process'
    ? 'no sandbox on this host: functions run only sandboxed'
    : false;

interface Doc {
  document: { getElementById(id: string): { textContent: string | null } | null; querySelectorAll(sel: string): { length: number } };
}

let p: TestPlatform;
let browser: Browser;
before(async () => {
  if (skip) return;
  p = await testPlatform({ HANGAR_WORKERS: '2' });
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu'] });
});
after(async () => {
  await browser?.close();
  await p?.close();
});

it('lists functions; a function page shows its figures, recent invocations and their logs', { skip, timeout: 120_000 }, async () => {
  const zip = makeZip({
    'index.js': `exports.handler = async (e) => { console.log('hello from', e.n); if (e.fail) throw new RangeError('bad'); return e.n; };`,
  });
  const put = await p.inject({
    method: 'PUT',
    url: '/functions/greeter',
    payload: { zip: zip.toString('base64'), runtime: 'nodejs', handler: 'index.handler' },
  });
  assert.equal(put.statusCode, 201, put.body);
  for (const payload of [{ n: 1 }, { n: 2 }, { n: 3, fail: true }])
    assert.equal((await p.inject({ method: 'POST', url: '/functions/greeter/invoke', payload })).statusCode, 200);
  await until(async () =>
    (await p.inject({ method: 'GET', url: '/functions/greeter/invocations' })).json().invocations.length === 3 ? true : null,
  );

  const { page, problems } = await openDashboard(browser, p.url!);

  await page.click('nav a[data-nav="functions"]');
  await page.waitForSelector('#functions a');
  assert.match((await page.textContent('#functions'))!, /greeter[\s\S]*128 MB/);
  await shot(page, 'functions');

  await page.click('#functions a');
  await page.waitForFunction(() =>
    ((globalThis as unknown as Doc).document.getElementById('fn-cards')?.textContent ?? '').includes('invocations'),
  );
  const cards = (await page.textContent('#fn-cards'))!;
  assert.match(cards, /3\s*invocations/);
  assert.match(cards, /1\s*errors/);
  assert.match(cards, /1\s*cold starts/);
  assert.match(cards, /1\s*peak concurrency/);
  assert.match(cards, /none\s*circuit breaker/);
  assert.ok((await page.$$('#fn-calls polyline, #fn-calls circle')).length > 0, 'a chart of invocations per minute');
  const rows = (await page.textContent('#fn-invocations'))!;
  assert.match(rows, /error: RangeError/);
  assert.equal((await page.$$('#fn-invocations button[data-log]')).length, 3);

  // The newest is the failed one; its log is START … the output … REPORT.
  await page.click('#fn-invocations button[data-log]');
  await page.waitForFunction(() => ((globalThis as unknown as Doc).document.getElementById('log')?.textContent ?? '').startsWith('START'));
  const log = (await page.textContent('#log'))!;
  assert.match(log, /^START RequestId: \S+ Version: \$LATEST\n[\s\S]*hello from 3[\s\S]*END RequestId[\s\S]*REPORT RequestId/);
  await shot(page, 'function');

  // A breaker that one failure opens: the page's next refresh shows it open.
  const breaker = { failureThreshold: 1, windowSeconds: 60, cooldownSeconds: 3600 };
  assert.equal((await p.inject({ method: 'PUT', url: '/functions/greeter/circuit-breaker', payload: breaker })).statusCode, 200);
  assert.equal((await p.inject({ method: 'POST', url: '/functions/greeter/invoke', payload: { n: 4, fail: true } })).statusCode, 200);
  await page.waitForFunction(
    () => /open\s*circuit breaker/.test((globalThis as unknown as Doc).document.getElementById('fn-cards')?.textContent ?? ''),
    undefined,
    { timeout: 30_000 },
  );
  assert.match((await page.getAttribute('[data-card="circuit breaker"]', 'title'))!, /opens at 1 failures in 60 s[\s\S]*next probe/);
  await shot(page, 'function-breaker');
  assert.deepEqual(problems, []);
  await page.close();
});
