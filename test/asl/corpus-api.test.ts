/**
 * The recorded ASL corpus (../shared/conformance/asl, outcomes AWS returned) through the
 * AWS-compatible API of Hangar, on both shapes at once (one embedded platform, one on PostgreSQL
 * and S3), as a user moving their state machines would run them: each case's state machine created with @aws-sdk/client-sfn and run as AWS ran it —
 * STANDARD with StartExecution and DescribeExecution until it ends (the durable runner), EXPRESS
 * with StartSyncExecution — and a `lambda` case's Python functions created first with
 * @aws-sdk/client-lambda, run in the sandbox. Outcomes are compared as corpus.test.ts compares the
 * in-memory runner's (corpus-compare.ts).
 *
 * Cases the API does not pass yet are listed with the reason in known-failures-api.json (and
 * -api-lambda.json): a case not listed must pass, and a listed case that passes fails the test
 * too, so that the list only shrinks.
 */
import { after, before, it, type TestContext } from 'node:test';
import {
  CreateStateMachineCommand,
  DescribeExecutionCommand,
  type DescribeExecutionCommandOutput,
  GetExecutionHistoryCommand,
  SFNClient,
  StartExecutionCommand,
  StartSyncExecutionCommand,
  StopExecutionCommand,
} from '@aws-sdk/client-sfn';
import { CreateFunctionCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { accountIdOf } from '../../src/aws/index.ts';
import type { ExecutionResult, Json } from '../../src/core/asl/index.ts';
import { NO_SANDBOX } from '../helpers/lambda.ts';
import { testPlatform, type TestPlatform } from '../helpers/platform.ts';
import { makeZip } from '../helpers/zip.ts';
import { type Case, type Category, corpusDir, knownFailures, newTally, readCases, record, recordedMs, report } from './corpus-cases.ts';
import { difference } from './corpus-compare.ts';

/** Not the corpus's us-east-1, so that a definition's ARNs must be moved to run here. */
const REGION = 'eu-central-1';
const ROLE = 'arn:aws:iam::123456789012:role/StepFunctions';
/** Pure and lambda cases run at once. Measured on 2 busy shared cores (load 12-22): all but
 *  the 60-s case ended by 18-19 s; with every case at one width, by 12 s at 16 or 24 and 33 s at
 *  8, but at 16 the lambda cases' cold starts passed Lambda's 10-s init limit under load. */
const WIDTH = 16;
const LAMBDA_WIDTH = 4;
/** The cases' functions' Timeout: past any Task's TimeoutSeconds, as LocalStack's tests made
 *  them (test_invoke_timeout: a Task of 5 s catches States.Timeout from a function that sleeps 60 s). */
const FUNCTION_TIMEOUT_S = 30;
/** A case that has not ended this long after its longest recorded wait and back-off has failed. */
const SLACK_MS = 60_000;

const dir = corpusDir();
const KNOWN = { pure: 'known-failures-api.json', lambda: 'known-failures-api-lambda.json' } as const;

/** Both shapes at once (the long cases' waits overlap): SQLite and disk, PostgreSQL and S3. */
const SHAPES = ['embedded', 'scale-out'] as const;
type Shape = (typeof SHAPES)[number];
const platforms = new Map<Shape, TestPlatform>();
const runs = new Map<Shape, Promise<Run>>();

interface Clients {
  userId: string;
  sfn: SFNClient;
  lambda: LambdaClient;
}

async function clientsOf(p: TestPlatform, userId: string): Promise<Clients> {
  const k = (await p.inject({ method: 'POST', url: '/keys', payload: { userId } })).json() as { keyId: string; key: string };
  const common = { endpoint: p.url!, region: REGION, credentials: { accessKeyId: k.keyId, secretAccessKey: k.key }, maxAttempts: 1 };
  // StartSyncExecution's host prefix (sync-) is AWS's; Hangar serves every operation at one address.
  return { userId, sfn: new SFNClient({ ...common, disableHostPrefix: true }), lambda: new LambdaClient(common) };
}

function destroy(c: Clients): void {
  c.sfn.destroy();
  c.lambda.destroy();
}

/** The case's ARNs (account 111111111111, us-east-1) moved to the user's account and this region. */
function moved<T>(value: T, userId: string): T {
  const text = JSON.stringify(value);
  return text === undefined
    ? value
    : JSON.parse(text.replace(/(arn:aws[a-z-]*:[a-z0-9-]+:)us-east-1:111111111111:/g, `$1${REGION}:${accountIdOf(userId)}:`));
}

/**
 * A `clockDependent` case's input was computed by the test from the clock when AWS ran it: its
 * timestamps are moved by as long as has passed since (format kept), as the test would compute
 * them now. `back` puts the recorded ones again in what the execution answered, for comparing.
 */
function recomputed(c: Case): { input: unknown; back: (text: string) => string } {
  const at = recordedMs(c.source?.recorded);
  if (!c.clockDependent || at === undefined) return { input: c.input, back: (text) => text };
  const shift = Date.now() - at;
  const moves = new Map<string, string>();
  const input = JSON.parse(
    JSON.stringify(c.input).replace(/"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})([^"]*)"/g, (whole, time: string, rest: string) => {
      const now = `${new Date(Date.parse(`${time}Z`) + shift).toISOString().slice(0, 19)}${rest}`;
      moves.set(now, whole.slice(1, -1));
      return `"${now}"`;
    }),
  );
  return { input, back: (text) => [...moves].reduce((t, [now, recorded]) => t.replaceAll(now, recorded), text) };
}

