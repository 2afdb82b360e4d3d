/** HANGAR_DATABASE_POOL_SIZE bounds the connections one process holds to PostgreSQL (plus its
 *  LISTEN session); they are named `hangar <schema>` in pg_stat_activity. */
process.env.HANGAR_TEST_SHAPE = 'scale-out';
import assert from 'node:assert/strict';
import { it } from 'node:test';
import pg from 'pg';
import { TEST_DATABASE_URL } from '../helpers/postgres.ts';
import { testPlatform } from '../helpers/platform.ts';

/** The most connections named `hangar <schema>` seen while 60 tasks are submitted at once and
 *  run to the end. The tasks run `true` (leased, started, completed through the store as any
 *  task), not a built-in workload, whose Node child per task took most of the test's time
 *  (measured alone on 2 shared cores: 35 s wall with `noop`, 14 s with `true`). */
async function connectionsUnderBurst(env: Record<string, string>): Promise<number> {
  const p = await testPlatform(env);
  const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await admin.connect();
  let most = 0;
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      const r = await admin.query('SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1', [
        `hangar ${p.config.databaseSchema}`,
      ]);
      most = Math.max(most, r.rows[0].n);
      await new Promise((r) => setTimeout(r, 2));
    }
  })();
  try {
    const ids = await Promise.all(
      Array.from({ length: 60 }, async () => {
        const res = await p.inject({ method: 'POST', url: '/tasks', payload: { args: ['true'] } });
        assert.equal(res.statusCode, 201, res.body);
        return (res.json() as { taskId: string }).taskId;
      }),
    );
    for (const id of ids) {
      for (;;) {
        const t = (await p.inject({ method: 'GET', url: `/tasks/${id}` })).json() as { status: string };
        if (t.status === 'SUCCESS') break;
        await new Promise((r) => setTimeout(r, 20));
      }
    }
    return most;
  } finally {
    sampling = false;
    await sampler;
    await admin.end();
    await p.close();
  }
}

it('a process holds at most HANGAR_DATABASE_POOL_SIZE connections, and its LISTEN session', { timeout: 120_000 }, async () => {
  const bounded = await connectionsUnderBurst({ HANGAR_DATABASE_POOL_SIZE: '2' });
  assert.ok(bounded >= 1 && bounded <= 3, `${bounded} connections with a pool of 2`);
  // The default pool of 10 opens more under the same burst: the bound above is the setting's.
  const unbounded = await connectionsUnderBurst({});
  assert.ok(unbounded > 3, `${unbounded} connections with the default pool`);
});
