/** `hangar workflow create|update|list|get|rm|start|describe|executions|history|stop|redrive|test-state`: state
 *  machines in the Amazon States Language and their executions, over /state-machines and
 *  /executions (src/api/routes/workflows.ts); publish|versions|alias in ./workflow-versions.ts. */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { type Command, InvalidArgumentError } from 'commander';
import type { ExecutionInfo, HistoryEventInfo, StartedInfo, StateMachineInfo } from '../client/index.ts';
import { fields, table, time } from '../render.ts';
import { clientFor, clientOptions, int, print, printJson, type ClientFlags } from './common.ts';
import { machineQualifier, workflowVersionCommands } from './workflow-versions.ts';

type UserFlags = ClientFlags & { user?: string };

/** A definition file's text (`-`: standard input), as it is: the server keeps it as sent. */
function definitionFrom(file: string): string {
  return readFileSync(file === '-' ? 0 : resolve(file), 'utf8');
}

/** A JSON argument, parsed; not JSON is a usage error (exit 2). */
function jsonArg(value: string): unknown {
  try {
    return JSON.parse(value);
  } catch {
    throw new InvalidArgumentError('Not JSON.');
  }
}

function levelArg(value: string): 'INFO' | 'DEBUG' | 'TRACE' {
  const l = value.toUpperCase();
  if (l !== 'INFO' && l !== 'DEBUG' && l !== 'TRACE') throw new InvalidArgumentError('INFO, DEBUG or TRACE.');
  return l;
}

function typeArg(value: string): 'STANDARD' | 'EXPRESS' {
  const t = value.toUpperCase();
  if (t !== 'STANDARD' && t !== 'EXPRESS') throw new InvalidArgumentError('STANDARD or EXPRESS.');
  return t;
}

const json = (v: unknown) => (v === null || v === undefined ? null : JSON.stringify(v));

const machineFields = (m: StateMachineInfo) =>
  fields([
    ['state machine', m.name],
    ['type', m.type],
    ['user', m.userId],
    ['role', m.roleArn],
    ['description', m.description || null],
    ['revision', m.revisionId],
    ['created', time(m.createdAt)],
    ['updated', time(m.updatedAt)],
  ]);

const executionFields = (e: ExecutionInfo) =>
  fields([
    ['execution', e.id],
    ['name', e.name],
    ['state machine', e.stateMachineName],
    ['status', e.status],
    ['started', time(e.startedAt)],
    ['stopped', time(e.stoppedAt)],
    ['input', json(e.input)],
    ['output', json(e.output)],
    ['error', e.error],
    ['cause', e.cause],
  ]);

function startedText(s: StartedInfo): string {
  if (s.type === 'STANDARD') {
    const runs = s.version === null ? '' : `, version ${s.version}${s.alias === null ? '' : ` through ${s.alias}`}`;
    return `${s.id}: ${s.started ? 'started' : 'already running'} (${s.stateMachineName}/${s.name}${runs})`;
  }
  if (s.status === 'RUNNING') return `${s.stateMachineName}/${s.name}: started (EXPRESS, not stored: ${s.expressId})`;
  return fields([
    ['execution', `${s.stateMachineName}/${s.name} (EXPRESS ${s.expressId})`],
    ['status', s.status],
    ['output', json(s.output)],
    ['error', s.error],
    ['cause', s.cause],
  ]);
}

const executionRows = (es: ExecutionInfo[]) =>
  table(
    ['EXECUTION', 'STATE MACHINE', 'NAME', 'STATUS', 'STARTED', 'STOPPED'],
    es.map((e) => [e.id, e.stateMachineName, e.name, e.status, time(e.startedAt), time(e.stoppedAt)]),
  );

