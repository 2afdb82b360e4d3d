/** `hangar doctor` reports the isolation this host really has, proven by a sandboxed run. */
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, it } from 'node:test';
import { sandboxTools } from '../../src/executor/index.ts';
import { HANGAR_BIN } from '../helpers/process.ts';

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'hangar-doctor-'));
after(() => rmSync(dir, { recursive: true, force: true }));

it('doctor proves the sandbox with a real run, or says why not and exits 1', async () => {
  const env = { ...process.env, HANGAR_DATA_DIR: dir, HANGAR_EXECUTOR: 'sandbox' };
  const tools = sandboxTools();
  if (tools.ok) {
    const { stdout } = await run(HANGAR_BIN, ['doctor', '--json'], { env });
    const r = JSON.parse(stdout);
    assert.equal(r.sandbox.available, true, r.sandbox.problems.join('; '));
    assert.ok(r.sandbox.proofMs > 0);
    assert.equal(r.verdict, 'tasks run sandboxed');
    const human = await run(HANGAR_BIN, ['doctor'], { env: { ...env, HANGAR_EXECUTOR: 'process' } });
    assert.match(human.stdout, /UNSANDBOXED/);
  } else {
    await assert.rejects(run(HANGAR_BIN, ['doctor', '--json'], { env }), (err: { code: number; stdout: string }) => {
      assert.equal(err.code, 1);
      assert.equal(JSON.parse(err.stdout).sandbox.available, false);
      return true;
    });
  }
});

/** A fresh cgroup beside this process's in each v1 hierarchy doctor uses (and the unified one). */
function freshCgroups(name: string): string[] {
  const own = new Map<string, string>();
  for (const line of readFileSync('/proc/self/cgroup', 'utf8').trim().split('\n')) {
    const [, ctrls, path] = line.split(/:(.*?):/);
    for (const c of ctrls.split(',')) own.set(c, path);
  }
  const dirs = new Set<string>();
  for (const line of readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
    const [left, right] = line.split(' - ');
    if (!right) continue;
    const [fstype, , options] = right.split(' ');
    const at = left.split(' ')[4];
    if (fstype === 'cgroup2') dirs.add(join(at, own.get('') ?? '/', name));
    for (const c of ['memory', 'cpu', 'cpuacct', 'pids'])
      if (fstype === 'cgroup' && options.split(',').includes(c)) dirs.add(join(at, own.get(c) ?? '/', name));
  }
  return [...dirs];
}

const v1Host = readFileSync('/proc/self/mountinfo', 'utf8')
  .split('\n')
  .some((l) => / - cgroup \S+ \S*\bmemory\b/.test(l));

// On a v2 host doctor's caller keeps its cgroup by construction (cgroupfs trees in
// test/executor/cgroups.test.ts; scripts/vm/run-sandbox-suite-v2.sh checks a real one).
it("doctor leaves no cgroup behind in its caller's cgroups", {
  skip: (!sandboxTools().ok && 'no sandbox on this host') || (!v1Host && 'not a cgroup v1 host'),
}, async () => {
  // doctor runs in cgroups of its own, so that no other process on the host blurs the picture.
  const cgroups = freshCgroups(`doctor-test-${process.pid}`);
  for (const d of cgroups) mkdirSync(d);
  try {
    const enter = cgroups.map((d) => `echo $$ > '${d}/cgroup.procs'`).join(' && ');
    const child = spawn('/bin/sh', ['-c', `${enter} && exec "$0" doctor --json`, HANGAR_BIN], {
      env: { ...process.env, HANGAR_DATA_DIR: dir },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    const code = await new Promise((res) => child.on('exit', res));
    assert.equal(code, 0, out);
    assert.equal(JSON.parse(out).sandbox.available, true);
    for (const d of cgroups) {
      const left = readdirSync(d, { withFileTypes: true })
        .filter((e) => e.isDirectory())
        .map((e) => e.name);
      assert.deepEqual(left, [], `${d}: doctor left ${left.join(', ')}`);
    }
  } finally {
    for (const d of cgroups) rmdirSync(d);
  }
});

// Exit 0 needs the sandbox too; hosts without one are covered by the test above.
it('in the scale-out shape, doctor reaches the database (migrations, clock offset) and writes to the bucket; an unreachable one exits 1', {
  skip: !sandboxTools().ok && 'no sandbox on this host',
}, async () => {
  const { startS3 } = await import('../helpers/s3.ts');
  const { TEST_DATABASE_URL, dropTestSchemas, freshSchema } = await import('../helpers/postgres.ts');
  const { PostgresStore } = await import('../../src/store/postgres/index.ts');
  const s3 = await startS3();
  const schema = freshSchema('hangar_doc');
  try {
    const env = {
      ...process.env,
      ...s3.env,
      HANGAR_DATA_DIR: dir,
      HANGAR_EXECUTOR: 'process',
      HANGAR_DATABASE_URL: TEST_DATABASE_URL,
      HANGAR_DATABASE_SCHEMA: schema,
    };
    // Before any server or worker has started: reachable, schema not created yet (a warning).
    const fresh = JSON.parse((await run(HANGAR_BIN, ['doctor', '--json'], { env })).stdout);
    assert.equal(fresh.database.reachable, true, fresh.database.problem);
    assert.match(fresh.database.version, /^PostgreSQL /);
    assert.equal(fresh.database.migrations.applied, 0);
    assert.ok(fresh.database.migrations.known >= 11);
    assert.ok(Math.abs(fresh.database.clockOffsetMs) < 1000, `same host, same clock: ${fresh.database.clockOffsetMs} ms`);
    assert.deepEqual([fresh.bucket.name, fresh.bucket.writable], [s3.env.HANGAR_S3_BUCKET, true]);
    assert.match(fresh.warnings.join('\n'), /schema is not created yet/);
    // Once a node has migrated it: no warning.
    await (await PostgresStore.open({ url: TEST_DATABASE_URL, schema })).close();
    const migrated = await run(HANGAR_BIN, ['doctor'], { env });
    assert.match(migrated.stdout, /^database: {2}reachable \(PostgreSQL [^;]+; migrations (\d+) of \1; clock offset -?\d+ ms\)$/m);
    assert.match(migrated.stdout, /^bucket: {4}\S+: written and read back$/m);
    // The one warning left, if any, is this server's own setting.
    const autovacuumOn = await (async () => {
      const { default: pg } = await import('pg');
      const c = new pg.Client({ connectionString: TEST_DATABASE_URL });
      await c.connect();
      try {
        return (await c.query(`SELECT current_setting('autovacuum') = 'on' AS on`)).rows[0].on as boolean;
      } finally {
        await c.end();
      }
    })();
    const warnings = migrated.stdout.split('\n').filter((l) => l.startsWith('warning:'));
    assert.deepEqual(
      warnings.map((w) => /autovacuum is off/.test(w)),
      autovacuumOn ? [] : [true],
      warnings.join('\n'),
    );
    // A database that cannot be reached fails the check.
    await assert.rejects(
      run(HANGAR_BIN, ['doctor', '--json'], { env: { ...env, HANGAR_DATABASE_URL: 'postgres://postgres@127.0.0.1:1/none' } }),
      (err: { code: number; stdout: string }) => {
        assert.equal(err.code, 1);
        const r = JSON.parse(err.stdout);
        assert.equal(r.database.reachable, false);
        assert.match(r.warnings.join('\n'), /cannot be reached/);
        return true;
      },
    );
  } finally {
    await s3.close();
    await dropTestSchemas([schema]);
  }
});
