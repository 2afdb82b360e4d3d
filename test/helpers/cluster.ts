/**
 * The scale-out shape as real processes for end-to-end and fault tests: `hangar server` nodes
 * and `hangar worker` processes sharing a fresh PostgreSQL schema and an S3 bucket (s3rver).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { until } from './platform.ts';
import { TEST_DATABASE_URL, dropTestSchemas, freshSchema } from './postgres.ts';
import { ADMIN, HANGAR_BIN, TEST_ADMIN_KEY, TEST_EXECUTOR_ENV, startHangar, type HangarProcess } from './process.ts';
import { startS3, type TestS3 } from './s3.ts';

export interface WorkerProcess {
  child: ChildProcess;
  /** Its worker id, as history rows name it. */
  id: string;
  output(): string;
  exited: Promise<number | null>;
  /** Its HANGAR_DATA_DIR (a function's unpacked code is under it: codeDirOf). */
  dataDir: string;
}

export interface Cluster {
  servers: HangarProcess[];
  workers: WorkerProcess[];
  /** The first server's URL. */
  url: string;
  /** The bucket's server, shared by every process. */
  s3: TestS3;
  /** The PostgreSQL schema every process shares (TEST_DATABASE_URL). */
  schema: string;
  addServer(env?: Record<string, string>): Promise<HangarProcess>;
  addWorker(env?: Record<string, string>): Promise<WorkerProcess>;
  /** A `hangar autoscaler` process (its workers are its children); id is ''. */
  addAutoscaler(env: Record<string, string>): Promise<WorkerProcess>;
  /** An API call as the admin; the JSON body back. */
  call(method: string, path: string, body?: object, base?: string): Promise<{ status: number; body: Record<string, any> }>;
  close(): Promise<void>;
}

export async function startCluster(opts: { servers?: number; env?: Record<string, string> } = {}): Promise<Cluster> {
  const s3: TestS3 = await startS3();
  const schema = freshSchema('hangar_c');
  const dir = mkdtempSync(join(tmpdir(), 'hangar-cluster-'));
  // The sandbox uid must traverse every directory above a node's data dir (function code is
  // bound from there); the node makes its own data dir 0711, not this parent.
  chmodSync(dir, 0o711);
  const secretsKey = randomBytes(32).toString('base64');
  let n = 0;
  const shared = (): Record<string, string> => ({
    ...s3.env,
    HANGAR_DATABASE_URL: TEST_DATABASE_URL,
    HANGAR_DATABASE_SCHEMA: schema,
    HANGAR_SECRETS_KEY: secretsKey,
    HANGAR_ADMIN_KEY: TEST_ADMIN_KEY,
    HANGAR_DATA_DIR: join(dir, `node-${n++}`),
    HANGAR_HEARTBEAT_MS: '300',
    HANGAR_LOG_LEVEL: 'info',
    ...opts.env,
  });
  const spawnRole = async (role: string, env: Record<string, string>, ready: RegExp): Promise<WorkerProcess> => {
    const own: Record<string, string> = { ...shared(), HANGAR_URL: c.url, ...env };
    const child = spawn(HANGAR_BIN, [role], {
      env: { ...process.env, ...TEST_EXECUTOR_ENV, ...own },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout!.on('data', (d) => (out += d));
    child.stderr!.on('data', (d) => (out += d));
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    await until(async () => ready.test(out) || child.exitCode !== null, 30_000);
    if (child.exitCode !== null) throw new Error(`${role} exited:\n${out}`);
    return { child, id: ready.exec(out)![1] ?? '', output: () => out, exited, dataDir: own.HANGAR_DATA_DIR };
  };
  const c: Cluster = {
    s3,
    schema,
    servers: [],
    workers: [],
    get url() {
      return c.servers[0].url;
    },
    async addServer(env = {}) {
      const s = await startHangar(['server'], { ...shared(), ...env });
      c.servers.push(s);
      return s;
    },
    async addWorker(env = {}) {
      const w = await spawnRole('worker', env, /worker (\S+) running \d+ tasks/);
      c.workers.push(w);
      return w;
    },
    async addAutoscaler(env) {
      const w = await spawnRole('autoscaler', env, /autoscaler running/);
      c.workers.push(w);
      return w;
    },
    async call(method, path, body, base = c.url) {
      const res = await fetch(base + path, {
        method,
        headers: { ...ADMIN, ...(body ? { 'content-type': 'application/json' } : {}) },
        body: body ? JSON.stringify(body) : undefined,
      });
      return { status: res.status, body: (await res.json()) as Record<string, any> };
    },
    async close() {
      const all = [...c.servers, ...c.workers];
      for (const p of all) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGTERM');
      await Promise.all(all.map((p) => p.exited));
      await s3.close();
      await dropTestSchemas([schema]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
  try {
    for (let i = 0; i < (opts.servers ?? 1); i++) await c.addServer();
  } catch (e) {
    // A server that did not come up: whatever did (the S3 server's process, a first server) goes,
    // or the test process waits on it for ever.
    await c.close().catch(() => {});
    throw e;
  }
  return c;
}
