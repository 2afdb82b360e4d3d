/** Handlers written for AWS Lambda, unchanged, in a code directory the functions tests share. */
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export const HANDLERS: Record<string, string> = {
  // CommonJS, module state kept while warm.
  'counter.js': `let count = 0;
exports.handler = async (event) => { count++; console.log('count is', count); return { count, echo: event }; };`,
  'esm.mjs': `let count = 0;
const loadedAt = await Promise.resolve(Date.now()); // top-level await, as Lambda allows in ESM
export const handler = async (event) => ({ count: ++count, kind: 'esm', loadedAt, echo: event });`,
  // A .js ES module, as a package.json with "type": "module" makes it.
  'esmpkg/package.json': `{ "type": "module" }`,
  'esmpkg/app.js': `import { basename } from 'node:path';
export const handler = async () => basename(import.meta.url);`,
  'reject.js': `exports.handler = async () => {
  Promise.reject(new TypeError('nobody caught me'));
  await new Promise((r) => setTimeout(r, 1000));
  return 'unreachable';
};`,
  'cjs.cjs': `module.exports = { handler: async () => 'from cjs' };`,
  // Response streaming as written for Lambda's Node runtime (awslambda is its global). It writes,
  // then waits for what it can observe: a gate file (a test makes it once it has the first
  // chunk), or else a short timer; then fails (event.fail) or writes the rest.
  'stream.mjs': `import { existsSync } from 'node:fs';
export const handler = awslambda.streamifyResponse(async (event, responseStream, context) => {
  if (event.early) throw new TypeError('nothing written');
  if (event.type) responseStream.setContentType(event.type);
  if (event.http) responseStream = awslambda.HttpResponseStream.from(responseStream, event.http);
  responseStream.write('first;');
  if (event.gate) while (!existsSync(event.gate)) await new Promise((r) => setTimeout(r, 5));
  else await new Promise((r) => setTimeout(r, event.ms ?? 300));
  if (event.fail) throw new Error('broke mid-stream');
  responseStream.write(context.awsRequestId === undefined ? 'no context' : 'second');
  if (event.sleep) await new Promise((r) => setTimeout(r, event.sleep));
  responseStream.end();
});`,
  'callback.js': `exports.handler = (event, context, callback) => {
  setTimeout(() => callback(null, { via: 'callback', n: event.n * 2 }), 5);
};`,
  'callback-error.js': `exports.handler = (event, context, callback) => callback(new RangeError('too far'));`,
  // The result is serialised when the event loop is empty (unless told not to wait): 'late'.
  'waits.js': `exports.handler = (event, context, callback) => {
  context.callbackWaitsForEmptyEventLoop = event.wait;
  const result = { v: 'early' };
  setTimeout(() => { result.v = 'late'; }, 20);
  callback(null, result);
};`,
  'context.js': `exports.handler = async (event, context) => ({
  awsRequestId: context.awsRequestId,
  functionName: context.functionName,
  functionVersion: context.functionVersion,
  memoryLimitInMB: context.memoryLimitInMB,
  invokedFunctionArn: context.invokedFunctionArn,
  logGroupName: context.logGroupName,
  logStreamName: context.logStreamName,
  remaining: context.getRemainingTimeInMillis(),
  callbackWaitsForEmptyEventLoop: context.callbackWaitsForEmptyEventLoop,
  clientContext: context.clientContext,
  env: { region: process.env.AWS_REGION, tz: process.env.TZ, root: process.env.LAMBDA_TASK_ROOT, handler: process.env._HANDLER,
    hangar: Object.keys(process.env).filter((k) => k.startsWith('HANGAR_') && k !== 'HANGAR_RUNTIME_API_SOCKET') },
  cwd: process.cwd(),
});`,
  'throws.js': `class ValidationError extends Error { constructor(m) { super(m); this.name = 'ValidationError'; } }
exports.handler = async () => { throw new ValidationError('bad input'); };`,
  'lib/deep/nested.js': `exports.api = { v1: { handler: async () => 'nested' } };`,
  'syntax.js': `exports.handler = async () => { return 1 +; };`,
  // An init that takes INIT_MS (blocking, as a heavy module load does).
  'slowinit.js': `const ms = Number(process.env.INIT_MS ?? 0);
Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
exports.handler = async () => 'initialized';`,
  'missing-dep.js': `require('no-such-package-anywhere'); exports.handler = async () => 1;`,
  'no-export.js': `exports.other = async () => 1;`,
  'crash.js': `exports.handler = async (event) => { if (event.crash) process.exit(3); return 'alive'; };`,
  'sleeps.js': `let count = 0;
exports.handler = async (event) => { count++; await new Promise((r) => setTimeout(r, event.ms)); return count; };`,
  'hog.js': `const hold = [];
exports.handler = async (event) => { for (let i = 0; i < event.mb; i++) hold.push(Buffer.alloc(1 << 20, 1)); return hold.length; };`,
  'net.js': `const http = require('node:http');
exports.handler = async (event) => new Promise((resolve) => {
  const req = http.get(event.url, (res) => { res.resume(); resolve('reached ' + res.statusCode); });
  req.on('error', (e) => resolve('error ' + e.code));
  req.setTimeout(2000, () => { req.destroy(); resolve('error timeout'); });
});`,
  'whoami.js': `exports.handler = async () => ({ uid: process.getuid(), pid: process.pid, tmpWritable: (() => {
  require('node:fs').writeFileSync('/tmp/x', 'y'); return true; })() });`,
  // What an extension or user code sees at AWS_LAMBDA_RUNTIME_API.
  'rapi.js': `const http = require('node:http');
exports.handler = async () => new Promise((resolve) => {
  http.get('http://' + process.env.AWS_LAMBDA_RUNTIME_API + '/2018-06-01/runtime/nothing', (res) => {
    let body = '';
    res.on('data', (c) => (body += c));
    res.on('end', () => resolve({ api: process.env.AWS_LAMBDA_RUNTIME_API, status: res.statusCode, errorType: JSON.parse(body).errorType,
      socketVar: process.env.HANGAR_RUNTIME_API_SOCKET ?? null }));
  }).on('error', (e) => resolve({ error: e.message }));
});`,
  'big.js': `exports.handler = async () => 'x'.repeat(7 * 1024 * 1024);`,
  // Python, as Lambda's python3.x runtimes run it.
  'py_counter.py': `import os
count = 0
def handler(event, context):
    global count
    count += 1
    print("count is", count)
    return {"count": count, "echo": event, "requestId": context.aws_request_id, "functionName": context.function_name,
            "memory": context.memory_limit_in_mb, "remaining": context.get_remaining_time_in_millis(), "region": os.environ["AWS_REGION"]}
`,
  'py_rapi.py': `import json, os, urllib.error, urllib.request
def handler(event, context):
    url = "http://" + os.environ["AWS_LAMBDA_RUNTIME_API"] + "/2018-06-01/runtime/nothing"
    try:
        urllib.request.urlopen(url, timeout=5)
        return {"status": 200}
    except urllib.error.HTTPError as e:
        return {"status": e.code, "errorType": json.loads(e.read())["errorType"], "socketVar": os.environ.get("HANGAR_RUNTIME_API_SOCKET")}
`,
  'py_errors.py': `class ValidationError(Exception):
    pass
def handler(event, context):
    raise ValidationError("bad input")
`,
  'py_bytes.py': `def handler(event, context):
    return b'"as sent"'
`,
  'pydir/mod.py': `def handler(event, context):
    return "nested python"
`,
  'py_syntax.py': `def handler(event, context)
    return 1
`,
  'py_context.py': `import os
def handler(event, context):
    return {"awsRequestId": context.aws_request_id, "invokedFunctionArn": context.invoked_function_arn,
            "functionName": context.function_name, "functionVersion": context.function_version,
            "memory": context.memory_limit_in_mb, "logGroupName": context.log_group_name,
            "logStreamName": context.log_stream_name, "remaining": context.get_remaining_time_in_millis(),
            "clientContext": context.client_context, "identity": context.identity, "traceId": os.environ.get("_X_AMZN_TRACE_ID")}
`,
  'py_size.py': `def handler(event, context):
    return "x" * event["n"]
`,
};

