/** `hangar submit [command] [options] [-- program args...]`, optionally waiting for the result. */
import { setTimeout as sleep } from 'node:timers/promises';
import { InvalidArgumentError, type Command } from 'commander';
import { readFileSync } from 'node:fs';
import { ApiError, FINAL_STATUSES, type BatchSubmitResult, type HangarClient, type SubmitRequest, type Task } from '../client/index.ts';
import { taskDetails } from '../render.ts';
import { clientFor, clientOptions, envPair, int, print, printJson, type ClientFlags } from './common.ts';
import { streamTask } from './follow.ts';

interface SubmitFlags extends ClientFlags {
  priority?: number;
  user?: string;
  timeout?: number;
  queue?: string;
  maxAttempts?: number;
  visibilityTimeout?: number;
  metadata?: Record<string, unknown>;
  env?: Record<string, string>;
  cpu?: number;
  memory?: number;
  idempotencyKey?: string;
  shell?: string;
  image?: string;
  egress?: boolean;
  project?: string;
  secret?: string[];
  wait?: boolean;
  batch?: string;
}

function jsonObject(value: string): Record<string, unknown> {
  let v: unknown;
  try {
    v = JSON.parse(value);
  } catch {
    throw new InvalidArgumentError('Not valid JSON.');
  }
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw new InvalidArgumentError('Must be a JSON object.');
  return v as Record<string, unknown>;
}

/**
 * Splits off the program after the first literal `--` before commander sees the arguments
 * (commander drops the `--` itself, so `submit -- echo hi` and `submit echo hi` would look
 * alike). A `--` that is the value of an option (`--shell --`) is not the separator.
 */
function splitProgram(cmd: Command, args: string[]): { own: string[]; program: string[] | null } {
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--') return { own: args.slice(0, i), program: args.slice(i + 1) };
    const opt = a.startsWith('-') && !a.includes('=') ? cmd.options.find((o) => o.long === a || o.short === a) : undefined;
    if (opt && (opt.required || opt.optional)) i++;
  }
  return { own: args, program: null };
}

export function submitCommand(program: Command): void {
  let argv: string[] | null = null;
  const cmd = clientOptions(
    program
      .command('submit')
      .description('Submit a task: a built-in workload by name, a --shell string, or a program after --')
      .argument(
        '[command]',
        'workload name (cpu-intensive, memory-intensive, io-intensive, network-test, error, timeout, or a custom name); only a label with --shell or --',
      )
      .option('--priority <n>', 'priority 0-10; >= 5 goes to the priority queue', int)
      .option('--user <id>', 'user id the task runs for')
      .option('--timeout <s>', 'seconds before the task is killed (TIMEOUT)', int)
      .option('--queue <name>', 'queue to submit to (default: default)')
      .option('--max-attempts <n>', 'attempts before the task is dead-lettered', int)
      .option('--visibility-timeout <s>', 'seconds a lease lasts without a heartbeat', int)
      .option('--metadata <json>', 'JSON object stored with the task (workloads read parameters from it)', jsonObject)
      .option('--env <KEY=VALUE>', 'environment variable for the program (repeatable)', envPair)
      .option('--cpu <units>', 'CPU units, 1024 = 1 vCPU', int)
      .option('--memory <mb>', 'memory limit, MB', int)
      .option('--idempotency-key <k>', 'same key and body return the same task')
      .option('--shell <string>', 'run a real program: a /bin/sh -c string')
      .option('--image <name>', 'run the program in a registered image (hangar image list)')
      .option('--egress', 'outbound network through the guarded proxy (network: egress)')
      .option('--project <id>', "run in the project's latest files; what the task leaves there becomes its next version (hangar project)")
      .option(
        '--secret <name>',
        'inject your secret <name> as the environment variable <name> (repeatable; hangar secret set)',
        (v: string, acc: string[] = []) => [...acc, v],
      )
      .option(
        '--wait',
        "stream the task's output as it runs (stdout to stdout, stderr to stderr), then print its status and result (exit 0 only for SUCCESS)",
      )
      .option(
        '--batch <file>',
        'submit many tasks: a JSON array, or one JSON object per line, of POST /tasks bodies (- for standard input); the options above are defaults for every entry; sent 1,000 at a time, each thousand all or none; prints the task ids in order (with --wait: each id and its final status, exit 0 only if all succeeded)',
      )
      .usage('[command] [options] [-- program [args...]]')
      .addHelpText(
        'after',
        '\nExamples:\n  hangar submit cpu-intensive --priority 7 --wait\n  hangar submit --shell "make test" --timeout 600\n  hangar submit -- echo hello\n  hangar submit --batch jobs.ndjson --queue nightly',
      ),
  );
  const parse = cmd.parseOptions.bind(cmd);
  cmd.parseOptions = (args: string[]) => {
    const split = splitProgram(cmd, args);
    argv = split.program;
    return parse(split.own);
  };
  cmd.action(async (command: string | undefined, flags: SubmitFlags) => {
    if (flags.batch !== undefined) {
      if (command !== undefined || argv || flags.shell !== undefined) {
        cmd.error('error: --batch takes its tasks from the file; give no command, --shell or program with it', { exitCode: 2 });
      }
      return submitBatch(cmd, flags);
    }
    if (argv !== null && argv.length === 0)
      cmd.error('error: nothing after --; give a program to run, e.g. hangar submit -- echo hello', { exitCode: 2 });
    if (argv && flags.shell !== undefined) cmd.error('error: give --shell or a program after --, not both', { exitCode: 2 });
    if (command === undefined && !argv && flags.shell === undefined) {
      cmd.error('error: nothing to run; give a command (e.g. cpu-intensive), --shell <string> or a program after --', { exitCode: 2 });
    }
    const body: SubmitRequest = {
      ...bodyOptions(flags),
      command,
      args: argv ?? undefined,
      shell: flags.shell,
    };
    const client = clientFor(flags);
    const submitted = await client.tasks.submit(body);
    if (!flags.wait) {
      if (flags.json) printJson(submitted);
      else print(submitted.taskId);
      return;
    }
    if (flags.json) {
      const task = await waitFor(client, submitted.taskId);
      printJson(task);
      process.exitCode = task.status === 'SUCCESS' ? 0 : 1;
      return;
    }
    const { openLine } = await streamTask(client, submitted.taskId);
    const task = await client.tasks.get(submitted.taskId);
    print(`${openLine ? '\n' : ''}${taskDetails(task)}`);
    process.exitCode = task.status === 'SUCCESS' ? 0 : 1;
  });
}

