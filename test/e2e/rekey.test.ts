/**
 * Rotating the secrets master key, embedded (SQLite) and scale-out (PostgreSQL): values sealed
 * under key A (a user's secret, API keys, a function's environment at $LATEST and in a version)
 * still open once B is the current key and A a previous one; a real `hangar rekey` process
 * re-seals them all under B (counts per kind; again, nothing left to do); then A is dropped and
 * everything still opens — the secret reaches a task's environment, the key signs SigV4 for the
 * real Lambda client, the variables read back. A start with a key that opens nothing (a real
 * `hangar` process) refuses, naming the setting, and leaves environments written before sealing
 * plain (the right key's start seals them); so does the first start of a database from before
 * the key check, when its values do not open.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { GetFunctionConfigurationCommand, PublishVersionCommand } from '@aws-sdk/client-lambda';
import { checkSecretsKey, WrongSecretsKey } from '../../src/app/index.ts';
import { loadConfig } from '../../src/config/index.ts';
import { createLogger } from '../../src/log/index.ts';
import { startPlatform, type Platform } from '../../src/runtime/index.ts';
import { SecretBox } from '../../src/secrets/index.ts';
import { SqliteStore } from '../../src/store/index.ts';
import { PostgresStore } from '../../src/store/postgres/index.ts';
import { newFunction } from '../conformance/functions.ts';
import { createNodeFunction, lambdaClient } from '../helpers/lambda.ts';
import { until } from '../helpers/platform.ts';
import { dropTestSchemas, freshSchema, openTestStore, TEST_DATABASE_URL } from '../helpers/postgres.ts';
import { ADMIN, HANGAR_BIN, TEST_ADMIN_KEY, TEST_EXECUTOR_ENV, type CliRun } from '../helpers/process.ts';

const dirs: string[] = [];
after(async () => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  await dropTestSchemas();
});

const [A, B] = [randomBytes(32).toString('base64'), randomBytes(32).toString('base64')];
const SECRET = 'rotated-secret-canary';
const PASSWORD = 'env-password-canary';

/** `hangar <args>` as a real process with `env`: its exit code and output (killed after 60 s). */
function hangar(args: string[], env: Record<string, string>): Promise<CliRun> {
  return new Promise((resolve) => {
    execFile(
      HANGAR_BIN,
      args,
      {
        env: { ...process.env, HANGAR_LOG_LEVEL: 'warn', HANGAR_ADMIN_KEY: TEST_ADMIN_KEY, ...TEST_EXECUTOR_ENV, ...env },
        timeout: 60_000,
      },
      (err, stdout, stderr) => resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr }),
    );
  });
}

