/** A function's circuit breaker: /functions/{name}/circuit-breaker (src/api/routes/function-circuit-breaker.ts). */
import { enc, Resource } from './core.ts';

/** The breaker's configuration and its state as the API process that answered knows it. */
export interface CircuitBreakerInfo {
  name: string;
  failureThreshold: number;
  windowSeconds: number;
  cooldownSeconds: number;
  probes: number;
  state: 'closed' | 'open' | 'half-open';
  failuresInWindow: number;
  openedAt: string | null;
  nextProbeAt: string | null;
  updatedAt: string;
}

export interface CircuitBreakerSettings {
  failureThreshold: number;
  windowSeconds: number;
  cooldownSeconds: number;
  probes?: number;
}

export class FunctionCircuitBreaker extends Resource {
  put(name: string, settings: CircuitBreakerSettings, userId?: string): Promise<CircuitBreakerInfo> {
    return this.transport.json('PUT', `/functions/${enc(name)}/circuit-breaker`, { query: { userId }, body: settings });
  }

  get(name: string, userId?: string): Promise<CircuitBreakerInfo> {
    return this.transport.json('GET', `/functions/${enc(name)}/circuit-breaker`, { query: { userId } });
  }

  delete(name: string, userId?: string): Promise<{ name: string; deleted: true }> {
    return this.transport.json('DELETE', `/functions/${enc(name)}/circuit-breaker`, { query: { userId } });
  }
}