/**
 * The user whose functions a lambda case calls, its functions created: one user per distinct set
 * of functions, so that the cases deploying the same code share it and its warm instances (61
 * cases, 16 sets), and a name given other code in another case is another user's function.
 */
function deployerOf(p: TestPlatform, c: Case, users: Map<string, Promise<Clients>>): Promise<Clients> {
  const functions = Object.entries(c.functions ?? {}).sort(([a], [b]) => a.localeCompare(b));
  const key = JSON.stringify(functions.map(([name, fn]) => [name, fn.runtime, fn.handler, fn.code]));
  let user = users.get(key);
  if (!user) {
    user = (async () => {
      const who = await clientsOf(p, `corpus-${users.size}`);
      for (const [name, fn] of functions)
        await who.lambda.send(
          new CreateFunctionCommand({
            FunctionName: name,
            Runtime: fn.runtime as never,
            Handler: fn.handler,
            Role: ROLE,
            Timeout: FUNCTION_TIMEOUT_S,
            Code: { ZipFile: makeZip({ 'handler.py': fn.code }) },
          }),
        );
      return who;
    })();
    users.set(key, user);
  }
  return user;
}

/** Runs one case through the API: what AWS's outcome and this run's differ in, if anything. */
async function runCase(who: Clients, machine: string, c: Case): Promise<string | undefined> {
  const express = c.stateMachineType === 'EXPRESS';
  const created = await who.sfn.send(
    new CreateStateMachineCommand({
      name: machine,
      definition: JSON.stringify(moved(c.definition, who.userId)),
      roleArn: ROLE,
      type: express ? 'EXPRESS' : 'STANDARD',
    }),
  );
  const clock = recomputed(c);
  const input = c.inputOmitted ? undefined : JSON.stringify(moved(clock.input, who.userId));
  // An EXPRESS case AWS ran asynchronously ends the same way run synchronously; only the sync
  // call answers with the outcome (an async Express execution is not described, as on AWS).
  const ended = express
    ? await who.sfn.send(new StartSyncExecutionCommand({ stateMachineArn: created.stateMachineArn, input }))
    : await untilEnded(
        who.sfn,
        (await who.sfn.send(new StartExecutionCommand({ stateMachineArn: created.stateMachineArn, input }))).executionArn!,
        c,
      );
  if (ended.status === 'RUNNING')
    return `still RUNNING ${Math.round(allowedMs(c) / 1000)} s after its start; its last events: ${'stuckAt' in ended ? ended.stuckAt : ''}`;
  const back = (text: string | undefined) => (text === undefined ? undefined : clock.back(text));
  const result = (
    ended.status === 'SUCCEEDED'
      ? { status: ended.status, output: JSON.parse(back(ended.output) ?? 'null') as Json, events: [] }
      : { status: ended.status, error: back(ended.error), cause: back(ended.cause), events: [] }
  ) as ExecutionResult;
  return difference(c.expect, result);
}

function allowedMs(c: Case): number {
  return ((c.waitSeconds ?? 0) + (c.retrySecondsMax ?? 0)) * 1000 + SLACK_MS;
}

/** DescribeExecution until it has ended, or the case's allowance is spent: then it is stopped
 *  and its last events are told (`stuckAt`), to say where it stood. */
async function untilEnded(
  sfn: SFNClient,
  executionArn: string,
  c: Case,
): Promise<DescribeExecutionCommandOutput | (DescribeExecutionCommandOutput & { stuckAt: string })> {
  const giveUpAt = Date.now() + allowedMs(c);
  for (let delay = 5; ; delay = Math.min(delay * 2, 500)) {
    const d = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    if (d.status !== 'RUNNING') return d;
    if (Date.now() > giveUpAt) {
      const last = await sfn.send(new GetExecutionHistoryCommand({ executionArn, reverseOrder: true, maxResults: 6 }));
      await sfn.send(new StopExecutionCommand({ executionArn }));
      const stuckAt = (last.events ?? [])
        .reverse()
        .map((e) => `${e.type} at ${e.timestamp?.toISOString()}`)
        .join(', ');
      return { ...d, stuckAt };
    }
    await new Promise((r) => setTimeout(r, delay));
  }
}

