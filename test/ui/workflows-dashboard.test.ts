/**
 * The dashboard's workflow pages in Debian's chromium (playwright-core), against a real Hangar:
 * a state machine with a Choice, a Parallel and a Map over Pass states, created and run through
 * the REST API, is listed; its page draws a node per state and its edges; an execution's page
 * colours the states by the history, shows a clicked state's input and output, and moves
 * between the Map's iterations; a running execution is live and stops from its Stop button. No
 * console error, failed request or other origin. Screenshots go to test-artifacts/dashboard-wf-*.png.
 */
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { chromium, type Browser, type Page as PwPage } from 'playwright-core';
import { CHROMIUM, NO_CHROMIUM, openDashboard, shot } from '../helpers/dashboard.ts';
import { testPlatform, until, type TestPlatform } from '../helpers/platform.ts';
import { PIPELINE, PIPELINE_INPUT, runToEnd } from '../helpers/workflow-graph.ts';

const skip = CHROMIUM ? false : NO_CHROMIUM;

/** What the page-side functions read (the test's types know no DOM). */
interface Doc {
  document: {
    querySelector(sel: string): { textContent: string | null; getAttribute(a: string): string | null } | null;
    getElementById(id: string): { textContent: string | null } | null;
  };
}

let p: TestPlatform;
let browser: Browser;
before(async () => {
  if (skip) return;
  // Workflows run where the API is; Pass states need no worker.
  p = await testPlatform({}, { api: true, workers: false });
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu'] });
});
after(async () => {
  await browser?.close();
  await p?.close();
});

const open = () => openDashboard(browser, p.url!, { width: 1400, height: 1000 });

/** The status a drawn state shows (its data-status), by its path in the graph. */
const statusOf = (page: PwPage, path: string) => page.getAttribute(`#wf-graph [data-path="${path}"]`, 'data-status');

const PATHS = [
  'Classify',
  'Single',
  'Fan',
  'Fan/0/Left',
  'Fan/1/Right',
  'Fan/1/RightDone',
  'Each',
  'Each/*/Check',
  'Each/*/Double',
  'Each/*/Broken',
  'Recover',
  'Done',
];

