/** Tasks: /tasks (src/api/routes/tasks.ts). */
import type { z } from 'zod';
import type { BatchSubmitResponse, HistoryView, ListQuery, SubmitBody, SubmitResponse, TaskPage, TaskView } from '../../api/schemas.ts';
import { enc, Resource } from './core.ts';

export type SubmitRequest = z.input<typeof SubmitBody>;
export type SubmitResult = z.infer<typeof SubmitResponse>;
export type BatchSubmitResult = z.infer<typeof BatchSubmitResponse>;
export type Task = z.infer<typeof TaskView>;
export type Page = z.infer<typeof TaskPage>;
export type History = z.infer<typeof HistoryView>;
export type ListParams = Omit<Partial<z.input<typeof ListQuery>>, 'limit'> & { limit?: number };

export interface CancelResult {
  taskId: string;
  status: string;
  effect: 'cancelled' | 'requested' | 'already-final';
  message: string;
}

export interface Logs {
  taskId: string;
  attempt: number;
  stdout: string;
  stderr: string;
  stdoutTruncated: boolean;
  stderrTruncated: boolean;
}

export const FINAL_STATUSES: readonly string[] = ['SUCCESS', 'FAILED', 'TIMEOUT', 'CANCELLED'];

export class Tasks extends Resource {
  submit(body: SubmitRequest): Promise<SubmitResult> {
    return this.transport.json('POST', '/tasks', { body });
  }

  /** Up to 1,000 tasks, queued all or none. */
  submitBatch(tasks: SubmitRequest[]): Promise<BatchSubmitResult> {
    return this.transport.json('POST', '/tasks/batch', { body: { tasks } });
  }

  get(id: string): Promise<Task> {
    return this.transport.json('GET', `/tasks/${enc(id)}`);
  }

  list(params: ListParams = {}): Promise<Page> {
    return this.transport.json('GET', '/tasks', { query: params });
  }

  cancel(id: string): Promise<CancelResult> {
    return this.transport.json('POST', `/tasks/${enc(id)}/cancel`);
  }

  /** Both streams as JSON, or with `stream` only that stream's text. */
  logs(id: string, opts?: { attempt?: number }): Promise<Logs>;
  logs(id: string, opts: { attempt?: number; stream: 'stdout' | 'stderr' }): Promise<string>;
  async logs(id: string, opts: { attempt?: number; stream?: 'stdout' | 'stderr' } = {}): Promise<Logs | string> {
    const query = { attempt: opts.attempt, stream: opts.stream };
    if (opts.stream) return (await this.transport.request('GET', `/tasks/${enc(id)}/logs`, { query })).text();
    return this.transport.json('GET', `/tasks/${enc(id)}/logs`, { query });
  }

  history(id: string): Promise<History> {
    return this.transport.json('GET', `/tasks/${enc(id)}/history`);
  }
}
