/** Request and response schemas. They validate input, shape output and produce /openapi.json. */
import { z } from 'zod';
import { IMAGE_NAME } from '../images/index.ts';
import type { TaskRequest } from '../app/index.ts';

export const UserId = z.string().min(1).max(128);

const Name = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, 'letters, digits, _ . - (1–64 chars, starting alphanumeric)');

export const SubmitBody = z
  .strictObject({
    command: z
      .string()
      .min(1)
      .max(256)
      .optional()
      .describe(
        'Seed 000: a built-in workload (cpu-intensive, memory-intensive, io-intensive, network-test, error, timeout, or any other name as a custom command). With `args` or `shell` it is only a label.',
      ),
    args: z.array(z.string().max(65_536)).min(1).max(1024).optional().describe('A real program to run: argv, no shell.'),
    shell: z.string().min(1).max(65_536).optional().describe('A real program to run: a /bin/sh -c string.'),
    priority: z.int().min(0).max(10).default(1).describe('Higher runs first; >= 5 goes to the priority queue (seed 000).'),
    userId: UserId.optional().describe(
      "Seed 000's owner. Taken from the API key: a user key may only repeat its own (else 403); an admin key may submit for any user.",
    ),
    timeout: z.int().min(1).max(86_400).optional().describe('Seconds; the whole process tree is killed after it (state TIMEOUT).'),
    metadata: z.record(z.string(), z.unknown()).optional(),
    queue: Name.default('default'),
    maxAttempts: z
      .int()
      .min(1)
      .max(100)
      .optional()
      .describe(
        'Attempts before the task fails for good. Default 1 for `args` and `shell` (a failed program is not run again unless asked), HANGAR_MAX_ATTEMPTS (3) for built-in workloads.',
      ),
    idempotencyKey: z
      .string()
      .min(1)
      .max(256)
      .optional()
      .describe('Same key and body → the same task; same key, other body → 409. Also accepted as the Idempotency-Key header.'),
    visibilityTimeout: z.int().min(1).max(43_200).optional().describe('Seconds a lease lasts without a heartbeat.'),
    resources: z
      .strictObject({
        cpu: z.int().min(64).max(65_536).default(256).describe('CPU units, 1024 = 1 vCPU (ECS).'),
        memory: z.int().min(16).max(1_048_576).default(512).describe('MB.'),
      })
      .optional(),
    env: z
      .record(
        z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,127}$/, 'environment variable names are [A-Za-z_][A-Za-z0-9_]*'),
        z.string().max(65_536),
      )
      .refine((e) => Object.keys(e).length <= 256, 'at most 256 variables')
      .optional(),
    network: z
      .enum(['none', 'egress'])
      .optional()
      .describe(
        "`none`: no network at all. `egress`: outbound HTTP(S) through the worker's proxy (HTTP_PROXY is set), never to loopback, link-local/metadata or private addresses unless the operator allows them (HANGAR_EGRESS_ALLOW). Default `none`; `egress` for the built-in network-test.",
      ),
    secrets: z
      .array(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,127}$/, 'secret names are environment variable names'))
      .max(64)
      .refine((a) => new Set(a).size === a.length, 'each secret once')
      .optional()
      .describe(
        "Names of the owner's secrets (PUT /secrets/{name}) to set as environment variables of the same name when the task runs; their values are masked as [REDACTED] in stored output.",
      ),
    group: z
      .string()
      .regex(/^[A-Za-z0-9_.:-]{1,256}$/, 'group names are [A-Za-z0-9_.:-], at most 256')
      .optional()
      .describe(
        "Tasks of one owner with the same group run one at a time, in submit order (an SQS FIFO message group): a task waits until every earlier task of its group has ended. Different groups run in parallel. A terminal's commands are the group terminal:<projectId>:<terminalId>.",
      ),
    project: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,128}$/)
      .optional()
      .describe(
        "A project of the task's owner (POST /projects): its latest files are the task's working directory when an attempt starts, and the files the task leaves there become the project's next version.",
      ),
    image: z
      .string()
      .regex(IMAGE_NAME, 'image names are lowercase letters, digits, _ . - (1–64 chars)')
      .optional()
      .describe(
        "A registered image (`hangar image import`) whose root filesystem the program runs in, instead of the host's /usr and /etc. For `args` or `shell` programs; no `network: egress` yet.",
      ),
  })
  .refine((b) => b.command !== undefined || b.args !== undefined || b.shell !== undefined, {
    message: 'one of command, args or shell is required',
  })
  .refine((b) => !(b.args && b.shell), { message: 'give args or shell, not both' })
  .refine((b) => !b.image || b.args !== undefined || b.shell !== undefined, {
    message: 'an image runs a program: give args or shell (built-in workloads run on the host root)',
    path: ['image'],
  })
  .refine((b) => !(b.image && b.network === 'egress'), { message: 'network egress is not available with an image yet', path: ['network'] });
export type SubmitBody = z.infer<typeof SubmitBody>;

export const SubmitResponse = z.object({
  success: z.literal(true),
  taskId: z.string(),
  status: z.string(),
  priority: z.number(),
  queueType: z.enum(['priority', 'standard']),
  queue: z.string(),
  message: z.string(),
  statusUrl: z.string(),
  estimatedStartTime: z.string(),
});

