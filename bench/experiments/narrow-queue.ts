/**
 * Issue 5's open question, measured before any redesign: how much of a job's PostgreSQL cost
 * goes away if the queue state leaves the wide task row? Two drains of the same N no-op jobs,
 * one claim of C then one statement finishing those C, repeated, on one connection pool:
 *
 *   A. today's store (PostgresStore.claim + finish; group-committed finishes);
 *   B. a prototype in raw SQL: ready tasks in a narrow table `ready` (its own ordered index),
 *      leases in `leases`, the task row with no index on anything that changes (status,
 *      lease, times: fillfactor 70, so its updates can be HOT), the same history rows.
 *
 * Prints jobs/s and WAL bytes per job for each, and B ÷ A. Not a benchmark of a feature: B
 * exists only here, and lacks what A does besides (fair share, per-user limits, queues).
 *
 *   node --disable-warning=ExperimentalWarning bench/experiments/narrow-queue.ts [--n 10000] [--c 10,50]
 */
import pg from 'pg';
import { NOOP_OUTCOME, noopTask } from '../noop.ts';
import { PostgresStore } from '../../src/store/postgres/index.ts';
import { arg } from '../args.ts';

const N = Number(arg('n', '10000'));
const CS = arg('c', '10,50').split(',').map(Number);
const URL = arg('pg', 'postgres://postgres@127.0.0.1:5432/postgres');

const PROTOTYPE = `
CREATE TABLE tasks (
  seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, id TEXT NOT NULL UNIQUE, command TEXT NOT NULL, queue TEXT NOT NULL,
  priority INTEGER NOT NULL, user_id TEXT, timeout_s INTEGER NOT NULL, visibility_timeout_s INTEGER NOT NULL,
  max_attempts INTEGER NOT NULL, attempt INTEGER NOT NULL DEFAULT 0, resources JSONB NOT NULL, env JSONB NOT NULL,
  metadata JSONB NOT NULL, status TEXT NOT NULL, worker_id TEXT, created_at BIGINT NOT NULL, started_at BIGINT,
  completed_at BIGINT, summary JSONB, failure JSONB, result TEXT
) WITH (fillfactor = 70);
CREATE INDEX tasks_user ON tasks (user_id, seq);
CREATE INDEX tasks_queue ON tasks (queue, seq);
CREATE TABLE ready (seq BIGINT PRIMARY KEY, eff_priority INTEGER NOT NULL, fair_rank BIGINT NOT NULL, run_after BIGINT NOT NULL);
CREATE INDEX ready_order ON ready (eff_priority DESC, fair_rank, seq);
CREATE TABLE leases (seq BIGINT PRIMARY KEY, worker_id TEXT NOT NULL, expires_at BIGINT NOT NULL);
CREATE INDEX leases_expiry ON leases (expires_at);
CREATE TABLE task_history (id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, task_id TEXT NOT NULL, at BIGINT NOT NULL,
  status TEXT NOT NULL, attempt INTEGER NOT NULL, worker_id TEXT, reason TEXT);
CREATE INDEX task_history_task ON task_history (task_id, id);`;

/** worker, now, limit */
const CLAIM = `
WITH picked AS (
  DELETE FROM ready WHERE seq IN (
    SELECT seq FROM ready WHERE run_after <= $2 ORDER BY eff_priority DESC, fair_rank, seq LIMIT $3 FOR UPDATE SKIP LOCKED)
  RETURNING seq),
leased AS (INSERT INTO leases (seq, worker_id, expires_at) SELECT seq, $1, $2 + 900000 FROM picked),
claimed AS (
  UPDATE tasks t SET status = 'RUNNING', attempt = t.attempt + 1, worker_id = $1, started_at = $2
  FROM picked WHERE t.seq = picked.seq RETURNING t.*),
history AS (INSERT INTO task_history (task_id, at, status, attempt, worker_id) SELECT id, $2, 'RUNNING', attempt, $1 FROM claimed)
SELECT * FROM claimed`;

/** seqs, attempts, now, summary */
const FINISH = `
WITH input AS (SELECT * FROM unnest($1::bigint[], $2::integer[]) AS i(seq, attempt)),
gone AS (DELETE FROM leases l USING input i WHERE l.seq = i.seq RETURNING l.seq, l.worker_id),
done AS (
  UPDATE tasks t SET status = 'SUCCESS', completed_at = $3, summary = $4::jsonb
  FROM gone g JOIN input i ON i.seq = g.seq WHERE t.seq = g.seq AND t.attempt = i.attempt
  RETURNING t.id, t.attempt, g.worker_id)
INSERT INTO task_history (task_id, at, status, attempt, worker_id) SELECT id, $3, 'SUCCESS', attempt, worker_id FROM done`;

async function wal(c: pg.ClientBase): Promise<string> {
  return String((await c.query('SELECT pg_current_wal_lsn()::text AS l')).rows[0].l);
}
async function walSince(c: pg.ClientBase, lsn: string): Promise<number> {
  return Number((await c.query('SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), $1::pg_lsn)::float8 AS d', [lsn])).rows[0].d);
}