/** A \`provided\` runtime: the function's own bootstrap, a shell script speaking the Runtime API with curl. */
export const PROVIDED_BOOTSTRAP = `#!/bin/sh
set -eu
API="http://\${AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime"
count=0
while true; do
  headers=$(mktemp)
  event=$(curl -sS -D "$headers" "$API/invocation/next")
  id=$(grep -i '^lambda-runtime-aws-request-id:' "$headers" | tr -d '\\r' | cut -d' ' -f2)
  rm -f "$headers"
  count=$((count + 1))
  if [ "$event" = '"stream"' ]; then
    # A streamed response, as Lambda's Runtime API takes it: chunked, in streaming mode.
    { printf 'one;'; sleep 0.2; printf 'two'; } | curl -sS -X POST -H 'Lambda-Runtime-Function-Response-Mode: streaming' \\
      -H 'Transfer-Encoding: chunked' -H 'Content-Type: text/plain' --data-binary @- "$API/invocation/$id/response" >/dev/null
  elif [ "$event" = '"fail"' ]; then
    curl -sS -X POST -H 'Lambda-Runtime-Function-Error-Type: Shell.Failure' \\
      -d '{"errorMessage":"asked to fail","errorType":"Shell.Failure"}' "$API/invocation/$id/error" >/dev/null
  else
    curl -sS -X POST -d "{\\"echo\\":$event,\\"count\\":$count,\\"handler\\":\\"$_HANDLER\\"}" "$API/invocation/$id/response" >/dev/null
  fi
done
`;

/** Writes every handler under `dir` (readable by the sandbox uid). */
export function writeHandlers(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  chmodSync(dir, 0o755);
  for (const [name, code] of Object.entries(HANDLERS)) {
    const file = join(dir, name);
    mkdirSync(dirname(file), { recursive: true, mode: 0o755 });
    writeFileSync(file, code, { mode: 0o644 });
  }
  for (const sub of ['lib', 'lib/deep', 'pydir', 'esmpkg']) chmodSync(join(dir, sub), 0o755);
}

/** Writes a \`provided\` function's code (its bootstrap) into `dir`. */
export function writeProvided(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  chmodSync(dir, 0o755);
  writeFileSync(join(dir, 'bootstrap'), PROVIDED_BOOTSTRAP, { mode: 0o755 });
}
