/**
 * The browser terminal end to end (issue 6): Debian's chromium, driven by playwright-core,
 * opens Hangar's page, enters a key, creates a project, opens a terminal, types commands and
 * reads their output from the page, as a user would. Saves a screenshot to
 * test-artifacts/browser-terminal.png. .ci/run installs chromium; without it the test is
 * skipped and says so.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { chromium, type Browser } from 'playwright-core';
import { testPlatform, type TestPlatform } from '../helpers/platform.ts';

const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));
const ARTIFACTS = join(import.meta.dirname, '..', '..', 'test-artifacts');

/** What the test's page-side functions use of the page (the test's types know no DOM; the
 *  functions run in the page, not through eval, so the page's CSP stays on). */
interface Page {
  hangarText(): string;
  document: { getElementById(id: string): { textContent: string | null; options?: { length: number } } | null };
}

let p: TestPlatform;
let browser: Browser;
let alice: string;

before(async () => {
  if (!CHROMIUM) return;
  p = await testPlatform();
  alice = (await p.inject({ method: 'POST', url: '/keys', payload: { userId: 'alice' } })).json().key;
  // Root in a container: chromium's own sandbox needs user namespaces it may not get.
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu'] });
});
after(async () => {
  await browser?.close();
  await p?.close();
});

it('types commands into the page and reads their output live, in order, from a project terminal', {
  skip: CHROMIUM ? false : 'chromium is not installed: apt-get install chromium',
  timeout: 120_000,
}, async () => {
  const page = await browser.newPage({ viewport: { width: 1100, height: 640 } });
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(e.message));
  await page.goto(`${p.url}/ui/terminal`);
  await page.fill('#key', alice);
  await page.dispatchEvent('#key', 'change');
  await page.fill('#new-project', 'from-the-browser');
  await page.click('#create');
  await page.waitForFunction(() => (globalThis as unknown as Page).document.getElementById('project')!.options!.length === 1);
  await page.fill('#terminal', 'main');
  await page.click('#open');
  await page.waitForFunction(
    () => (globalThis as unknown as Page).document.getElementById('state')!.textContent === 'terminal main: ready',
  );
  const lines = async () =>
    (await page.evaluate(() => (globalThis as unknown as Page).hangarText()))
      .split('\n')
      .map((l) => l.trimEnd())
      .filter(Boolean);
  /** Waits until the terminal shows this line on its own (not as part of what was typed). */
  const shows = (line: string) =>
    page.waitForFunction(
      (l) =>
        (globalThis as unknown as Page)
          .hangarText()
          .split('\n')
          .some((x) => x.trimEnd() === l),
      line,
      { timeout: 60_000 },
    );

  await page.click('#term');
  await page.keyboard.type('echo hello-from-the-browser > note.txt; cat note.txt');
  await page.keyboard.press('Enter');
  await shows('hello-from-the-browser');
  await shows('$'); // the next prompt: the command has ended
  await page.keyboard.type('wc -c note.txt; echo warn >&2');
  await page.keyboard.press('Enter');
  await shows('warn');
  await shows('$');
  // What was typed is echoed after the prompt; each command's output follows it, in order.
  assert.deepEqual(await lines(), [
    '$ echo hello-from-the-browser > note.txt; cat note.txt',
    'hello-from-the-browser',
    '$ wc -c note.txt; echo warn >&2',
    '23 note.txt',
    'warn',
    '$',
  ]);
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, 'browser-terminal.png') });
  assert.deepEqual(problems, [], 'no script errors on the page');
  // The commands were tasks of the project's terminal, and their files became versions.
  const projects = (await p.inject({ method: 'GET', url: '/projects', auth: alice })).json().projects;
  assert.equal(projects[0].latestVersion, 1);
});

