/**
 * A Task resolver for the corpus's `lambda` cases: runs each case's few-line Python handler in a
 * python3 process, and answers as Step Functions' Lambda integrations do — the handler's result
 * for `arn:aws:lambda:…:function:NAME`, the Invoke response for `arn:aws:states:::lambda:invoke`,
 * and a handler's exception as the error `errorType` with Lambda's JSON cause.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createInterface } from 'node:readline';
import {
  type Json,
  type LambdaOutcome,
  lambdaCallOf,
  lambdaNotFound,
  lambdaResultOf,
  StatesFailure,
  type TaskRequest,
} from '../../src/core/asl/index.ts';

export interface PythonFunction {
  code: string;
}

// One python3 process answers every request, a JSON line each way; each request's handler is
// compiled afresh as /var/task/handler.py (so its stack trace reads as Lambda's does) in a scope
// of its own, as a new process per request did, without a Python start each time (43 cases took
// 67 s that way).
const SERVER = `
import json, linecache, sys, traceback
name = '/var/task/handler.py'
for line in sys.stdin:
    req = json.loads(line)
    linecache.cache[name] = (len(req['code']), None, req['code'].splitlines(True), name)
    scope = {}
    if 'raw' in req:
        try:
            req['event'] = json.loads(req['raw'])
        except ValueError:
            req['event'] = req['raw']
    try:
        exec(compile(req['code'], name, 'exec'), scope)
        result = scope['handler'](req['event'], None)
        # The Python runtime sends bytes as they are and anything else as json.dumps of it.
        body = result.decode('utf-8') if isinstance(result, bytes) else json.dumps(result)
        out = {'body': body}
    except Exception as e:
        frames = [f for f in traceback.extract_tb(e.__traceback__) if f.filename == name]
        error = {'errorMessage': str(e), 'errorType': type(e).__name__, 'requestId': req['requestId'], 'stackTrace': traceback.format_list(frames)}
        # Lambda's function error body is the runtime's json.dumps (spaced); the lambda:invoke integration re-serialises it compactly.
        out = {'error': error, 'spaced': json.dumps(error)}
    sys.stdout.write(json.dumps(out) + '\\n')
    sys.stdout.flush()
`;

/** The python3 process, started at the first request; a timed-out request ends it (the next starts another). */
let python: { child: ChildProcess; lines: AsyncIterator<string> } | null = null;
let queue: Promise<unknown> = Promise.resolve();

function pythonProcess(): { child: ChildProcess; lines: AsyncIterator<string> } {
  if (python && python.child.exitCode === null && !python.child.killed) return python;
  const child = spawn('python3', ['-u', '-c', SERVER], { stdio: ['pipe', 'pipe', 'inherit'] });
  python = { child, lines: createInterface({ input: child.stdout! })[Symbol.asyncIterator]() };
  return python;
}

/** Ends the python3 process (the test's after hook). */
export function stopPython(): void {
  python?.child.kill('SIGKILL');
  python = null;
}

/** Runs the handler; returns the response body, or throws its error as Step Functions reports it. */
/** `raw`: a request body Python parses itself, so 0.0 stays 0.0 as it does on AWS. */
/** A handler's exception: its type and Lambda's error document (the runtime's json.dumps). */
class FunctionError extends Error {
  readonly errorType: string;
  readonly document: string;
  constructor(errorType: string, document: string) {
    super(errorType);
    this.errorType = errorType;
    this.document = document;
  }
}

function invoke(fn: PythonFunction, input: { event: Json } | { raw: string }, timeoutSeconds: number | undefined): Promise<string> {
  // One request at a time through the one process.
  const run = queue.then(async () => {
    const p = pythonProcess();
    p.child.stdin!.write(`${JSON.stringify({ code: fn.code, requestId: randomUUID(), ...input })}\n`);
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      if (timeoutSeconds !== undefined) timer = setTimeout(() => resolve('timeout'), timeoutSeconds * 1000);
    });
    const next = await Promise.race([p.lines.next(), timedOut]);
    clearTimeout(timer);
    if (next === 'timeout') {
      stopPython();
      throw new StatesFailure('States.Timeout', '');
    }
    if (next.done) throw new Error('python3 ended');
    const out = JSON.parse(next.value);
    if (out.error) throw new FunctionError(out.error.errorType, out.spaced);
    return out.body as string;
  });
  queue = run.catch(() => {});
  return run;
}

export function pythonLambdaResolver(functions: Record<string, PythonFunction>) {
  return async (request: TaskRequest): Promise<Json> => {
    const call = lambdaCallOf(request);
    if (!call) throw new StatesFailure('States.Runtime', `No resolver for ${request.resource}`);
    const fn = functions[call.functionName];
    const requestId = randomUUID();
    if (!fn) {
      const arn = `arn:aws:lambda:us-east-1:111111111111:function:${call.functionName}${call.integration === 'invoke' ? ':$LATEST' : ''}`;
      throw lambdaNotFound(call, call.integration === 'invoke' ? arn : request.resource, requestId);
    }
    // A string Payload of lambda:invoke is parsed by Python itself, so 0.0 stays 0.0 as on AWS.
    const params = request.parameters as { Payload?: Json };
    const input =
      call.integration === 'invoke' && typeof params.Payload === 'string'
        ? { raw: params.Payload }
        : { event: JSON.parse(call.payload) as Json };
    let outcome: LambdaOutcome;
    try {
      outcome = { requestId, executedVersion: '$LATEST', payload: await invoke(fn, input, request.timeoutSeconds) };
    } catch (e) {
      if (!(e instanceof FunctionError)) throw e;
      outcome = { requestId, executedVersion: '$LATEST', payload: e.document, errorType: e.errorType };
    }
    return lambdaResultOf(call, outcome, new Date());
  };
}