/** Most entries one POST /tasks/batch takes (Trigger.dev's batchTrigger takes 1,000 too). */
export const MAX_BATCH = 1000;

export const BatchSubmitBody = z.strictObject({
  tasks: z
    .array(SubmitBody)
    .min(1)
    .max(MAX_BATCH)
    .describe(
      `1 to ${MAX_BATCH} tasks, each exactly as POST /tasks's body. All are queued or none: one refused entry (400, 403, 409, 429) refuses the batch, and the problem's \`index\` names it.`,
    ),
});

export const BatchSubmitResponse = z.object({
  success: z.literal(true),
  count: z.int().describe('Entries in the batch.'),
  created: z.int().describe('Entries queued now; the others replayed a task submitted before with their idempotency key.'),
  tasks: z.array(SubmitResponse).describe("One per entry, in the batch's order, each as POST /tasks answers."),
});

export const Failure = z.object({
  code: z.string(),
  message: z.string(),
  retryable: z.boolean(),
  exitCode: z.number().nullable().optional(),
  signal: z.string().nullable().optional(),
});

export const TaskView = z.object({
  taskId: z.string(),
  status: z.string(),
  command: z.string(),
  args: z.array(z.string()).nullable(),
  shell: z.string().nullable(),
  priority: z.number(),
  queue: z.string(),
  queueType: z.string(),
  userId: z.string().nullable(),
  timeout: z.number(),
  metadata: z.record(z.string(), z.unknown()),
  resources: z.object({ cpu: z.number(), memory: z.number() }),
  network: z.enum(['none', 'egress']),
  image: z.string().nullable(),
  secrets: z.array(z.string()).describe('Names of the secrets injected (never values).'),
  projectId: z.string().nullable().describe('The project whose files the task runs in (POST /projects), or null.'),
  group: z.string().nullable().describe('Its FIFO group, or null.'),
  attempt: z.number(),
  maxAttempts: z.number(),
  attemptLimit: z
    .number()
    .describe(
      'The last attempt number that may run; a redrive raises it by maxAttempts. An attempt lost with its worker runs again past it, at most 2 times.',
    ),
  createdAt: z.string(),
  startedAt: z.string().nullable(),
  completedAt: z.string().nullable(),
  nextAttemptAt: z.string().nullable(),
  duration: z.number().nullable().describe('ms from createdAt to completedAt (as seed 000)'),
  deadLettered: z.boolean(),
  cancelRequested: z.boolean(),
  error: Failure.nullable(),
  summary: z.record(z.string(), z.unknown()).nullable(),
  detailedResults: z.record(z.string(), z.unknown()).nullable().optional(),
  logsUrl: z.string(),
});

export const TaskPage = z.object({ tasks: z.array(TaskView), nextCursor: z.string().nullable() });

export const ListQuery = z.strictObject({
  status: z.enum(['PENDING', 'RUNNING', 'SUCCESS', 'FAILED', 'TIMEOUT', 'CANCELLED']).optional(),
  userId: UserId.optional(),
  queue: Name.optional(),
  command: z.string().min(1).max(256).optional().describe('Only tasks whose command or shell line contains this text (any case)'),
  cursor: z.string().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
});

export const IdParams = z.strictObject({ id: z.uuid('task ids are UUIDs') });

export const LogsQuery = z.strictObject({
  attempt: z.coerce.number().int().min(1).optional(),
  stream: z.enum(['stdout', 'stderr']).optional().describe('Only this stream, as text/plain.'),
  follow: z
    .enum(['true', 'false', '1', '0'])
    .optional()
    .describe('Live: Server-Sent Events (status, output, end) from `after` until the task ends; also chosen by Accept: text/event-stream.'),
  after: z
    .string()
    .regex(/^\d{1,9}\.\d{1,9}$/, 'an event id, "<attempt>.<seq>"')
    .optional()
    .describe('Live: resume after this event id; the Last-Event-ID header does the same.'),
  encoding: z.enum(['utf8', 'base64']).optional().describe('Live: output chunks as UTF-8 text (default) or base64 bytes.'),
});

export const HistoryView = z.object({
  taskId: z.string(),
  history: z.array(
    z.object({ at: z.string(), status: z.string(), attempt: z.number(), workerId: z.string().nullable(), reason: z.string().nullable() }),
  ),
});

export const Problem = z.object({
  type: z.string(),
  title: z.string(),
  status: z.number(),
  detail: z.string(),
  code: z.string(),
  errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  taskId: z.string().optional().describe('The task a conflict is about (409 IDEMPOTENCY_CONFLICT).'),
  index: z.int().optional().describe('The refused entry of a batch (POST /tasks/batch), from 0.'),
});

/** A submit body checked as POST /tasks checks it, for other callers (a workflow's Task state). */
export function parseTaskRequest(body: unknown): { ok: true; request: TaskRequest } | { ok: false; message: string } {
  const r = SubmitBody.safeParse(body);
  if (r.success) return { ok: true, request: r.data };
  return { ok: false, message: r.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; ') };
}