it('draws a state machine and colours an execution on it; a state shows its input and output; Map iterations are navigable', {
  skip,
  timeout: 120_000,
}, async () => {
  const { id, execution } = await runToEnd(p, 'pipeline', PIPELINE, PIPELINE_INPUT);
  assert.equal(execution.status, 'SUCCEEDED');
  const { page, problems } = await open();

  // The list, then the state machine's page: a node per state (nested ones too), its edges, Start and End.
  await page.click('nav a[data-nav="workflows"]');
  await page.waitForSelector('#state-machines a');
  assert.match((await page.textContent('#state-machines'))!, /pipeline\s*STANDARD\s*6/);
  assert.match((await page.textContent('#executions'))!, /SUCCEEDED/);
  await page.click('#state-machines a');
  await page.waitForSelector('#wf-graph');
  const drawn = await page.$$eval('#wf-graph [data-path]', (els) => els.map((e) => e.getAttribute('data-path')));
  assert.deepEqual([...new Set(drawn)].sort(), [...PATHS].sort());
  const edges = await page.$$eval('#wf-graph path.wf-edge', (els) =>
    els.map((e) => `${e.getAttribute('data-from')}>${e.getAttribute('data-to')}`),
  );
  for (const e of [
    'Start>Classify',
    'Classify>Fan',
    'Classify>Single',
    'Fan>Each',
    'Each>Done',
    'Each>Recover',
    'Recover>Done',
    'Fan/1/Right>Fan/1/RightDone',
    'Each/*/Check>Each/*/Double',
    'Each/*/Check>Each/*/Broken',
    'Done>End',
    'Single>End',
  ])
    assert.ok(edges.includes(e), `edge ${e} in ${edges.join(' ')}`);
  assert.equal(await page.$$eval('#wf-graph path.e-catch', (els) => els.length), 1);
  // A state's definition beside the graph.
  await page.click('#wf-graph [data-path="Each"]');
  await page.waitForFunction(() =>
    ((globalThis as unknown as Doc).document.getElementById('wf-state')?.textContent ?? '').includes('ToleratedFailureCount'),
  );
  // Folding the Map hides its processor; unfolding shows it again.
  await page.click('#wf-graph [data-toggle="Each"]');
  await page.waitForFunction(() => !(globalThis as unknown as Doc).document.querySelector('#wf-graph [data-path="Each/*/Check"]'));
  await page.click('#wf-graph [data-toggle="Each"]');
  await page.waitForSelector('#wf-graph [data-path="Each/*/Check"]');
  await shot(page, 'wf-state-machine');

  // The machine changes: the execution is still drawn on the definition it ran.
  const patched = await p.inject({
    method: 'PATCH',
    url: '/state-machines/pipeline',
    payload: { definition: { StartAt: 'Only', States: { Only: { Type: 'Pass', End: true } } } },
  });
  assert.equal(patched.statusCode, 200, patched.body);

  // The execution: the states taken are green, the others grey, a failed iteration's Fail red.
  await page.click(`#executions a[href*="${id}"]`);
  await page.waitForSelector('#wf-graph [data-status="succeeded"]');
  assert.match((await page.textContent('#wf-info'))!, /SUCCEEDED/);
  const ran = await page.$$eval('#wf-graph [data-path]', (els) => els.map((e) => e.getAttribute('data-path')));
  assert.deepEqual([...new Set(ran)].sort(), [...PATHS].sort());
  const expected: Record<string, string> = {
    Classify: 'succeeded',
    Single: 'not-run',
    Fan: 'succeeded',
    'Fan/0/Left': 'succeeded',
    'Fan/1/Right': 'succeeded',
    'Fan/1/RightDone': 'succeeded',
    Each: 'succeeded',
    'Each/*/Check': 'succeeded',
    'Each/*/Double': 'succeeded',
    'Each/*/Broken': 'not-run',
    Recover: 'not-run',
    Done: 'succeeded',
  };
  for (const [path, s] of Object.entries(expected)) assert.equal(await statusOf(page, path), s, path);
  assert.equal(await page.isVisible('#wf-stop'), false, 'no Stop for an ended execution');

  // From the keyboard: a state takes the focus and Enter selects it.
  await page.focus('#wf-graph [data-path="Classify"]');
  await page.keyboard.press('Enter');
  await page.waitForFunction(() =>
    ((globalThis as unknown as Doc).document.getElementById('wf-state')?.textContent ?? '').startsWith('Classify'),
  );

  // A state's input and output.
  await page.click('#wf-graph [data-path="Fan/0/Left"]');
  await page.waitForSelector('#wf-state-output');
  assert.match((await page.textContent('#wf-state-input'))!, /kind[\s\S]*"many"/);
  assert.match((await page.textContent('#wf-state-output'))!, /"L"/);
  assert.match((await page.textContent('#wf-state-info'))!, /succeeded/);

  // The Map: its counts, and iteration 1 (the bad item) on the graph, then 2.
  await page.click('#wf-graph [data-path="Each"]');
  await page.waitForSelector('#wf-iterations');
  assert.match((await page.textContent('#wf-iteration-counts'))!, /3 items: 2 succeeded, 1 failed/);
  assert.match((await page.textContent('#wf-graph [data-path="Each"]'))!, /✓2 ✗1/);
  await page.click('#wf-iterations [data-iteration="1"]');
  await page.waitForFunction(
    () =>
      (globalThis as unknown as Doc).document.querySelector('#wf-graph [data-path="Each/*/Broken"]')?.getAttribute('data-status') ===
      'failed',
  );
  assert.equal(await statusOf(page, 'Each/*/Double'), 'not-run');
  assert.equal(await statusOf(page, 'Each/*/Check'), 'succeeded');
  await shot(page, 'wf-execution');
  await page.click('#wf-graph [data-path="Each/*/Broken"]');
  await page.waitForSelector('#wf-state-input');
  assert.match((await page.textContent('#wf-state-input'))!, /bad[\s\S]*true/);
  assert.equal(await page.textContent('#wf-state-where'), 'Each: iteration 1');
  assert.match((await page.textContent('#wf-state-info'))!, /failed/);
  // The next iteration from the picker: the good item 3, doubled.
  await page.click('#wf-graph [data-path="Each"]');
  await page.click('#wf-iteration-next');
  await page.waitForFunction(
    () =>
      (globalThis as unknown as Doc).document.querySelector('#wf-graph [data-path="Each/*/Double"]')?.getAttribute('data-status') ===
      'succeeded',
  );
  await page.click('#wf-graph [data-path="Each/*/Double"]');
  await page.waitForSelector('#wf-state-output');
  assert.match((await page.textContent('#wf-state-output'))!, /n[\s\S]*6/);
  assert.deepEqual(problems, []);
  await page.close();
});