for (const shape of ['embedded', 'scale-out'] as const) {
  describe(`rotating the secrets master key: ${shape}`, () => {
    const dir = mkdtempSync(join(tmpdir(), 'hangar-rekey-'));
    dirs.push(dir);
    const base: Record<string, string> = {
      HANGAR_DATA_DIR: dir,
      ...(shape === 'scale-out' ? { HANGAR_DATABASE_URL: TEST_DATABASE_URL, HANGAR_DATABASE_SCHEMA: freshSchema('hangar_rekey') } : {}),
    };
    const keys = (current: string, previous?: string) => ({
      ...base,
      HANGAR_SECRETS_KEY: current,
      ...(previous ? { HANGAR_SECRETS_PREVIOUS_KEYS: previous } : {}),
    });

    async function platform(env: Record<string, string>): Promise<Platform> {
      const config = loadConfig({
        env: {
          HANGAR_PORT: '0',
          HANGAR_WORKERS: '2',
          HANGAR_SHUTDOWN_GRACE_MS: '0',
          HANGAR_ADMIN_KEY: TEST_ADMIN_KEY,
          ...TEST_EXECUTOR_ENV,
          ...env,
        },
      });
      return startPlatform(config, { api: true, workers: true }, { log: createLogger('silent') });
    }

    /** Everything sealed opens: the secret reaches a task, alice's key signs, the variables read back. */
    async function everythingOpens(p: Platform, alice: { keyId: string; key: string }): Promise<void> {
      const submitted = await p.app!.inject({
        method: 'POST',
        url: '/tasks',
        headers: ADMIN,
        payload: { shell: `[ "$TOKEN" = "${SECRET}" ]`, secrets: ['TOKEN'] },
      });
      assert.equal(submitted.statusCode, 201, submitted.body);
      const id = submitted.json().taskId as string;
      const task = await until(async () => {
        const t = await p.store.get(id);
        return t && ['SUCCESS', 'FAILED', 'TIMEOUT', 'CANCELLED'].includes(t.status) ? t : null;
      }, 30_000);
      assert.equal(task.status, 'SUCCESS', `the task saw the secret: ${JSON.stringify(task)}`);
      const lambda = lambdaClient(p.url!, alice);
      try {
        for (const Qualifier of [undefined, '1']) {
          const c = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: 'envfn', Qualifier }));
          assert.deepEqual(c.Environment?.Variables, { DB_PASSWORD: PASSWORD });
        }
      } finally {
        lambda.destroy();
      }
    }

    let alice: { keyId: string; key: string };

    it('seals under A; with B current and A previous everything opens; rekey re-seals it all; without A it still opens', {
      timeout: 180_000,
    }, async () => {
      const p1 = await platform(keys(A));
      try {
        const put = await p1.app!.inject({ method: 'PUT', url: '/secrets/TOKEN', headers: ADMIN, payload: { value: SECRET } });
        assert.equal(put.statusCode, 201);
        alice = (await p1.app!.inject({ method: 'POST', url: '/keys', headers: ADMIN, payload: { userId: 'alice' } })).json();
        const lambda = lambdaClient(p1.url!, alice);
        try {
          await createNodeFunction(lambda, 'envfn', { Environment: { Variables: { DB_PASSWORD: PASSWORD } } });
          assert.equal((await lambda.send(new PublishVersionCommand({ FunctionName: 'envfn' }))).Version, '1');
        } finally {
          lambda.destroy();
        }
        await everythingOpens(p1, alice);
      } finally {
        await p1.close();
      }

      const p2 = await platform(keys(B, A));
      try {
        await everythingOpens(p2, alice);
        // Re-sealed while the platform runs, by another process.
        const run = await hangar(['rekey', '--json', '--batch-size', '1'], keys(B, A));
        assert.equal(run.code, 0, run.stderr);
        const r = JSON.parse(run.stdout);
        assert.equal(r.done, true);
        assert.equal(r.keyCheck, 'resealed');
        assert.deepEqual(r.kinds.secret, { resealed: 1, current: 0, changed: 0, failed: 0 });
        assert.deepEqual(r.kinds['api-key'], { resealed: 2, current: 0, changed: 0, failed: 0 }, "the admin key and alice's");
        assert.equal(r.kinds['function-environment'].resealed, 1);
        assert.equal(r.kinds['function-version-environment'].resealed, 1);
        const again = await hangar(['rekey'], keys(B, A));
        assert.equal(again.code, 0, again.stderr);
        assert.match(again.stdout, /^secrets +0 +1 +0 +0$/m);
        assert.match(again.stdout, /^the key check +0 +1 +0 +0$/m);
        assert.match(again.stdout, /previous keys \(HANGAR_SECRETS_PREVIOUS_KEYS\) can be dropped/);
        await everythingOpens(p2, alice);
      } finally {
        await p2.close();
      }

      const p3 = await platform(keys(B));
      try {
        await everythingOpens(p3, alice);
      } finally {
        await p3.close();
      }
    });

    it('refuses to start, naming the setting, with a key that opens nothing stored', { timeout: 60_000 }, async () => {
      const refused = await hangar([shape === 'embedded' ? 'up' : 'server', '--port', '0'], keys(A));
      assert.equal(refused.code, 2, refused.stdout + refused.stderr);
      assert.match(refused.stderr, /secrets master key is not the one this database's values were sealed with/);
      assert.match(refused.stderr, /HANGAR_SECRETS_KEY/);
      assert.match(refused.stderr, /HANGAR_SECRETS_PREVIOUS_KEYS/);
      const rekey = await hangar(['rekey'], keys(A));
      assert.equal(rekey.code, 2);
      assert.match(rekey.stderr, /not the one this database's values were sealed with/);
    });

    /** A store on this database without the key: it writes environments plain, as Hangar did
     *  before sealing, and cannot read a sealed one. */
    async function keyless<T>(use: (store: SqliteStore | PostgresStore) => Promise<T>): Promise<T> {
      const store =
        shape === 'embedded'
          ? new SqliteStore({ path: join(dir, 'hangar.db'), functionReadTtlMs: 0 })
          : await PostgresStore.open({ url: TEST_DATABASE_URL, schema: base.HANGAR_DATABASE_SCHEMA, poolSize: 1, functionReadTtlMs: 0 });
      try {
        return await use(store);
      } finally {
        await store.close();
      }
    }
    const envOf = (name: string) => keyless(async (s) => (await s.functions.getFunction('alice', name))?.environment);

    it('a start or rekey refused for a wrong key leaves environments written before sealing plain; with the right key each seals them', {
      timeout: 120_000,
    }, async () => {
      const plain = (name: string) =>
        keyless((s) => s.functions.createFunction(newFunction({ name }, { environment: { DB_PASSWORD: PASSWORD } })));
      const SEALED = /is sealed, and this store has no secrets master key/;
      await plain('plainfn');
      await assert.rejects(platform(keys(A)), WrongSecretsKey);
      assert.equal((await hangar(['rekey'], keys(A))).code, 2);
      assert.deepEqual(await envOf('plainfn'), { DB_PASSWORD: PASSWORD }, 'still plain: a keyless store reads it');

      const run = await hangar(['rekey', '--json'], keys(B));
      assert.equal(run.code, 0, run.stderr);
      assert.equal(JSON.parse(run.stdout).plainSealed, 1);
      await assert.rejects(envOf('plainfn'), SEALED);

      await plain('plainfn2');
      const p = await platform(keys(B));
      await p.close();
      await assert.rejects(envOf('plainfn2'), SEALED);
    });
  });
}

