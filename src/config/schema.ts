/**
 * Every setting Hangar reads, in one schema. Each key `fooBar` is also the environment
 * variable `HANGAR_FOO_BAR` and the CLI flag `--foo-bar`; a JSON file named by `HANGAR_CONFIG`
 * (or `--config`) may hold any of them. Precedence: flag > environment > file > default.
 * The README's settings table is generated from these descriptions (`hangar config --markdown`).
 */
import { availableParallelism } from 'node:os';
import { z } from 'zod';
import { FUNCTION_ADDRESS_FORMS, isFunctionAddress } from '../core/function-address.ts';
import { parseAllowlist } from '../executor/sandbox/egress.ts';

/** Entries of a comma-separated setting, trimmed, empty ones dropped. */
export const splitList = (v: string): string[] =>
  v
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);

/** A comma-separated allowlist of non-public destinations the egress guard can read. */
const allowlistIssues = (v: string, ctx: z.RefinementCtx) => {
  try {
    parseAllowlist(splitList(v));
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: (err as Error).message });
  }
};

const int = (min: number, max = Number.MAX_SAFE_INTEGER) => z.coerce.number().int().min(min).max(max);

export const ConfigSchema = z
  .object({
    port: int(0, 65535).default(8080).describe('TCP port of the HTTP API.'),
    host: z.string().min(1).default('127.0.0.1').describe('Address the HTTP API binds to.'),
    dataDir: z.string().min(1).default('./data').describe('Directory holding the SQLite database and the blob store.'),
    publicUrl: z.url().optional().describe("Base URL used in `statusUrl`; by default taken from the request's Host header."),
    url: z
      .url()
      .default('http://127.0.0.1:8080')
      .describe(
        'API base URL the CLI talks to; unset, the CLI makes it of HANGAR_HOST and HANGAR_PORT (a wildcard address as loopback, https with HANGAR_TLS_CERT), as the server binds.',
      ),
    workers: int(0, 1024)
      .default(availableParallelism())
      .describe('Tasks one worker process runs at once (default: CPU cores). 0 = no in-process workers.'),
    queues: z.string().optional().describe('Comma-separated queues this worker leases from (default: all).'),
    databaseUrl: z
      .string()
      .regex(/^postgres(ql)?:\/\//, 'a postgres:// URL')
      .optional()
      .describe(
        'PostgreSQL connection URL (`postgres://user:pass@host:5432/db`): the scale-out store, shared by every API node and worker. Without it: SQLite in the data directory (embedded).',
      ),
    databaseSchema: z
      .string()
      .regex(/^[a-z_][a-z0-9_]{0,49}$/, 'a lower-case identifier (≤ 50 characters)')
      .default('public')
      .describe("PostgreSQL schema holding Hangar's tables (created and migrated on start): several installations can share one database."),
    databasePoolSize: int(1, 1000)
      .default(10)
      .describe(
        'Connections each process keeps to PostgreSQL, plus one for LISTEN: opened as load needs them, then kept. Size `max_connections` for (API nodes + workers) × (this + 1). They show in `pg_stat_activity` as `hangar <schema>`.',
      ),
    s3Bucket: z
      .string()
      .min(3)
      .max(63)
      .optional()
      .describe('S3 bucket for results and logs (scale-out). Without it: the data directory (embedded).'),
    s3Endpoint: z.url().optional().describe('Endpoint of an S3-compatible server (MinIO, Ceph, R2...); AWS S3 when unset.'),
    s3Region: z.string().min(1).default('us-east-1').describe('S3 region.'),
    s3Prefix: z.string().default('').describe('Key prefix inside the bucket.'),
    s3ForcePathStyle: z
      .enum(['true', 'false'])
      .optional()
      .transform((v) => (v === undefined ? undefined : v === 'true'))
      .describe('Bucket in the URL path instead of the host name; on by default with HANGAR_S3_ENDPOINT.'),
    s3AccessKeyId: z
      .string()
      .min(1)
      .optional()
      .describe("S3 access key; else the AWS SDK's chain (AWS_ACCESS_KEY_ID, profile, instance role)."),
    s3SecretAccessKey: z.string().min(1).optional().describe('S3 secret key, with HANGAR_S3_ACCESS_KEY_ID.'),
    s3RequestTimeoutMs: int(100, 3_600_000)
      .default(60_000)
      .describe(
        "An S3 request with no answer after this many ms fails (and is tried again, 3 tries in all), as does a download whose body goes as long without a byte; without a bound, a server that stops answering would hold a task's outcome forever.",
      ),
    sqliteSynchronous: z
      .enum(['full', 'normal'])
      .default('full')
      .describe('`full`: every commit is fsynced and survives power loss; `normal`: survives a process crash only.'),
    defaultTimeout: int(1, 86_400).default(300).describe('Task timeout in seconds when the request gives none (seed: 5 minutes).'),
    visibilityTimeout: int(1, 43_200).default(900).describe('Seconds a lease lasts without a heartbeat (seed: 15 minutes, as SQS).'),
    maxAttempts: int(1, 100)
      .default(3)
      .describe('Attempts a built-in workload gets when the request gives none (`args` and `shell` programs and terminal commands get 1).'),
    retryBaseMs: int(0).default(1000).describe('Backoff before attempt n+1 is uniform in [0, min(retryMaxMs, retryBaseMs × 2^(n-1))] ms.'),
    retryMaxMs: int(0).default(300_000).describe('Upper bound of one backoff, ms.'),
    heartbeatMs: int(100).default(2000).describe('How often a worker extends its leases and reports itself alive, ms.'),
    workerStaleMs: int(500).default(15_000).describe('A worker not seen for this long is presumed dead and its tasks are re-queued, ms.'),
    workflowLeaseMs: int(100, 600_000)
      .default(10_000)
      .describe(
        "How long a workflow runner's hold on a running execution lasts without renewal, ms: if its process dies, another goes on from the execution's last stored step after this long.",
      ),
    activityPollMs: int(10, 60_000)
      .default(60_000)
      .describe(
        'How long a Step Functions GetActivityTask waits for a task before answering with none, ms (60 s on AWS; tests shorten it).',
      ),
    pollMs: int(10).default(1000).describe('Fallback poll interval of a worker when no wake-up arrives, ms.'),
    priorityAgingMs: int(0)
      .default(60_000)
      .describe(
        'Priority aging: a waiting task is leased as if its priority were one higher for every this many ms it has waited, up to 10, so a low priority is never starved; 0 = off.',
      ),
    shutdownGraceMs: int(0)
      .default(10_000)
      .describe('On SIGTERM, running tasks get this long to finish before they are released back to the queue, ms.'),
    exitWithParent: z
      .enum(['true', 'false'])
      .default('false')
      .transform((v) => v === 'true')
      .describe(
        'Stop, draining as on SIGTERM, when the process that started this one is gone (on Linux: this one was reparented), for a parent that may die without passing on a signal; `npm start` sets it. Off by default: a process started in the background (`hangar up &`, nohup) outlives its shell.',
      ),
    executor: z
      .enum(['process', 'sandbox'])
      .default('sandbox')
      .describe(
        '`sandbox`: every task under bubblewrap as an unprivileged uid with per-task cgroups (needs root, bwrap or the util-linux fallback, setpriv and chrt; start-up proves it with one sandboxed run and refuses to start workers without it). `process`: UNSAFE, plain child processes with no isolation, an explicit opt-in for development; `/health` and the CLI flag it.',
      ),
    sandboxEngine: z
      .enum(['auto', 'bwrap', 'unshare'])
      .default('auto')
      .describe(
        'How the sandbox is made: `bwrap` (bubblewrap), `unshare` (the util-linux fallback: unshare, pivot_root, setpriv; no images), or `auto`: bwrap when installed, else the fallback.',
      ),
    sandboxUid: int(1, 2 ** 31 - 2)
      .default(64100)
      .describe('Host uid and gid sandboxed tasks run as (no login, owns nothing else).'),
    pidsLimit: int(8, 1_000_000).default(256).describe('Processes one sandboxed task may have at once (cgroup pids.max).'),
    sandboxTmpMb: int(1, 1_048_576).default(64).describe("Size of a sandboxed task's private /tmp, MB (counts against its memory limit)."),
    workspaceMb: int(1, 1_048_576)
      .default(256)
      .describe(
        "Size of a sandboxed task's workspace, MB: a tmpfs, so its pages count against the task's memory limit and filling it ends in ENOSPC.",
      ),
    openFiles: int(16, 1_048_576).default(1024).describe('Open files per sandboxed task (RLIMIT_NOFILE).'),
    maxOutputBytes: int(1024)
      .default(1_048_576)
      .describe(
        'Stored stdout and stderr per attempt, bytes each. Longer output keeps its first and last half of this, with a line `… N bytes omitted …` between, and is marked truncated (live followers get the first this-many bytes as they come, then the marker and the same tail when the attempt ends).',
      ),
    projectMaxBytes: int(1024)
      .default(64 * 1024 * 1024)
      .describe('Projects: bytes of files one version may hold (an upload, or what a task leaves), and the largest upload body.'),
    projectMaxFiles: int(1).default(10_000).describe('Projects: files one version may hold.'),
    prefetch: z
      .union([z.literal('auto'), int(0, 10_000)])
      .default('auto')
      .describe(
        'Leases a worker claims beyond its free slots, to start the moment a slot frees (the next claim overlaps the running tasks: more throughput for short tasks). They show RUNNING (as a received SQS message is in flight) and go back on shutdown. `auto`: about 50 ms of work per slot at the recent average execution time (up to 20 per slot, 1,000 in all), so no-op-sized tasks come in large batches and tasks of 50 ms or more per slot get few or none; a number: always that many; 0: never.',
      ),
    workerId: z
      .string()
      .regex(/^[A-Za-z0-9._:-]{1,100}$/, 'letters, digits and . _ : - (at most 100)')
      .optional()
      .describe("This worker's id in the store (default: host-pid-random). The autoscaler names the workers it starts."),
    autoscaleMaxWorkers: int(0, 10_000)
      .default(0)
      .describe(
        'Autoscaler: most worker processes it runs on this host (`hangar autoscaler`, or `hangar up` instead of in-process workers); 0 = autoscaler off. Each runs HANGAR_WORKERS tasks at once.',
      ),
    autoscaleMinWorkers: int(0, 10_000)
      .default(0)
      .describe('Autoscaler: fewest worker processes kept, busy or not (0 = scale to zero when idle).'),
    autoscaleTasksPerWorker: int(0, 1_000_000)
      .default(0)
      .describe(
        "Autoscaler: queue depth (PENDING + RUNNING tasks) per worker, seed 004's messages_per_task: desired = min(max(ceil(depth / this), min), max). 0 = HANGAR_WORKERS, one task per slot.",
      ),
    autoscaleIntervalMs: int(50)
      .default(5000)
      .describe(
        'Autoscaler: periodic check, ms; it also reacts at once to every ready signal (submit, retry, release), so this only bounds how late an idle worker is retired.',
      ),
    autoscaleIdleMs: int(0)
      .default(300_000)
      .describe(
        'Autoscaler: a worker idle this long may be stopped when there are more than desired, ms (seed 000: 5 minutes). Busy workers are never stopped.',
      ),
    prefetchWaitMs: int(10)
      .default(1000)
      .describe(
        'A prefetched lease that has waited this long for a slot goes back to the queue (for an idle worker to take), and its worker prefetches nothing more until one of its slots frees, ms.',
      ),
    outputFlushMs: int(0, 1000)
      .default(0)
      .describe(
        "Live output: how long a running task's first new output waits for more before it is stored for followers (SSE, WebSocket), ms; 0 = the next event-loop turn. Output that comes while a write is in flight always goes with the next one.",
      ),
    alertWebhookUrl: z
      .url()
      .optional()
      .describe(
        'Alerts: URL that gets a JSON POST when a rule starts or stops firing (Slack-compatible `text` field included). Without it rules are still evaluated and shown (GET /alerts, /health, dashboard).',
      ),
    alertWebhookSecret: z
      .string()
      .min(1)
      .optional()
      .describe('Alerts: signs each webhook body, header `X-Hangar-Signature: sha256=<HMAC-SHA256 of the body>`.'),
    alertQueueDepth: int(0).default(0).describe('Alert rule `queue_depth`: fires when more than this many tasks are PENDING; 0 = off.'),
    alertErrorRate: z.coerce
      .number()
      .min(0)
      .max(1)
      .default(0)
      .describe(
        'Alert rule `error_rate`: fires when more than this share (0-1) of the tasks finished in the window FAILED or timed out; 0 = off.',
      ),
    alertErrorMinTasks: int(1).default(10).describe('Alert rule `error_rate` needs at least this many tasks finished in the window.'),
    alertDeadLetters: int(0)
      .default(0)
      .describe('Alert rule `dead_letters`: fires when the dead-letter queue holds at least this many tasks; 0 = off.'),
    alertNoCapacity: z
      .enum(['true', 'false'])
      .default('true')
      .transform((v) => v === 'true')
      .describe(
        'Alert rule `no_capacity`: fires when tasks are PENDING and no worker is alive (an autoscaler that is starting one clears it within the `for` time).',
      ),
    alertWindowMs: int(1000).default(300_000).describe('Alerts: the window `error_rate` looks back over, ms.'),
    alertForMs: int(0)
      .default(60_000)
      .describe(
        "Alerts: a rule fires only after its condition held this long, ms (as a CloudWatch alarm's evaluation periods); it resolves as soon as the condition clears.",
      ),
    alertIntervalMs: int(50)
      .default(15_000)
      .describe(
        'Alerts: how often every API process evaluates the rules, ms (one notification per transition whatever the number of processes).',
      ),
    bodyLimit: int(1024).default(1_048_576).describe('Largest accepted request body, bytes (larger → 413).'),
    requestTimeoutMs: int(100)
      .default(30_000)
      .describe(
        'A request (headers and body) must arrive within this many ms, or the connection is answered 408 and closed (slow clients cannot hold sockets).',
      ),
    tlsCert: z.string().min(1).optional().describe('PEM certificate (chain) file: serve HTTPS instead of HTTP. Needs HANGAR_TLS_KEY.'),
    tlsKey: z.string().min(1).optional().describe('PEM private key file of HANGAR_TLS_CERT.'),
    auth: z
      .enum(['keys', 'none'])
      .default('keys')
      .describe(
        '`keys`: every API call but /health and the docs needs `Authorization: Bearer <API key>` (401 without). `none`: UNSAFE, no authentication, every caller is an admin; only for a trusted single-user setup, and /health flags it.',
      ),
    adminKey: z
      .string()
      .min(24)
      .max(512)
      .optional()
      .describe(
        'An admin API key to accept (registered on start, for automation). Without it, the first start makes one and saves it in `<dataDir>/admin.key` (mode 0600).',
      ),
    apiKey: z
      .string()
      .min(1)
      .max(512)
      .optional()
      .describe(
        "The API key the CLI sends; unset, the CLI uses HANGAR_ADMIN_KEY, else `<dataDir>/admin.key` (a relative data directory from the current directory, then from the installation's root) and names the files it tried when the API refuses it.",
      ),
    rateLimit: int(0)
      .default(500)
      .describe(
        'API requests per user (per address before authentication) per HANGAR_RATE_LIMIT_WINDOW_MS (default a second); over it → 429 with Retry-After. With a database URL, counted across all API nodes (shared through the database every 50 ms: spread over several nodes, a burst may overshoot by what the others took meanwhile, and by one request per node per window). 0 = no limit.',
      ),
    rateLimitWindowMs: int(100, 3_600_000)
      .default(1000)
      .describe("The window HANGAR_RATE_LIMIT counts requests in, ms; it starts with a key's first request."),
    maxQueuedPerUser: int(0)
      .default(10_000)
      .describe('PENDING tasks one user may have; a submit beyond it → 429 with Retry-After. 0 = no limit.'),
    maxRunningPerUser: int(0)
      .default(0)
      .describe(
        'RUNNING tasks one user may have across all workers; more wait in the queue. 0 = no limit (fair share still interleaves users).',
      ),
    secretsKey: z
      .string()
      .min(1)
      .optional()
      .describe(
        'Master key of the secrets store, which also seals the environment variables of functions at rest: 32 bytes, base64 or hex (`openssl rand -base64 32`). Without it (and without HANGAR_SECRETS_KEY_FILE) one is made in `<dataDir>/secrets.key` (mode 0600): back it up with the data. A key that opens nothing the database holds stops the start; replace a key with HANGAR_SECRETS_PREVIOUS_KEYS and `hangar rekey` (docs/running.md, "Rotating the secrets master key").',
      ),
    secretsKeyFile: z.string().min(1).optional().describe('File holding the secrets master key (as HANGAR_SECRETS_KEY).'),
    secretsPreviousKeys: z
      .string()
      .min(1)
      .optional()
      .describe(
        'Comma-separated keys that sealed values before the current HANGAR_SECRETS_KEY (each as it takes one): they still open what they sealed, and signatures made with keys derived from them still verify, but nothing new is sealed under them. Set while rotating the master key; once `hangar rekey` has re-sealed everything under the current key, drop them (docs/running.md, "Rotating the secrets master key").',
      ),
    secretsPreviousKeysFile: z
      .string()
      .min(1)
      .optional()
      .describe(
        'File holding previous secrets master keys (as HANGAR_SECRETS_PREVIOUS_KEYS; one per line or comma-separated), read besides it.',
      ),
    awsRegion: z
      .string()
      .regex(/^[a-z]{2}(-[a-z]+)+-\d+$/, 'an AWS region name such as us-east-1')
      .default('us-east-1')
      .describe(
        "Region of the AWS-compatible API (docs/aws.md): requests must be signed for it (SigV4's credential scope), and it is in every ARN Hangar gives out. Point the AWS SDK's `region` at the same name.",
      ),
    functionUrlDomain: z
      .string()
      .regex(
        /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*(:\d{1,5})?$/,
        'a lower-case DNS domain, optionally with :port',
      )
      .optional()
      .describe(
        'Domain whose wildcard DNS points at Hangar, for function URLs by host name: the FunctionUrl answers are then `<scheme>://<url-id>.lambda-url.<region>.<this>/` (a `:port` may follow). Unset: `<public URL>/lambda-url/<url-id>/`, which needs no DNS. Both forms are always served.',
      ),
    auditRetentionHours: z.coerce
      .number()
      .min(0)
      .default(2160)
      .describe('Audit log entries are deleted after this many hours (default 90 days); 0 = kept forever.'),
    retentionHours: z.coerce
      .number()
      .min(0)
      .default(24)
      .describe('Finished tasks, their history and blobs are deleted after this many hours (seed: 24 h).'),
    workflowRetentionHours: z.coerce
      .number()
      .min(0)
      .default(2160)
      .describe(
        'Closed STANDARD workflow executions (their history, Map Runs and kept state) are deleted this many hours after their stop (default 90 days, as AWS keeps them); 0 = kept forever. Running ones are never deleted. What a FAILED, TIMED_OUT or ABORTED one keeps for a redrive goes once its 14 days to redrive are past.',
      ),
    retentionIntervalMs: int(1000).default(300_000).describe('How often the retention job runs, ms.'),
    provisionedScalingIntervalMs: int(100)
      .default(10_000)
      .describe(
        "How often the target tracking policies of functions' provisioned concurrency (Application Auto Scaling) are applied, ms: each round compares the peak invocations in flight of each target's alias or version since the last one (on the scale-out shape, summed from the worker hosts' adverts) with the count provisioned.",
      ),
    egressAllow: z
      .string()
      .default('')
      .superRefine(allowlistIssues)
      .describe(
        'Comma-separated destinations that tasks with `network: "egress"` may reach although they are not public addresses: `10.0.0.0/8`, `192.168.1.5`, `db.internal:5432`, `[::1]:8080`. Loopback, link-local (cloud metadata), private and other non-public ranges are refused otherwise. The network test URL is always allowed.',
      ),
    domainNameSuffixes: z
      .string()
      .default('')
      .describe(
        "Comma-separated domains under which users may make custom domain names of HTTP APIs: `example.com` lets them name `example.com` and `api.example.com`; `*` lets them name any host. Empty (the default): none. A domain name takes every request whose Host is it, Hangar's own API's included, so the operator says which names are users' (and sets HANGAR_PUBLIC_URL, whose host is never one).",
      ),
    jwksAllow: z
      .string()
      .default('')
      .superRefine(allowlistIssues)
      .describe(
        "Comma-separated hosts whose JWKS HTTP APIs' JWT authorizers may fetch although they are not public addresses, in HANGAR_EGRESS_ALLOW's forms: `127.0.0.1`, `10.0.0.0/8`, `idp.internal`, `idp.internal:8443`. The JWKS URL is the API owner's input: otherwise a host that is loopback, private, link-local (cloud metadata), unspecified or otherwise not public, checked on the addresses it resolves to when fetched, is refused (the JWT check fails, 401).",
      ),
    networkTestUrl: z.url().optional().describe("URL the `network-test` workload fetches (default: this API's /health)."),
    metricsPort: int(0, 65535)
      .default(0)
      .describe(
        "Prometheus `/metrics` of a process without the API (`hangar worker`, `hangar autoscaler`) on this port (HANGAR_HOST): its attempts, run and wait times, sandbox use (with its autoscaled workers' added) and process metrics. 0 = off. API processes serve /metrics on the API port.",
      ),
    functionPort: int(0, 65535)
      .default(0)
      .describe(
        'Scale-out (HANGAR_DATABASE_URL): the port a process that runs functions (`hangar worker`, `hangar up`, with the sandbox executor) takes invocations from API nodes on, at HANGAR_HOST. It advertises the address through the database, so API nodes find it; 0 = any free port. Open it to the API nodes only: requests are signed with a key derived from HANGAR_SECRETS_KEY.',
      ),
    functionAddress: z
      .string()
      .refine(isFunctionAddress, { message: FUNCTION_ADDRESS_FORMS })
      .optional()
      .describe(
        "Scale-out: where API nodes reach this host's function port, when HANGAR_HOST and HANGAR_FUNCTION_PORT are not it (a wildcard or loopback bind, NAT, a proxy): a host with an optional port (`10.0.0.5`, `worker-3.internal:8091`; without a port, the one listened on) or a base URL (`http://10.0.0.5:8091`). Default: `http://<HANGAR_HOST>:<port>`, a wildcard bind as this host's name; a loopback one (HANGAR_HOST's default) cannot be reached from other machines, and start-up warns.",
      ),
    otlpEndpoint: z
      .url()
      .optional()
      .describe(
        "OpenTelemetry: base URL of an OTLP/HTTP receiver (a collector's `http://host:4318`); traces of each task's path (API request, store write, worker attempt, sandbox run, blob writes, outcome) go to `<it>/v1/traces` as JSON. Unset: no tracing, no cost.",
      ),
    otelServiceName: z.string().min(1).max(100).default('hangar').describe("OpenTelemetry: the `service.name` of this process's spans."),
    logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info').describe('pino log level.'),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (c.autoscaleMinWorkers > c.autoscaleMaxWorkers && c.autoscaleMaxWorkers > 0)
      ctx.addIssue({ code: 'custom', path: ['autoscaleMinWorkers'], message: 'must not exceed HANGAR_AUTOSCALE_MAX_WORKERS' });
    if (Boolean(c.tlsCert) !== Boolean(c.tlsKey))
      ctx.addIssue({ code: 'custom', path: [c.tlsCert ? 'tlsKey' : 'tlsCert'], message: 'HANGAR_TLS_CERT and HANGAR_TLS_KEY go together' });
  });

export type Config = z.infer<typeof ConfigSchema>;
export type ConfigInput = z.input<typeof ConfigSchema>;
