/**
 * Threshold alerts, as CloudWatch alarms in seeds 000, 002 and 003: queue depth, error rate,
 * dead-letter size, no capacity. Every API process evaluates the rules; the state of each rule
 * lives in the store and changes by compare-and-set, so a transition is notified once, by the
 * process that made it, however many evaluate. A rule fires after its condition has held for
 * `forMs` (seen by this process) and resolves as soon as it clears. Notifications are a JSON
 * POST to a webhook (with a Slack-compatible `text`), optionally HMAC-signed, tried 3 times.
 */
import { createHmac } from 'node:crypto';
import { coerceError } from '../core/index.ts';
import type { Logger } from '../log/index.ts';
import type { AlertState, Fleet, TaskReads } from '../store/index.ts';
import type { Clock } from '../core/index.ts';

export interface AlertSettings {
  webhookUrl?: string;
  webhookSecret?: string;
  queueDepth: number;
  errorRate: number;
  errorMinTasks: number;
  deadLetters: number;
  noCapacity: boolean;
  windowMs: number;
  forMs: number;
  intervalMs: number;
  workerStaleMs: number;
}

/** One rule's reading: its value, whether its condition holds, and a sentence saying so. */
interface Reading {
  value: number;
  breached: boolean;
  message: string;
}

export interface AlertRule {
  name: string;
  /** The threshold, as configured (for display and the webhook body). */
  threshold: number;
  read(): Promise<Reading>;
}

export function alertRules(store: TaskReads & Fleet, clock: Clock, s: AlertSettings): AlertRule[] {
  const rules: AlertRule[] = [];
  if (s.queueDepth > 0) {
    rules.push({
      name: 'queue_depth',
      threshold: s.queueDepth,
      async read() {
        const { pending } = await store.activeCounts();
        return {
          value: pending,
          breached: pending > s.queueDepth,
          message: `${pending} tasks waiting (PENDING); threshold ${s.queueDepth}`,
        };
      },
    });
  }
  if (s.errorRate > 0) {
    rules.push({
      name: 'error_rate',
      threshold: s.errorRate,
      async read() {
        const o = await store.outcomesSince(clock.now() - s.windowMs);
        const total = o.SUCCESS + o.FAILED + o.TIMEOUT;
        const rate = total === 0 ? 0 : (o.FAILED + o.TIMEOUT) / total;
        const pct = (x: number) => `${(x * 100).toFixed(1)} %`;
        return {
          value: rate,
          breached: total >= s.errorMinTasks && rate > s.errorRate,
          message:
            `${o.FAILED + o.TIMEOUT} of ${total} tasks finished in the last ${Math.round(s.windowMs / 1000)} s failed or timed out ` +
            `(${pct(rate)}); threshold ${pct(s.errorRate)}${total < s.errorMinTasks ? `, needs ${s.errorMinTasks} tasks` : ''}`,
        };
      },
    });
  }
  if (s.deadLetters > 0) {
    rules.push({
      name: 'dead_letters',
      threshold: s.deadLetters,
      async read() {
        const n = await store.deadLetterCount();
        return { value: n, breached: n >= s.deadLetters, message: `${n} tasks in the dead-letter queue; threshold ${s.deadLetters}` };
      },
    });
  }
  if (s.noCapacity) {
    rules.push({
      name: 'no_capacity',
      threshold: 0,
      async read() {
        const [{ pending }, workers] = await Promise.all([store.activeCounts(), store.liveWorkers(s.workerStaleMs)]);
        return {
          value: workers.length,
          breached: pending > 0 && workers.length === 0,
          message: `${workers.length} live workers, ${pending} tasks waiting`,
        };
      },
    });
  }
  return rules;
}

/** The webhook's JSON body. */
export interface AlertNotification {
  source: 'hangar';
  alert: string;
  state: 'firing' | 'resolved';
  value: number | null;
  threshold: number;
  message: string;
  /** When the condition started (firing) or cleared (resolved), ISO 8601. */
  since: string;
  /** Slack incoming-webhook compatible summary. */
  text: string;
}

export class AlertEvaluator {
  private readonly rules: AlertRule[];
  private readonly log: Logger;
  /** Since when this process has seen each rule's condition hold. */
  private readonly breachedSince = new Map<string, number>();
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private readonly deliveries = new Set<Promise<void>>();

