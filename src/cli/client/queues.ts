/** Queue depths and the dead-letter queue: /queues, /dlq (src/api/routes/queues.ts). */
import { enc, Resource } from './core.ts';
import type { Page, Task } from './tasks.ts';

export interface QueueDepth {
  queue: string;
  priority: number;
  queueType: string;
  pending: number;
  running: number;
}

export interface Queues {
  queues: { queue: string; pending: number; running: number; byPriority: QueueDepth[] }[];
  deadLettered: number;
}

export class QueuesResource extends Resource {
  depths(): Promise<Queues> {
    return this.transport.json('GET', '/queues');
  }

  dlq(params: { cursor?: string; limit?: number } = {}): Promise<Page> {
    return this.transport.json('GET', '/dlq', { query: params });
  }

  redrive(id: string): Promise<Task> {
    return this.transport.json('POST', `/dlq/${enc(id)}/redrive`);
  }
}
