/**
 * Starts a real platform (temp data dir, port 0) for API tests; no mocks. Embedded (SQLite,
 * disk) by default; with HANGAR_TEST_SHAPE=scale-out, on a fresh PostgreSQL schema and an S3
 * bucket of its own (s3rver), so that the same API tests run on both shapes. `kind` chooses
 * for one call (a test that runs both shapes at once).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/index.ts';
import { createLogger } from '../../src/log/index.ts';
import { startPlatform, type Platform, type PlatformOptions, type Roles } from '../../src/runtime/index.ts';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { TEST_DATABASE_URL, dropTestSchemas, freshSchema } from './postgres.ts';
import { ADMIN, TEST_ADMIN_KEY, TEST_EXECUTOR_ENV } from './process.ts';
import { startS3 } from './s3.ts';

export interface TestPlatform extends Platform {
  dir: string;
  /** app.inject with the admin key unless the request brings its own Authorization (or `auth: null`). */
  inject(opts: InjectOptions & { auth?: string | null }): Promise<LightMyRequestResponse>;
}

export async function testPlatform(
  env: Record<string, string> = {},
  roles: Roles = { api: true, workers: true },
  kind: 'embedded' | 'scale-out' = process.env.HANGAR_TEST_SHAPE === 'scale-out' ? 'scale-out' : 'embedded',
  opts: Omit<PlatformOptions, 'log'> = {},
): Promise<TestPlatform> {
  const dir = mkdtempSync(join(tmpdir(), 'hangar-test-'));
  const s3 = kind === 'scale-out' ? await startS3() : null;
  const schema = s3 ? freshSchema('hangar_api') : null;
  const shape = s3
    ? {
        ...s3.env,
        HANGAR_DATABASE_URL: TEST_DATABASE_URL,
        HANGAR_DATABASE_SCHEMA: schema!,
        HANGAR_SECRETS_KEY: randomBytes(32).toString('base64'),
      }
    : {};
  const config = loadConfig({
    env: {
      HANGAR_PORT: '0',
      HANGAR_DATA_DIR: dir,
      HANGAR_WORKERS: '4',
      HANGAR_RETRY_BASE_MS: '20',
      HANGAR_HEARTBEAT_MS: '200',
      HANGAR_POLL_MS: '200',
      HANGAR_SHUTDOWN_GRACE_MS: '0',
      HANGAR_ADMIN_KEY: TEST_ADMIN_KEY,
      // Tests submit thousands of tasks at once; the rate-limit test sets its own.
      HANGAR_RATE_LIMIT: '1000000',
      ...TEST_EXECUTOR_ENV,
      ...shape,
      ...env,
    },
  });
  const platform = await startPlatform(config, roles, {
    ...opts,
    log: createLogger(config.logLevel === 'info' ? 'silent' : config.logLevel),
  });
  const close = platform.close;
  return Object.assign(platform, {
    dir,
    inject(opts: InjectOptions & { auth?: string | null }) {
      const { auth, ...rest } = opts;
      const headers: Record<string, string> = {
        ...(auth === null ? {} : auth ? { authorization: `Bearer ${auth}` } : ADMIN),
        ...(rest.headers as Record<string, string> | undefined),
      };
      return platform.app!.inject({ ...rest, headers });
    },
    async close() {
      await close();
      if (s3) await Promise.all([s3.close(), dropTestSchemas([schema!])]);
      rmSync(dir, { recursive: true, force: true });
    },
  });
}

/** Another API node of the scale-out platform `a`'s deployment: its PostgreSQL schema, secrets
 *  master key and bucket (no workers unless `roles` say so); `env` changes any of them. */
export function nodeBeside(
  a: TestPlatform,
  roles: Roles = { api: true, workers: false },
  env: Record<string, string> = {},
): Promise<TestPlatform> {
  const c = a.config;
  return testPlatform(
    {
      HANGAR_DATABASE_SCHEMA: c.databaseSchema!,
      HANGAR_SECRETS_KEY: c.secretsKey!,
      HANGAR_S3_BUCKET: c.s3Bucket!,
      HANGAR_S3_ENDPOINT: c.s3Endpoint!,
      HANGAR_S3_REGION: c.s3Region,
      HANGAR_S3_ACCESS_KEY_ID: c.s3AccessKeyId!,
      HANGAR_S3_SECRET_ACCESS_KEY: c.s3SecretAccessKey!,
      ...env,
    },
    roles,
    'scale-out',
  );
}

/** A new key of the user's, made by the admin: `{ keyId, key }`. */
export async function userKey(p: TestPlatform, userId: string): Promise<{ keyId: string; key: string }> {
  return (await p.inject({ method: 'POST', url: '/keys', payload: { userId } })).json();
}

/** Live (non-zombie) processes whose environment names this task. PID 1 here does not reap
 *  orphans, so zombies are skipped: they hold no resources and run no code. */
export function processesOfTask(taskId: string): number[] {
  return processesWithEnv(`HANGAR_TASK_ID=${taskId}`);
}

/** Live processes whose environment holds `needle` (NAME=value), e.g. a function's instances
 *  and everything they started: AWS_LAMBDA_FUNCTION_NAME=<name>. */
export function processesWithEnv(needle: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const state = stat.slice(stat.lastIndexOf(')') + 2)[0];
      if (state === 'Z' || state === 'X') continue;
      if (readFileSync(`/proc/${entry}/environ`, 'utf8').split('\0').includes(needle)) pids.push(Number(entry));
    } catch {
      // The process ended while we looked.
    }
  }
  return pids;
}

/**
 * Reads each id until `done` holds for it: one read at a time, and only of those not yet done,
 * so that the poll does not take the CPU from the work it waits for (a few hundred reads at
 * once, four times a second, did on a 2-core host). Fails only when none gets done for
 * `stallMs`, so a slow host drains slowly rather than fails. Returns the last read of each, in
 * `ids`' order.
 */
export async function untilEach<T>(
  ids: string[],
  read: (id: string) => Promise<T>,
  done: (v: T) => boolean,
  stallMs = 30_000,
  everyMs = 250,
): Promise<T[]> {
  const last = new Map<string, T>();
  const pending = new Set(ids);
  let progressAt = Date.now();
  for (;;) {
    for (const id of pending) {
      const v = await read(id);
      last.set(id, v);
      if (done(v)) {
        pending.delete(id);
        progressAt = Date.now();
      }
    }
    if (pending.size === 0) return ids.map((id) => last.get(id) as T);
    if (Date.now() - progressAt > stallMs) {
      const stuck = [...pending].map((id) => last.get(id));
      throw Object.assign(
        new Error(`${pending.size} of ${ids.length} not done, none done for ${stallMs} ms, e.g. ${JSON.stringify(stuck.slice(0, 3))}`),
        { pending: [...pending] },
      );
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/**
 * Waits until `left()` (what is still to do: e.g. tasks pending or running, read in one cheap
 * request) is 0, or has not fallen for `stallMs`; undefined is a read that failed. Never fails:
 * it goes before an untilEach over the same work, which then finds it done in one round
 * instead of reading each pending id every round, and reports what is not done.
 */
export async function untilDrained(left: () => Promise<number | undefined>, stallMs = 30_000, everyMs = 250): Promise<void> {
  let least = Number.POSITIVE_INFINITY;
  let fellAt = Date.now();
  for (;;) {
    const n = await left();
    if (n === 0) return;
    if (n !== undefined && n < least) [least, fellAt] = [n, Date.now()];
    if (Date.now() - fellAt > stallMs) return;
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export async function until<T>(fn: () => Promise<T | undefined | null | false>, timeoutMs = 10_000, everyMs = 20): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