/** An event's details in a line: the state's name first, then the rest as JSON. */
function detailText(e: HistoryEventInfo): string {
  if (!e.details) return '';
  const { name, ...rest } = e.details;
  const more = Object.keys(rest).length > 0 ? JSON.stringify(rest) : '';
  return [typeof name === 'string' ? name : '', more.length > 120 ? `${more.slice(0, 119)}…` : more].filter(Boolean).join(' ');
}

export function workflowCommands(program: Command): void {
  const wf = program
    .command('workflow')
    .description('Workflows: state machines in the Amazon States Language (Step Functions), and their executions');

  clientOptions(
    wf
      .command('create')
      .description('Create a state machine from a definition file (ASL JSON; - for standard input)')
      .argument('<name>')
      .argument('<definition-file>')
      .option('--type <type>', 'STANDARD (default: durable, stored) or EXPRESS (in memory)', typeArg)
      .option('--role <arn>', 'an IAM role ARN, kept as Step Functions keeps it')
      .option('--description <text>')
      .option('--user <id>', 'admin keys: whose state machine'),
  ).action(
    async (name: string, file: string, flags: UserFlags & { type?: 'STANDARD' | 'EXPRESS'; role?: string; description?: string }) => {
      const m = await clientFor(flags).workflows.create(
        { name, definition: definitionFrom(file), type: flags.type, roleArn: flags.role, description: flags.description },
        flags.user,
      );
      if (flags.json) return printJson(m);
      print(`${m.name}: created (${m.type}, revision ${m.revisionId})`);
    },
  );

  clientOptions(
    wf
      .command('update')
      .description("Change a state machine's definition, role or description (running executions keep theirs)")
      .argument('<name>')
      .option('--definition <file>', 'a new definition file (- for standard input)')
      .option('--role <arn>')
      .option('--description <text>')
      .option('--user <id>', 'admin keys: whose state machine'),
  ).action(async (name: string, flags: UserFlags & { definition?: string; role?: string; description?: string }) => {
    const m = await clientFor(flags).workflows.update(
      name,
      {
        ...(flags.definition !== undefined ? { definition: definitionFrom(flags.definition) } : {}),
        ...(flags.role !== undefined ? { roleArn: flags.role } : {}),
        ...(flags.description !== undefined ? { description: flags.description } : {}),
      },
      flags.user,
    );
    if (flags.json) return printJson(m);
    print(`${m.name}: updated (revision ${m.revisionId})`);
  });

  clientOptions(
    wf
      .command('list')
      .description('State machines by name (a user key: its own)')
      .option('--limit <n>', 'at most this many', int)
      .option('--user <id>', "admin keys: this user's"),
  ).action(async (flags: UserFlags & { limit?: number }) => {
    const page = await clientFor(flags).workflows.list({ userId: flags.user, limit: flags.limit });
    if (flags.json) return printJson(page);
    print(
      page.stateMachines.length > 0
        ? table(
            ['STATE MACHINE', 'TYPE', 'CREATED', 'UPDATED'],
            page.stateMachines.map((m) => [m.name, m.type, time(m.createdAt), time(m.updatedAt)]),
          )
        : 'no state machines (hangar workflow create <name> <definition-file>)',
    );
  });

  clientOptions(
    wf
      .command('get')
      .description('A state machine and its definition')
      .argument('<name>')
      .option('--user <id>', 'admin keys: whose state machine'),
  ).action(async (name: string, flags: UserFlags) => {
    const m = await clientFor(flags).workflows.get(name, flags.user);
    if (flags.json) return printJson(m);
    print(`${machineFields(m)}\n\n${m.definition}`);
  });

  clientOptions(
    wf
      .command('rm')
      .description('Delete a state machine (its executions stay readable; running ones run to their end)')
      .argument('<name>')
      .option('--user <id>', 'admin keys: whose state machine'),
  ).action(async (name: string, flags: UserFlags) => {
    const r = await clientFor(flags).workflows.delete(name, flags.user);
    if (flags.json) return printJson(r);
    print(`${name}: deleted`);
  });

  clientOptions(
    wf
      .command('start')
      .description('Start an execution; prints its id (STANDARD), or with --sync runs an EXPRESS one to its end')
      .argument('<state-machine>', 'NAME, or NAME:N (its version N) or NAME:ALIAS (the version the alias picks)')
      .option('--input <json>', 'the input, a JSON value (default {})', jsonArg)
      .option('--input-file <file>', 'the input from a JSON file (- for standard input)')
      .option('--name <name>', 'the execution name (default: a UUID); a repeated start while it runs is answered with it')
      .option('--sync', 'EXPRESS machines: wait for the end and print the output')
      .option('--user <id>', 'admin keys: whose state machine'),
  ).action(
    async (machine: string, flags: UserFlags & { input?: unknown; inputFile?: string; name?: string; sync?: boolean }, cmd: Command) => {
      if (flags.input !== undefined && flags.inputFile !== undefined) cmd.error('error: give --input or --input-file, not both');
      let input = flags.input;
      if (flags.inputFile !== undefined) {
        try {
          input = JSON.parse(readFileSync(flags.inputFile === '-' ? 0 : resolve(flags.inputFile), 'utf8'));
        } catch (err) {
          cmd.error(`error: --input-file: ${err instanceof Error ? err.message : String(err)}`);
        }
      }
      const { machine: name, version, alias } = machineQualifier(machine);
      const s = await clientFor(flags).workflows.start(
        name,
        { name: flags.name, input, version, alias },
        { sync: flags.sync, userId: flags.user },
      );
      // A sync run that did not succeed exits 1, as a failed command does.
      if (s.type === 'EXPRESS' && s.status !== 'RUNNING' && s.status !== 'SUCCEEDED') process.exitCode = 1;
      if (flags.json) return printJson(s);
      print(startedText(s));
    },
  );

  clientOptions(
    wf
      .command('describe')
      .description('An execution: status, input, output, error')
      .argument('<execution-id>')
      .option('--user <id>', 'admin keys: whose execution'),
  ).action(async (id: string, flags: UserFlags) => {
    const e = await clientFor(flags).workflows.execution(id, flags.user);
    if (flags.json) return printJson(e);
    print(executionFields(e));
  });

  clientOptions(
    wf
      .command('executions')
      .description('Executions, newest first (a user key: its own)')
      .argument('[state-machine]', "only this state machine's")
      .option('--status <status>', 'RUNNING, SUCCEEDED, FAILED, TIMED_OUT or ABORTED')
      .option('--limit <n>', 'at most this many', int)
      .option('--user <id>', "admin keys: this user's"),
  ).action(async (machine: string | undefined, flags: UserFlags & { status?: string; limit?: number }) => {
    const page = await clientFor(flags).workflows.executions({
      stateMachine: machine,
      status: flags.status,
      limit: flags.limit,
      userId: flags.user,
    });
    if (flags.json) return printJson(page);
    print(page.executions.length > 0 ? executionRows(page.executions) : 'no executions (hangar workflow start <state-machine>)');
  });

  clientOptions(
    wf
      .command('history')
      .description("An execution's events, as Step Functions names them")
      .argument('<execution-id>')
      .option('--reverse', 'newest first')
      .option('--limit <n>', 'at most this many (default 100)', int)
      .option('--user <id>', 'admin keys: whose execution'),
  ).action(async (id: string, flags: UserFlags & { reverse?: boolean; limit?: number }) => {
    const page = await clientFor(flags).workflows.history(id, { reverse: flags.reverse, limit: flags.limit, userId: flags.user });
    if (flags.json) return printJson(page);
    print(
      table(
        ['ID', 'PREV', 'TIME', 'TYPE', 'DETAILS'],
        page.events.map((e) => [e.id, e.previousEventId, time(e.timestamp), e.type, detailText(e)]),
      ),
    );
  });

  clientOptions(
    wf
      .command('stop')
      .description('Stop an execution: ABORTED now')
      .argument('<execution-id>')
      .option('--error <code>')
      .option('--cause <text>')
      .option('--user <id>', 'admin keys: whose execution'),
  ).action(async (id: string, flags: UserFlags & { error?: string; cause?: string }) => {
    const e = await clientFor(flags).workflows.stop(id, { error: flags.error, cause: flags.cause }, flags.user);
    if (flags.json) return printJson(e);
    print(`${e.id}: ${e.status}`);
  });

  clientOptions(
    wf
      .command('test-state')
      .description(
        'Run one state on its own (Step Functions TestState): its status, next state, output and, with --level DEBUG, each data-flow step',
      )
      .requiredOption('--definition <file>', 'one state, or with --state a whole state machine (ASL JSON; - for standard input)')
      .option('--state <name>', 'the state of the machine in --definition to test')
      .option('--input <json>', "the state's input, a JSON value (default {})", jsonArg)
      .option('--variables <json>', 'workflow variables the state sees, a JSON object', jsonArg)
      .option('--level <level>', 'INFO (default), DEBUG or TRACE', levelArg)
      .option('--mock-result <json>', "a Task's, Map's or Parallel's result instead of running it", jsonArg)
      .option('--mock-error <error>', 'a mocked error instead of running it')
      .option('--mock-cause <text>', "the mocked error's cause")
      .option('--retry-count <n>', 'how often the matching retrier has fired already', int)
      .option('--user <id>', 'admin keys: whose functions a Task invokes'),
  ).action(
    async (
      flags: UserFlags & {
        definition: string;
        state?: string;
        input?: unknown;
        variables?: unknown;
        level?: 'INFO' | 'DEBUG' | 'TRACE';
        mockResult?: unknown;
        mockError?: string;
        mockCause?: string;
        retryCount?: number;
      },
      cmd: Command,
    ) => {
      if (flags.mockResult !== undefined && flags.mockError !== undefined) cmd.error('error: give --mock-result or --mock-error, not both');
      const mock =
        flags.mockError !== undefined
          ? { errorOutput: { error: flags.mockError, cause: flags.mockCause } }
          : flags.mockResult !== undefined
            ? { result: flags.mockResult }
            : undefined;
      const r = await clientFor(flags).workflows.testState(
        {
          definition: definitionFrom(flags.definition),
          stateName: flags.state,
          input: flags.input,
          variables: flags.variables as Record<string, unknown> | undefined,
          inspectionLevel: flags.level,
          mock,
          stateConfiguration: flags.retryCount === undefined ? undefined : { retrierRetryCount: flags.retryCount },
        },
        flags.user,
      );
      // A state that failed exits 1, as a failed command does.
      if (r.status === 'FAILED') process.exitCode = 1;
      if (flags.json) return printJson(r);
      print(
        fields([
          ['status', r.status],
          ['next state', r.nextState ?? null],
          ['output', json(r.output)],
          ['error', r.error ?? null],
          ['cause', r.cause ?? null],
          ...Object.entries(r.inspectionData).map(([k, v]): [string, string | null] => [k, json(v)]),
        ]),
      );
    },
  );

  clientOptions(
    wf
      .command('redrive')
      .description('Redrive a FAILED, TIMED_OUT or ABORTED execution: it runs again from the states that did not succeed')
      .argument('<execution-id>')
      .option('--client-token <token>', 'the same token again within 15 minutes answers the same redrive')
      .option('--user <id>', 'admin keys: whose execution'),
  ).action(async (id: string, flags: UserFlags & { clientToken?: string }) => {
    const e = await clientFor(flags).workflows.redrive(id, flags.clientToken, flags.user);
    if (flags.json) return printJson(e);
    print(`${e.id}: ${e.status} (redriven ${e.redriveCount ?? 0} time${e.redriveCount === 1 ? '' : 's'})`);
  });

  workflowVersionCommands(wf);
}
