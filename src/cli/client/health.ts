/** The platform's health: /health (src/api/routes/health.ts). */
import { Resource } from './core.ts';

export interface Health {
  status: 'healthy' | 'degraded' | 'unhealthy';
  checks: { database: boolean; storage: boolean; compute: boolean };
  metrics: Record<string, number>;
  warnings: string[];
  timestamp: string;
}

export class HealthResource extends Resource {
  /** 503 (unhealthy) still carries the health body, so it is returned, not thrown. */
  get(): Promise<Health> {
    return this.transport.json('GET', '/health', { accept: [503] });
  }
}
