/**
 * One of Hangar's bootstraps as a plain child process (no sandbox) talking to a real Runtime API
 * server over its unix socket, on either exchange: the Runtime API's HTTP (as any runtime), or
 * Hangar's frames (src/functions/runtime-frames.ts), which a bootstrap uses when Hangar starts it.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { type InvocationOutcome, type ResponseSink, RuntimeApi } from '../../src/functions/runtime-api.ts';
import { freePort } from '../helpers/process.ts';
import { writeHandlers } from './fixtures.ts';

export type Exchange = 'http' | 'frames';
export const EXCHANGES: readonly Exchange[] = ['http', 'frames'];
export const exchangeName = (e: Exchange) => (e === 'http' ? "the Runtime API's HTTP" : "Hangar's frames");

export interface Plain {
  api: RuntimeApi;
  child: ChildProcess;
  /** stdout and stderr as they arrived. */
  stdout: () => string;
  /** Resolves once stdout and stderr match: a log line travels its own pipe, it may arrive just
   *  after the answer. */
  logged(re: RegExp): Promise<void>;
  exited: Promise<number | null>;
  invoke(
    event: unknown,
    over?: { deadlineMs?: number; clientContext?: string; traceId?: string; sink?: ResponseSink },
  ): Promise<InvocationOutcome & { requestId: string }>;
}

export const ARN = 'arn:aws:lambda:eu-west-1:123456789012:function:fn';

/** Starts `command` (the bootstrap) per test in a temp dir of fixtures.ts's handlers; all are
 *  killed and the dir removed after the file's tests. */
export function plainRuntimes(prefix: string, command: string[]) {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const code = join(dir, 'code');
  writeHandlers(code);
  const started: Plain[] = [];
  after(async () => {
    for (const p of started) {
      p.child.kill('SIGKILL');
      await p.api.close();
    }
    rmSync(dir, { recursive: true, force: true });
  });
  let n = 0;
  return async function start(handler: string, exchange: Exchange, maxResponseBytes?: number): Promise<Plain> {
    const api = new RuntimeApi(join(dir, `b${n++}.sock`), maxResponseBytes);
    await api.listen();
    // Frames: Hangar's own socket, and AWS_LAMBDA_RUNTIME_API offered by the bootstrap on TCP (as
    // in the sandbox). HTTP: the socket as AWS_LAMBDA_RUNTIME_API.
    const where =
      exchange === 'frames'
        ? { HANGAR_RUNTIME_API_SOCKET: api.socketPath, AWS_LAMBDA_RUNTIME_API: `127.0.0.1:${await freePort()}` }
        : { AWS_LAMBDA_RUNTIME_API: api.socketPath };
    const child = spawn(command[0], command.slice(1), {
      cwd: code,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        ...where,
        _HANDLER: handler,
        LAMBDA_TASK_ROOT: code,
        AWS_LAMBDA_FUNCTION_NAME: 'fn',
        AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
        AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '128',
        AWS_LAMBDA_LOG_GROUP_NAME: '/aws/lambda/fn',
        AWS_LAMBDA_LOG_STREAM_NAME: '2026/12/05/[$LATEST]abc',
        AWS_REGION: 'eu-west-1',
        TZ: ':UTC',
      },
    });
    let out = '';
    const watchers = new Set<() => void>();
    for (const s of [child.stdout!, child.stderr!])
      s.on('data', (c: Buffer) => {
        out += c.toString();
        for (const w of watchers) w();
      });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    // A runtime that exits fails the init phase or the invocation in flight, as the instance does.
    void exited.then((c) => api.fail({ errorType: 'Runtime.ExitError', payload: Buffer.from(`{"exit":${c}}`) }));
    const p: Plain = {
      api,
      child,
      exited,
      stdout: () => out,
      logged: (re) =>
        new Promise((resolve) => {
          const check = () => {
            if (!re.test(out)) return;
            watchers.delete(check);
            resolve();
          };
          watchers.add(check);
          check();
        }),
      async invoke(event, over = {}) {
        const requestId = randomUUID();
        const o = await api.invoke(
          Buffer.from(JSON.stringify(event)),
          {
            requestId,
            deadlineMs: over.deadlineMs ?? Date.now() + 30_000,
            invokedFunctionArn: ARN,
            clientContext: over.clientContext,
            traceId: over.traceId,
          },
          over.sink,
        );
        return { ...o, requestId };
      },
    };
    started.push(p);
    return p;
  };
}

/** The outcome's payload (the result, or the error document) as JSON. */
export const json = (o: InvocationOutcome) => JSON.parse((o.kind === 'result' ? o.payload : o.error.payload).toString());
