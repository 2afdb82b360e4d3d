/**
 * OpenTelemetry traces exported over OTLP/HTTP to a real local receiver: one task's path is one
 * trace — the caller's span (its traceparent header), the API's submit span and its store
 * write, then the worker's attempt with its sandbox run, blob writes and recorded outcome —
 * linked parent to child, even though the worker finds the task's context in the store.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { after, before, it } from 'node:test';
import { testPlatform, until, type TestPlatform } from '../helpers/platform.ts';

interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  attributes: { key: string; value: Record<string, unknown> }[];
  status?: { code?: number };
}
const spans: (OtlpSpan & { service: string })[] = [];
let posts = 0;
let server: Server;
let p: TestPlatform;

before(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      posts++;
      let raw = Buffer.concat(chunks);
      if (req.headers['content-encoding'] === 'gzip') raw = gunzipSync(raw);
      assert.equal(req.url, '/v1/traces');
      assert.match(String(req.headers['content-type']), /application\/json/);
      const body = JSON.parse(raw.toString()) as {
        resourceSpans: {
          resource: { attributes: { key: string; value: { stringValue?: string } }[] };
          scopeSpans: { spans: OtlpSpan[] }[];
        }[];
      };
      for (const rs of body.resourceSpans) {
        const service = rs.resource.attributes.find((a) => a.key === 'service.name')?.value.stringValue ?? '';
        for (const ss of rs.scopeSpans) for (const s of ss.spans) spans.push({ ...s, service });
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  p = await testPlatform({ HANGAR_OTLP_ENDPOINT: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, HANGAR_WORKERS: '1' });
});
after(async () => {
  await p?.close();
  server?.close();
});

const attr = (s: OtlpSpan, k: string) => {
  const v = s.attributes.find((a) => a.key === k)?.value;
  return v ? (v.stringValue ?? v.intValue ?? v.boolValue) : undefined;
};

it("one trace per task: the caller's span, submit, store write, attempt, sandbox run, blob writes, outcome", {
  timeout: 30_000,
}, async () => {
  const clientTrace = '4bf92f3577b34da6a3ce929d0e0e4736';
  const clientSpan = '00f067aa0ba902b7';
  const r = await p.inject({
    method: 'POST',
    url: '/tasks',
    payload: { shell: 'echo traced' },
    headers: { traceparent: `00-${clientTrace}-${clientSpan}-01` },
  });
  assert.equal(r.statusCode, 201, r.body);
  const taskId = r.json().taskId as string;
  await until(async () => ((await p.store.get(taskId))?.status === 'SUCCESS' ? true : null), 20_000);
  const names = ['task.submit', 'store.submit', 'task.attempt', 'sandbox.run', 'blobs.store', 'store.finish'];
  const mine = await until(
    async () => {
      const t = spans.filter((s) => s.traceId === clientTrace);
      return names.every((n) => t.some((s) => s.name === n)) ? t : null;
    },
    15_000,
    50,
  );
  const by = (n: string) => mine.find((s) => s.name === n)!;
  assert.equal(by('task.submit').parentSpanId, clientSpan, "the API continues the caller's trace");
  assert.equal(by('task.submit').kind, 2, 'SERVER');
  assert.equal(attr(by('task.submit'), 'hangar.task_id'), taskId);
  assert.equal(attr(by('task.submit'), 'http.response.status_code'), 201);
  assert.equal(by('store.submit').parentSpanId, by('task.submit').spanId);
  assert.equal(
    by('task.attempt').parentSpanId,
    by('task.submit').spanId,
    "the worker's attempt is a child of the submit, through the task's stored context",
  );
  assert.equal(by('task.attempt').kind, 5, 'CONSUMER');
  assert.equal(attr(by('task.attempt'), 'hangar.worker_id'), p.pool!.id);
  assert.equal(attr(by('task.attempt'), 'hangar.outcome'), 'SUCCESS');
  for (const n of ['sandbox.run', 'blobs.store', 'store.finish']) assert.equal(by(n).parentSpanId, by('task.attempt').spanId, n);
  for (const s of mine) assert.ok(BigInt(s.endTimeUnixNano) >= BigInt(s.startTimeUnixNano), `${s.name} has a start and an end`);
  assert.ok(mine.every((s) => s.service === 'hangar'));
  assert.ok(posts >= 1);

  // Without a traceparent header a submit starts a trace of its own, still followed to the worker.
  const r2 = await p.inject({ method: 'POST', url: '/tasks', payload: { shell: 'exit 2', maxAttempts: 1 } });
  const id2 = r2.json().taskId as string;
  const attempt2 = await until(async () => spans.find((s) => s.name === 'task.attempt' && attr(s, 'hangar.task_id') === id2), 20_000, 50);
  const submit2 = await until(async () => spans.find((s) => s.name === 'task.submit' && attr(s, 'hangar.task_id') === id2), 20_000, 50);
  assert.equal(attempt2.traceId, submit2.traceId);
  assert.equal(submit2.parentSpanId ?? '', '', 'a root span');
  assert.equal(attr(attempt2, 'hangar.outcome'), 'FAILED');
});