describe('the first start of a database from before the key check', () => {
  for (const shape of ['sqlite', 'postgres'] as const) {
    it(`${shape}: adopts the key when what is stored opens with it, refuses when not`, async () => {
      const [a, c] = [new SecretBox(randomBytes(32)), new SecretBox(randomBytes(32))];
      const dir = mkdtempSync(join(tmpdir(), 'hangar-rekey-'));
      dirs.push(dir);
      const store = shape === 'sqlite' ? new SqliteStore({ path: join(dir, 'db.sqlite'), sealer: a }) : await openTestStore({ sealer: a });
      try {
        // Sealed before key ids (bare base64 under a), with no check written.
        const sealed = a.seal('alice', 'TOKEN', 'v');
        await store.putSecret('alice', 'TOKEN', sealed.slice(sealed.lastIndexOf(':') + 1));
        await assert.rejects(checkSecretsKey(store.sealedValues, c), WrongSecretsKey);
        assert.equal(await store.sealedValues.keyCheck(), null, 'nothing written under the wrong key');
        assert.deepEqual(await checkSecretsKey(store.sealedValues, a), { keyId: a.keyId, written: true });
        assert.deepEqual(await checkSecretsKey(store.sealedValues, a), { keyId: a.keyId, written: false });
        await assert.rejects(checkSecretsKey(store.sealedValues, c), /opens with no key of the keyring/);
      } finally {
        await store.close();
      }
    });
  }
});

it('`hangar config` hides the previous keys; `hangar rekey --batch-size 0` is a usage error', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hangar-rekey-'));
  dirs.push(dir);
  const env = { HANGAR_DATA_DIR: dir, HANGAR_SECRETS_KEY: B, HANGAR_SECRETS_PREVIOUS_KEYS: A };
  const shown = await hangar(['config'], env);
  assert.equal(shown.code, 0, shown.stderr);
  assert.match(shown.stdout, /^HANGAR_SECRETS_PREVIOUS_KEYS +\(set, hidden\) +HANGAR_SECRETS_PREVIOUS_KEYS$/m);
  assert.equal(shown.stdout.includes(A) || shown.stdout.includes(B), false);
  const usage = await hangar(['rekey', '--batch-size', '0'], env);
  assert.equal(usage.code, 2);
  assert.match(usage.stderr, /--batch-size must be 1 or more/);
});