interface Run {
  /** Each case's difference from AWS's outcome (undefined: none), by category/name. */
  problems: Map<string, string | undefined>;
  /** The run's wall time, its longest case, and when all the others had ended, ms. */
  ms: number;
  longest: { key: string; ms: number };
  othersMs: number;
}

/**
 * Every applicable case, the longest first (so that they bound the run): the pure ones WIDTH at
 * a time and beside them the lambda ones LAMBDA_WIDTH at a time, so that few function instances
 * start at once (16 starting together took over Lambda's 10-s init limit on a busy host).
 */
async function runAll(p: TestPlatform, categories: Category[]): Promise<Run> {
  const started = Date.now();
  const shared = await clientsOf(p, 'corpus');
  const users = new Map<string, Promise<Clients>>();
  const problems = new Map<string, string | undefined>();
  const longest = { key: '', ms: 0 };
  const ends: number[] = [];
  let n = 0;
  const runOne = async (category: Category, name: string, c: Case) => {
    const key = `${category}/${name}`;
    const t0 = Date.now();
    let problem: string | undefined;
    try {
      problem = await runCase(category === 'lambda' ? await deployerOf(p, c, users) : shared, `case-${n++}`, c);
    } catch (e) {
      const err = e as Error;
      problem = `${err.name}: ${err.message}`;
    }
    problems.set(key, problem);
    if (Date.now() - t0 > longest.ms) Object.assign(longest, { key, ms: Date.now() - t0 });
    ends.push(Date.now() - started);
  };
  const pool = async (category: Category, width: number) => {
    const cases = readCases(dir!, category).sort((a, b) => allowedMs(b.c) - allowedMs(a.c) || a.name.localeCompare(b.name));
    let next = 0;
    const worker = async () => {
      while (next < cases.length) {
        const { name, c } = cases[next++];
        await runOne(category, name, c);
      }
    };
    await Promise.all(Array.from({ length: width }, worker));
  };
  try {
    await Promise.all(categories.map((category) => pool(category, category === 'lambda' ? LAMBDA_WIDTH : WIDTH)));
  } finally {
    destroy(shared);
    for (const user of users.values()) await user.then(destroy, () => {});
  }
  return { problems, ms: Date.now() - started, longest, othersMs: ends.sort((a, b) => a - b).at(-2) ?? 0 };
}

function check(t: TestContext, shape: Shape, category: Category, run: Run): void {
  const known = knownFailures(KNOWN[category]);
  const cases = readCases(dir!, category);
  const tally = newTally(cases.map((x) => x.name));
  for (const { name, c } of cases) {
    const key = `${category}/${name}`;
    record(tally, known, name, c, run.problems.has(key) ? run.problems.get(key) : 'not run');
  }
  report(t, `asl corpus ${category} through the API (${shape})`, known, tally, KNOWN[category], true);
}

before(async () => {
  if (!dir) return;
  for (const shape of SHAPES) {
    const p = await testPlatform({ HANGAR_AWS_REGION: REGION }, undefined, shape);
    platforms.set(shape, p);
    const run = runAll(p, NO_SANDBOX ? ['pure'] : ['pure', 'lambda']);
    // Settled here so that a failure is its test's, not an unhandled rejection.
    run.catch(() => {});
    runs.set(shape, run);
  }
});
after(async () => {
  for (const p of platforms.values()) await p.close();
});

const skip = dir ? false : 'the corpus ../shared/conformance/asl is not beside this clone';

for (const shape of SHAPES) {
  it(`runs the pure cases of the corpus through the Step Functions API (${shape})`, { skip, timeout: 600_000 }, async (t) => {
    const r = await runs.get(shape)!;
    t.diagnostic(
      `${r.problems.size} cases, ${WIDTH} at a time, in ${(r.ms / 1000).toFixed(1)} s; the longest ${(r.longest.ms / 1000).toFixed(1)} s (${r.longest.key}), the others ended by ${(r.othersMs / 1000).toFixed(1)} s`,
    );
    check(t, shape, 'pure', r);
  });

  it(`runs the lambda cases through the Step Functions API, their Python functions created with the Lambda API (${shape})`, {
    skip: skip || NO_SANDBOX,
    timeout: 600_000,
  }, async (t) => {
    check(t, shape, 'lambda', await runs.get(shape)!);
  });
}