/** The request fields the options set (undefined where not given). */
function bodyOptions(flags: SubmitFlags): Omit<SubmitRequest, 'command' | 'args' | 'shell'> {
  return {
    priority: flags.priority,
    userId: flags.user,
    timeout: flags.timeout,
    queue: flags.queue,
    maxAttempts: flags.maxAttempts,
    visibilityTimeout: flags.visibilityTimeout,
    metadata: flags.metadata,
    env: flags.env,
    idempotencyKey: flags.idempotencyKey,
    image: flags.image,
    secrets: flags.secret,
    project: flags.project,
    network: flags.egress ? 'egress' : undefined,
    resources: flags.cpu !== undefined || flags.memory !== undefined ? { cpu: flags.cpu, memory: flags.memory } : undefined,
  };
}

/** Most entries of one POST /tasks/batch. */
const BATCH = 1000;

/**
 * `submit --batch <file>`: the entries, with the options as defaults, in requests of BATCH
 * (each all or none). --idempotency-key K gives entry i without a key of its own the key K:i,
 * so running the same command again replays instead of queueing twice. A refused request stops
 * the run; what earlier requests queued is printed first.
 */
async function submitBatch(cmd: Command, flags: SubmitFlags): Promise<void> {
  let text = '';
  try {
    text = readFileSync(flags.batch === '-' ? 0 : (flags.batch as string), 'utf8');
  } catch (err) {
    cmd.error(`error: cannot read ${flags.batch}: ${(err as Error).message}`, { exitCode: 2 });
  }
  let entries: unknown;
  try {
    const trimmed = text.trim();
    entries = trimmed.startsWith('[')
      ? JSON.parse(trimmed)
      : trimmed
          .split('\n')
          .filter((l) => l.trim() !== '')
          .map((l) => JSON.parse(l) as unknown);
  } catch (err) {
    cmd.error(`error: ${flags.batch} is neither a JSON array nor one JSON object per line (${(err as Error).message})`, { exitCode: 2 });
  }
  if (!Array.isArray(entries) || entries.length === 0 || entries.some((e) => !e || typeof e !== 'object' || Array.isArray(e))) {
    cmd.error(`error: ${flags.batch} holds no tasks: give POST /tasks bodies (JSON objects)`, { exitCode: 2 });
  }
  const defaults = Object.fromEntries(Object.entries(bodyOptions(flags)).filter(([k, v]) => v !== undefined && k !== 'idempotencyKey'));
  const bodies = (entries as Record<string, unknown>[]).map((e, i) => ({
    ...defaults,
    ...(flags.idempotencyKey !== undefined && e.idempotencyKey === undefined ? { idempotencyKey: `${flags.idempotencyKey}:${i}` } : {}),
    ...e,
  })) as SubmitRequest[];
  const client = clientFor(flags);
  const answers: BatchSubmitResult['tasks'] = [];
  try {
    for (let i = 0; i < bodies.length; i += BATCH) {
      const r = await client.tasks.submitBatch(bodies.slice(i, i + BATCH));
      if (!flags.json && !flags.wait) for (const t of r.tasks) print(t.taskId);
      answers.push(...r.tasks);
    }
  } catch (err) {
    if (err instanceof ApiError && answers.length > 0)
      process.stderr.write(`${answers.length} of ${bodies.length} tasks were queued; the next ${BATCH} were refused\n`);
    throw err;
  }
  if (!flags.wait) {
    if (flags.json) printJson(answers);
    return;
  }
  const tasks = await waitForAll(
    client,
    answers.map((a) => a.taskId),
  );
  if (flags.json) printJson(tasks);
  else for (const t of tasks) print(`${t.taskId} ${t.status}`);
  process.exitCode = tasks.every((t) => t.status === 'SUCCESS') ? 0 : 1;
}

/** Polls the tasks not yet final (8 requests at a time), every 250 ms, until all are. */
async function waitForAll(client: HangarClient, ids: string[]): Promise<Task[]> {
  const done = new Map<string, Task>();
  for (;;) {
    const open = ids.filter((id) => !done.has(id));
    for (let i = 0; i < open.length; i += 8) {
      for (const t of await Promise.all(open.slice(i, i + 8).map((id) => client.tasks.get(id))))
        if (FINAL_STATUSES.includes(t.status)) done.set(t.taskId, t);
    }
    if (done.size === new Set(ids).size) return ids.map((id) => done.get(id) as Task);
    await sleep(250);
  }
}

/** Polls GET /tasks/{id} every 100-250 ms until the task reaches a final status. */
export async function waitFor(client: HangarClient, id: string): Promise<Task> {
  let delay = 100;
  for (;;) {
    const t = await client.tasks.get(id);
    if (FINAL_STATUSES.includes(t.status)) return t;
    await sleep(delay);
    delay = Math.min(250, Math.round(delay * 1.5));
  }
}