  private readonly store: TaskReads & Fleet;
  private readonly clock: Clock;
  private readonly s: AlertSettings;

  constructor(store: TaskReads & Fleet, clock: Clock, s: AlertSettings, log: Logger) {
    this.store = store;
    this.clock = clock;
    this.s = s;
    this.rules = alertRules(store, clock, s);
    this.log = log.child({ module: 'alerts' });
  }

  get ruleList(): readonly AlertRule[] {
    return this.rules;
  }

  start(): void {
    if (this.rules.length === 0) return;
    this.timer = setInterval(() => void this.evaluate(), this.s.intervalMs);
    this.timer.unref();
    void this.evaluate();
  }

  /** One evaluation of every rule (skipped if one is in progress). */
  evaluate(): Promise<void> {
    this.running ??= this.evaluateAll().finally(() => (this.running = null));
    return this.running;
  }

  private async evaluateAll(): Promise<void> {
    let states: Map<string, AlertState>;
    try {
      states = new Map((await this.store.alertStates()).map((a) => [a.name, a]));
    } catch (err) {
      this.log.warn({ err: coerceError(err) }, 'alert states unreadable; evaluation skipped');
      return;
    }
    for (const rule of this.rules) {
      try {
        await this.evaluateRule(rule, states.get(rule.name) ?? null);
      } catch (err) {
        this.log.warn({ err: coerceError(err), alert: rule.name }, 'alert rule not evaluated');
      }
    }
  }

  private async evaluateRule(rule: AlertRule, cur: AlertState | null): Promise<void> {
    const now = this.clock.now();
    const r = await rule.read();
    if (r.breached) {
      if (!this.breachedSince.has(rule.name)) this.breachedSince.set(rule.name, now);
    } else this.breachedSince.delete(rule.name);
    const heldSince = this.breachedSince.get(rule.name);
    const firing = heldSince !== undefined && now - heldSince >= this.s.forMs;
    const want: AlertState['state'] = firing ? 'firing' : 'ok';
    if (cur?.state === want) return;
    // A rule seen for the first time in the ok state is recorded without a notification.
    const next: AlertState = { name: rule.name, state: want, since: firing ? heldSince! : now, value: r.value, message: r.message };
    if (!(await this.store.transitionAlert(cur?.state ?? null, next))) return; // another process did
    if (cur === null && want === 'ok') return;
    this.log[firing ? 'warn' : 'info'](
      { alert: rule.name, value: r.value, threshold: rule.threshold },
      `alert ${firing ? 'firing' : 'resolved'}: ${r.message}`,
    );
    this.notify({
      source: 'hangar',
      alert: rule.name,
      state: firing ? 'firing' : 'resolved',
      value: r.value,
      threshold: rule.threshold,
      message: r.message,
      since: new Date(next.since).toISOString(),
      text: `[hangar] ${rule.name} ${firing ? 'FIRING' : 'resolved'}: ${r.message}`,
    });
  }

  private notify(n: AlertNotification): void {
    const url = this.s.webhookUrl;
    if (!url) return;
    const body = JSON.stringify(n);
    const headers: Record<string, string> = { 'content-type': 'application/json', 'user-agent': 'hangar-alerts' };
    if (this.s.webhookSecret)
      headers['x-hangar-signature'] = `sha256=${createHmac('sha256', this.s.webhookSecret).update(body).digest('hex')}`;
    const delivery = (async () => {
      for (let attempt = 1; attempt <= 3; attempt++) {
        try {
          const res = await fetch(url, { method: 'POST', headers, body, signal: AbortSignal.timeout(5000) });
          await res.body?.cancel();
          if (res.ok) return;
          this.log.warn({ alert: n.alert, status: res.status, attempt }, 'alert webhook refused the notification');
        } catch (err) {
          this.log.warn({ alert: n.alert, err: coerceError(err), attempt }, 'alert webhook unreachable');
        }
        if (attempt < 3) await new Promise((r) => setTimeout(r, 500 * 2 ** (attempt - 1)));
      }
      this.log.error({ alert: n.alert, state: n.state }, 'alert notification dropped after 3 attempts');
    })();
    this.deliveries.add(delivery);
    void delivery.finally(() => this.deliveries.delete(delivery));
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.running;
    await Promise.all(this.deliveries);
  }
}