it('after a reload the replay shows each command line before its output; the picker, history, Ctrl-C and the dashboard link work (issue 21 item 16)', {
  skip: CHROMIUM ? false : 'chromium is not installed: apt-get install chromium',
  timeout: 120_000,
}, async () => {
  // Runs after the test above, in its project: two commands, the first of which made v1.
  const page = await browser.newPage({ viewport: { width: 1100, height: 640 } });
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(e.message));
  await page.goto(`${p.url}/ui/terminal`);
  await page.fill('#key', alice);
  await page.dispatchEvent('#key', 'change');
  await page.waitForFunction(() => (globalThis as unknown as Page).document.getElementById('project')!.options!.length === 1);
  assert.match((await page.textContent('#project'))!, /from-the-browser \(v1\)/);
  await page.click('#open');
  const text = () => page.evaluate(() => (globalThis as unknown as Page).hangarText());
  const lines = async () =>
    (await text())
      .split('\n')
      .map((l) => l.trimEnd())
      .filter(Boolean);
  const shows = (line: string) =>
    page.waitForFunction(
      (l) =>
        (globalThis as unknown as Page)
          .hangarText()
          .split('\n')
          .some((x) => x.trimEnd() === l),
      line,
      { timeout: 60_000 },
    );
  await shows('warn');
  await page.waitForFunction(() => (globalThis as unknown as Page).hangarText().trimEnd().endsWith('$'));
  assert.deepEqual(
    await lines(),
    [
      '$ echo hello-from-the-browser > note.txt; cat note.txt',
      'hello-from-the-browser',
      '$ wc -c note.txt; echo warn >&2',
      '23 note.txt',
      'warn',
      '$',
    ],
    'the replay shows every command line before its output, as it was typed',
  );
  await shot(page, 'replay');

  // History: up brings back the last command, up again the one before, down goes back.
  await page.click('#term');
  const lastLine = async () => (await lines()).at(-1);
  await page.keyboard.press('ArrowUp');
  await page.waitForFunction(() => (globalThis as unknown as Page).hangarText().trimEnd().endsWith('$ wc -c note.txt; echo warn >&2'));
  await page.keyboard.press('ArrowUp');
  await page.waitForFunction(() =>
    (globalThis as unknown as Page).hangarText().trimEnd().endsWith('$ echo hello-from-the-browser > note.txt; cat note.txt'),
  );
  await page.keyboard.press('ArrowDown');
  await page.waitForFunction(() => (globalThis as unknown as Page).hangarText().trimEnd().endsWith('$ wc -c note.txt; echo warn >&2'));
  // Enter runs the recalled command again; a new file makes v2, and the picker shows it.
  for (let i = 0; i < 'wc -c note.txt; echo warn >&2'.length; i++) await page.keyboard.press('Backspace');
  assert.equal(await lastLine(), '$');
  await page.keyboard.type('echo more > more.txt');
  await page.keyboard.press('Enter');
  await page.waitForFunction(
    () => /\(v2\)/.test((globalThis as unknown as Page).document.getElementById('project')!.textContent ?? ''),
    undefined,
    { timeout: 60_000 },
  );

  // Ctrl-C cancels the running command through the API: the task ends CANCELLED.
  await page.keyboard.type('echo started; sleep 60; echo never');
  await page.keyboard.press('Enter');
  await shows('started');
  await page.keyboard.press('Control+C');
  await shows('[CANCELLED]').catch(async () => assert.fail(`no [CANCELLED] line:\n${await text()}`));
  const project = (await p.inject({ method: 'GET', url: '/projects', auth: alice })).json().projects[0].projectId as string;
  const cmds = (await p.inject({ method: 'GET', url: `/projects/${project}/terminals/main/commands`, auth: alice })).json().tasks as {
    shell: string;
    status: string;
  }[];
  assert.equal(cmds[0].shell, 'echo started; sleep 60; echo never');
  assert.equal(cmds[0].status, 'CANCELLED');
  await page.waitForFunction(() => (globalThis as unknown as Page).hangarText().trimEnd().endsWith('$'));
  assert.ok(!(await lines()).includes('never'));
  await shot(page, 'cancel');

  // A link leads back to the dashboard.
  await page.click('a#dashboard');
  await page.waitForURL(`${p.url}/ui/`);
  assert.deepEqual(problems, [], 'no script errors on the page');
  await page.close();
});

async function shot(page: import('playwright-core').Page, name: string): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, `browser-terminal-${name}.png`) });
}