async function today(admin: pg.Client, c: number): Promise<{ rate: number; walPerJob: number }> {
  await admin.query('DROP SCHEMA IF EXISTS exp_a CASCADE');
  const store = await PostgresStore.open({ url: URL, schema: 'exp_a' });
  try {
    for (let i = 0; i < N; i += 500)
      await Promise.all(Array.from({ length: Math.min(500, N - i) }, (_, j) => store.submit(noopTask({ i: i + j }))));
    await admin.query('CHECKPOINT');
    const lsn = await wal(admin);
    const t0 = performance.now();
    for (let done = 0; done < N; ) {
      const leases = await store.claim({ workerId: 'w', limit: c });
      await Promise.all(leases.map((l) => store.finish({ taskId: l.task.id, attempt: l.attempt }, NOOP_OUTCOME)));
      done += leases.length;
    }
    const rate = N / ((performance.now() - t0) / 1000);
    return { rate, walPerJob: (await walSince(admin, lsn)) / N };
  } finally {
    await store.close();
    await admin.query('DROP SCHEMA IF EXISTS exp_a CASCADE');
  }
}

async function prototype(admin: pg.Client, c: number): Promise<{ rate: number; walPerJob: number }> {
  await admin.query('DROP SCHEMA IF EXISTS exp_b CASCADE');
  await admin.query('CREATE SCHEMA exp_b');
  const pool = new pg.Pool({ connectionString: URL, options: '-c search_path=exp_b', max: 10 });
  try {
    await pool.query(PROTOTYPE);
    const now = Date.now();
    for (let i = 0; i < N; i += 500) {
      await Promise.all(
        Array.from({ length: Math.min(500, N - i) }, async (_, j) => {
          const t = noopTask({ i: i + j });
          await pool.query(
            `
          WITH t AS (INSERT INTO tasks (id, command, queue, priority, user_id, timeout_s, visibility_timeout_s, max_attempts,
              resources, env, metadata, status, created_at)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 'PENDING', $12) RETURNING seq, id, created_at),
          r AS (INSERT INTO ready (seq, eff_priority, fair_rank, run_after) SELECT seq, $4, seq, created_at FROM t)
          INSERT INTO task_history (task_id, at, status, attempt, reason) SELECT id, created_at, 'PENDING', 0, 'submitted' FROM t`,
            [
              t.id,
              t.command,
              t.queue,
              t.priority,
              t.userId,
              t.timeout,
              t.visibilityTimeout,
              t.maxAttempts,
              JSON.stringify(t.resources),
              JSON.stringify(t.env),
              JSON.stringify(t.metadata),
              now,
            ],
          );
        }),
      );
    }
    await admin.query('CHECKPOINT');
    const lsn = await wal(admin);
    const t0 = performance.now();
    const summary = JSON.stringify(NOOP_OUTCOME.summary);
    for (let done = 0; done < N; ) {
      const rows = (await pool.query(CLAIM, ['w', Date.now(), c])).rows;
      if (rows.length === 0) throw new Error(`prototype drain stalled at ${done}`);
      await pool.query(FINISH, [rows.map((r) => r.seq), rows.map((r) => r.attempt), Date.now(), summary]);
      done += rows.length;
    }
    const rate = N / ((performance.now() - t0) / 1000);
    const left = Number((await pool.query(`SELECT count(*) AS n FROM tasks WHERE status <> 'SUCCESS'`)).rows[0].n);
    if (left !== 0) throw new Error(`prototype: ${left} tasks not SUCCESS`);
    return { rate, walPerJob: (await walSince(admin, lsn)) / N };
  } finally {
    await pool.end();
    await admin.query('DROP SCHEMA IF EXISTS exp_b CASCADE');
  }
}

const admin = new pg.Client({ connectionString: URL });
await admin.connect();
console.log(`N = ${N} no-op jobs, claim C then finish those C in one statement, repeated; ${new Date().toISOString()}\n`);
console.log('| C | A: today jobs/s | A: WAL bytes/job | B: narrow queue jobs/s | B: WAL bytes/job | B ÷ A jobs/s | B ÷ A WAL |');
console.log('|---|---|---|---|---|---|---|');
for (const c of CS) {
  // A, B, then A again: drift shows as a difference between the two A runs.
  const a1 = await today(admin, c);
  const b = await prototype(admin, c);
  const a2 = await today(admin, c);
  const a = { rate: (a1.rate + a2.rate) / 2, walPerJob: (a1.walPerJob + a2.walPerJob) / 2 };
  const f = (x: number) => Math.round(x).toLocaleString('en-US');
  console.log(
    `| ${c} | ${f(a1.rate)} / ${f(a2.rate)} | ${f(a.walPerJob)} | ${f(b.rate)} | ${f(b.walPerJob)} | ` +
      `${(b.rate / a.rate).toFixed(2)} | ${(b.walPerJob / a.walPerJob).toFixed(2)} |`,
  );
}
await admin.end();
