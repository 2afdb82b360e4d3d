/**
 * Lambda's JSON log format (LoggingConfig LogFormat JSON) through the real AWS SDK against a
 * started Hangar, on real sandboxed Node and Python instances: the runtime's console (Python's
 * root logger) as JSON records filtered by ApplicationLogLevel, errors with their type, message
 * and stack, the platform's
 * records for START/END/REPORT filtered by SystemLogLevel, and the invocation's facts recorded
 * as in Text. Skipped, with the reason, where the host cannot sandbox.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  GetFunctionConfigurationCommand,
  InvokeCommand,
  type InvokeCommandOutput,
  type LambdaClient,
  UpdateFunctionConfigurationCommand,
} from '@aws-sdk/client-lambda';
import { testPlatform, type TestPlatform } from '../helpers/platform.ts';
import { createNodeFunction, lambdaClient, NO_SANDBOX, refusedBy as refused } from '../helpers/lambda.ts';
import { makeZip } from '../helpers/zip.ts';

let p: TestPlatform;
let alice: LambdaClient;
let aliceKey: string;

const CODE = makeZip({
  'index.js': `exports.handler = async (event) => {
  console.trace('at trace');
  console.debug('at debug');
  console.log('at log');
  console.info('at info');
  console.warn('at warn', { n: 1 });
  console.error(new TypeError('it broke'));
  console.fatal?.('at fatal');
  console.error('with an error', new RangeError('too far'));
  console.warn({ kept: 'as an object' });
  return { format: process.env.AWS_LAMBDA_LOG_FORMAT ?? null, level: process.env.AWS_LAMBDA_LOG_LEVEL ?? null };
};`,
});

const log = (r: InvokeCommandOutput) => Buffer.from(r.LogResult ?? '', 'base64').toString('utf8');
const payload = (r: InvokeCommandOutput) => JSON.parse(Buffer.from(r.Payload ?? []).toString('utf8'));
const invoke = (name: string) => alice.send(new InvokeCommand({ FunctionName: name, Payload: Buffer.from('{}'), LogType: 'Tail' }));
const create = (name: string, loggingConfig?: Record<string, string>) =>
  createNodeFunction(alice, name, { Code: { ZipFile: CODE }, ...(loggingConfig ? { LoggingConfig: loggingConfig } : {}) });

before(async () => {
  p = await testPlatform();
  const key = (await p.inject({ method: 'POST', url: '/keys', payload: { userId: 'alice' } })).json();
  aliceKey = key.key;
  alice = lambdaClient(p.url!, key);
});
after(() => p?.close());

describe('Lambda JSON logs', { skip: NO_SANDBOX }, () => {
  it('writes the console as JSON records at ApplicationLogLevel and above, and the platform records', async () => {
    const created = await create('json-warn', { LogFormat: 'JSON', ApplicationLogLevel: 'WARN' });
    assert.deepEqual(created.LoggingConfig, {
      LogFormat: 'JSON',
      ApplicationLogLevel: 'WARN',
      SystemLogLevel: 'INFO',
      LogGroup: '/aws/lambda/json-warn',
    });
    const r = await invoke('json-warn');
    assert.equal(r.FunctionError, undefined);
    assert.deepEqual(payload(r), { format: 'JSON', level: 'WARN' }, 'the runtime and loggers read them (Powertools)');
    const records = log(r)
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l));
    const platform = records.filter((x) => typeof x.type === 'string');
    const app = records.filter((x) => x.type === undefined);
    const requestId = platform[0].record.requestId;
    assert.match(requestId, /^[0-9a-f-]{36}$/);

    // platform.start first, platform.report last; runtimeDone is DEBUG, so left out at INFO.
    assert.deepEqual(
      platform.map((x) => x.type),
      ['platform.start', 'platform.report'],
    );
    assert.equal(records[0].type, 'platform.start');
    assert.deepEqual(records[0].record, { requestId, version: '$LATEST' });
    const report = records.at(-1);
    assert.equal(report.type, 'platform.report');
    assert.ok(!Number.isNaN(Date.parse(report.time)));
    assert.equal(report.record.requestId, requestId);
    assert.equal(report.record.status, 'success');
    const m = report.record.metrics;
    assert.equal(m.memorySizeMB, 128);
    assert.ok(m.durationMs >= 0 && m.initDurationMs > 0, 'a cold start has its init phase');
    assert.equal(m.billedDurationMs, Math.ceil(m.durationMs + m.initDurationMs));
    assert.ok(m.maxMemoryUsedMB >= 0);

    // Only WARN, ERROR and FATAL, each with its time, level and request.
    assert.deepEqual(
      app.map((x) => x.level),
      ['WARN', 'ERROR', 'FATAL', 'ERROR', 'WARN'],
    );
    for (const x of app) {
      assert.equal(x.requestId, requestId);
      assert.ok(!Number.isNaN(Date.parse(x.timestamp)), x.timestamp);
    }
    assert.equal(app[0].message, 'at warn { n: 1 }');
    // A lone error is the message, as its type, message and stack.
    assert.equal(app[1].message.errorType, 'TypeError');
    assert.equal(app[1].message.errorMessage, 'it broke');
    assert.ok(Array.isArray(app[1].message.stackTrace) && app[1].message.stackTrace[0] === 'TypeError: it broke');
    assert.equal(app[2].message, 'at fatal');
    // Among other arguments: formatted into the message, its fields beside it.
    assert.match(app[3].message, /^with an error RangeError: too far/);
    assert.deepEqual([app[3].errorType, app[3].errorMessage], ['RangeError', 'too far']);
    assert.ok(app[3].stackTrace.length > 1);
    assert.deepEqual(app[4].message, { kept: 'as an object' });

    // The invocation's facts are recorded as in Text (structured, not read from the log).
    // Recorded after the answer: waited for, as lambda-async.test.ts does.
    const read = async () =>
      (await p.inject({ method: 'GET', url: `/functions/json-warn/invocations?requestId=${requestId}`, auth: aliceKey })).json()
        .invocations;
    for (let waited = 0; (await read()).length === 0 && waited < 10_000; waited += 50) await new Promise((r) => setTimeout(r, 50));
    const recorded = await read();
    assert.equal(recorded.length, 1);
    assert.equal(recorded[0].status, 'success');
    assert.equal(recorded[0].memoryMb, 128);
    assert.ok(recorded[0].initDurationMs > 0 && recorded[0].durationMs >= 0);
    assert.equal(recorded[0].durationMs.toFixed(2), m.durationMs.toFixed(2));
    // The kept log is the same JSON (GET /functions/{name}/logs).
    const kept = await p.inject({ method: 'GET', url: `/functions/json-warn/logs?requestId=${requestId}`, auth: aliceKey });
    assert.equal(kept.statusCode, 200);
    assert.equal(kept.json().logs[0].log, log(r), "the whole log is under LogType Tail's 4 KB");
  });

  it('keeps every level at TRACE, the runtimeDone record at system DEBUG; the warm report has no init', async () => {
    await create('json-trace', { LogFormat: 'JSON', ApplicationLogLevel: 'TRACE', SystemLogLevel: 'DEBUG' });
    await invoke('json-trace');
    const records = log(await invoke('json-trace'))
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l));
    assert.deepEqual(
      records.filter((x) => x.type === undefined).map((x) => x.level),
      ['TRACE', 'DEBUG', 'INFO', 'INFO', 'WARN', 'ERROR', 'FATAL', 'ERROR', 'WARN'],
    );
    assert.deepEqual(
      records.filter((x) => x.type !== undefined).map((x) => x.type),
      ['platform.start', 'platform.runtimeDone', 'platform.report'],
    );
    assert.equal(records.at(-1).record.metrics.initDurationMs, undefined);

    // System WARN: no platform records at all.
    await alice.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'json-trace', LoggingConfig: { SystemLogLevel: 'WARN' } }));
    const quiet = log(await invoke('json-trace'));
    assert.doesNotMatch(quiet, /platform\./);
    assert.match(quiet, /"level":"TRACE"/);
  });

  it('leaves Text as it was, and goes back to it', async () => {
    await create('texty');
    const text = log(await invoke('texty'));
    assert.match(text, /^START RequestId: \S+ Version: \$LATEST\n/);
    assert.match(text, /\tINFO\tat log\n/);
    assert.match(text, /\tDEBUG\tat debug\n/, 'Text filters nothing');
    assert.match(text, /REPORT RequestId: \S+\tDuration: [\d.]+ ms\t/);
    assert.deepEqual(payload(await invoke('texty')), { format: null, level: null });

    await alice.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'json-warn', LoggingConfig: { LogFormat: 'Text' } }));
    const back = await alice.send(new GetFunctionConfigurationCommand({ FunctionName: 'json-warn' }));
    assert.deepEqual(back.LoggingConfig, { LogFormat: 'Text', LogGroup: '/aws/lambda/json-warn' });
    assert.match(log(await invoke('json-warn')), /^START RequestId: /);
  });

  it('refuses levels with Text and unknown levels', async () => {
    for (const [config, message] of [
      [{ ApplicationLogLevel: 'DEBUG' }, /JSON log format only/],
      [{ LogFormat: 'JSON', ApplicationLogLevel: 'LOUD' }, /application log level 'LOUD'/],
      [{ LogFormat: 'Yaml' }, /not Text or JSON/],
    ] as const) {
      const r = await refused(create('refused', config));
      assert.deepEqual([r.name, r.status], ['InvalidParameterValueException', 400]);
      assert.match(r.message, message);
    }
  });

  it("writes Python's root logger as JSON records at the level; print stays text", async () => {
    await createNodeFunction(alice, 'py-json', {
      Runtime: 'python3.12',
      Handler: 'app.handler',
      Code: { ZipFile: PY_CODE },
      LoggingConfig: { LogFormat: 'JSON', ApplicationLogLevel: 'WARN' },
    });
    const r = await invoke('py-json');
    assert.equal(r.FunctionError, undefined, Buffer.from(r.Payload ?? []).toString());
    assert.deepEqual(payload(r), { format: 'JSON', level: 'WARN' });
    const lines = log(r).trimEnd().split('\n');
    assert.ok(lines.includes('printed as it is'));
    const records = lines.filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));
    const requestId = records[0].record.requestId;
    const app = records.filter((x) => x.type === undefined);
    assert.deepEqual(
      app.map((x) => [x.level, x.logger, x.requestId]),
      [
        ['WARNING', 'root', requestId],
        ['ERROR', 'orders', requestId],
        ['ERROR', 'root', requestId],
      ],
    );
    assert.equal(app[0].message, 'at warn 1');
    assert.match(app[0].location, /app\.py:handler:\d+$/);
    assert.ok(!Number.isNaN(Date.parse(app[0].timestamp)));
    assert.equal(app[1].orderId, 'o-1', 'extra fields kept');
    assert.deepEqual([app[2].errorType, app[2].errorMessage], ['ValueError', 'bad value']);
    assert.ok(app[2].stackTrace.length > 0);
    assert.equal(records.at(-1).type, 'platform.report');
  });
});

const PY_CODE = makeZip({
  'app.py': `import logging, os
logger = logging.getLogger()
def handler(event, context):
    logger.info("at info")
    logger.warning("at warn %d", 1)
    logging.getLogger("orders").error("order failed", extra={"orderId": "o-1"})
    print("printed as it is")
    try:
        raise ValueError("bad value")
    except ValueError:
        logger.exception("caught")
    return {"format": os.environ.get("AWS_LAMBDA_LOG_FORMAT"), "level": os.environ.get("AWS_LAMBDA_LOG_LEVEL")}
`,
});