it('follows a running execution live and stops one from its page', { skip, timeout: 120_000 }, async () => {
  const definition = {
    StartAt: 'First',
    States: {
      First: { Type: 'Pass', Next: 'Hold' },
      Hold: { Type: 'Wait', Seconds: 3600, Next: 'Last' },
      Last: { Type: 'Pass', End: true },
    },
  };
  assert.equal((await p.inject({ method: 'POST', url: '/state-machines', payload: { name: 'hold', definition } })).statusCode, 201);
  const start = async () => {
    const id = (await p.inject({ method: 'POST', url: '/state-machines/hold/executions', payload: { input: { x: 1 } } })).json()
      .id as string;
    await until(async () => (await p.inject({ method: 'GET', url: `/executions/${id}/history` })).json().events.length >= 4 || null);
    return id;
  };
  const holding = async (page: PwPage, id: string) => {
    await page.goto(`${p.url}/ui/#/execution/${id}`);
    await page.waitForFunction(
      (x) =>
        (globalThis as unknown as Doc).document.querySelector('#wf-info')?.textContent?.includes(x) &&
        (globalThis as unknown as Doc).document.querySelector('#wf-graph [data-path="Hold"]')?.getAttribute('data-status') === 'running',
      id,
    );
    assert.equal(await statusOf(page, 'First'), 'succeeded');
    assert.equal(await statusOf(page, 'Last'), 'not-run');
    assert.match((await page.textContent('#wf-info'))!, /RUNNING/);
    assert.equal(await page.isVisible('#wf-stop'), true);
  };
  const { page, problems } = await open();

  // Stopped by someone else: the page, polling the history, shows it by itself.
  const other = await start();
  await holding(page, other);
  const stopped = await p.inject({ method: 'POST', url: `/executions/${other}/stop`, payload: { error: 'Elsewhere' } });
  assert.equal(stopped.json().status, 'ABORTED');
  await page.waitForFunction(
    () => (globalThis as unknown as Doc).document.querySelector('#wf-graph [data-path="Hold"]')?.getAttribute('data-status') === 'aborted',
  );
  assert.match((await page.textContent('#wf-info'))!, /ABORTED[\s\S]*Elsewhere/);

  // Stopped from its page.
  const id = await start();
  await holding(page, id);
  await page.click('#wf-stop');
  await page.waitForFunction(
    () => (globalThis as unknown as Doc).document.querySelector('#wf-graph [data-path="Hold"]')?.getAttribute('data-status') === 'aborted',
  );
  assert.match((await page.textContent('#wf-info'))!, /ABORTED[\s\S]*Stopped/);
  assert.equal((await p.inject({ method: 'GET', url: `/executions/${id}` })).json().status, 'ABORTED');
  assert.equal(await page.isVisible('#wf-stop'), false);
  await shot(page, 'wf-stopped');
  assert.deepEqual(problems, []);
  await page.close();
});
