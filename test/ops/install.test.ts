/**
 * Installing Hangar as the README says (`npm ci`, with the machine's npm and Node, whatever
 * version): quiet, and the pinned Node's install script approved. Runs `npm ci --dry-run` on a
 * copy of package.json, package-lock.json and .npmrc (no download, no node_modules touched).
 */
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { after, it } from 'node:test';
import { promisify } from 'node:util';

const ROOT = join(import.meta.dirname, '..', '..');
// The user's PATH: npm scripts put node_modules/.bin (Node 24) first; a user's shell does not.
const PATH = (process.env.PATH ?? '')
  .split(delimiter)
  .filter((p) => !p.endsWith(join('node_modules', '.bin')))
  .join(delimiter);
const env = { ...process.env, PATH, npm_config_update_notifier: 'false', npm_config_fund: 'false', npm_config_audit: 'false' };
const npmVersion = spawnSync('npm', ['--version'], { env, encoding: 'utf8' }).stdout?.trim();
// allowScripts came with npm 11.16.
const skip = !npmVersion
  ? 'npm is not installed'
  : Number(npmVersion.split('.')[0]) < 11
    ? `npm ${npmVersion} predates allowScripts`
    : false;

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function project(edit: (pkg: Record<string, unknown>) => void = () => {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'hangar-install-'));
  dirs.push(dir);
  for (const f of ['package-lock.json', '.npmrc']) if (existsSync(join(ROOT, f))) copyFileSync(join(ROOT, f), join(dir, f));
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as Record<string, unknown>;
  edit(pkg);
  writeFileSync(join(dir, 'package.json'), JSON.stringify(pkg, null, 2));
  return dir;
}

const npmCi = (cwd: string) =>
  promisify(execFile)('npm', ['ci', '--dry-run'], { cwd, env, timeout: 120_000 }).then(
    (r) => ({ code: 0, ...r }),
    (err: { code?: number; stdout: string; stderr: string }) => ({ code: err.code ?? 1, stdout: err.stdout, stderr: err.stderr }),
  );

it('npm ci prints no warning: no EBADENGINE, no install script left unreviewed', { skip, timeout: 180_000 }, async () => {
  const r = await npmCi(project());
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, '', 'npm ci is quiet');
  assert.match(r.stdout, /added \d+ packages/);
});

it('an install script not in allowScripts fails the install loudly, never runs or is skipped unnoticed', {
  skip,
  timeout: 180_000,
}, async () => {
  const r = await npmCi(project((pkg) => delete pkg.allowScripts));
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /ESTRICTALLOWSCRIPTS[\s\S]*node@/);
});
