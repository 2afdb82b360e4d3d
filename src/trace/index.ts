/**
 * OpenTelemetry traces of a task's path: the API request and its store write, then, in
 * whichever worker process runs it, each attempt with its sandbox run, blob writes and the
 * recorded outcome. The submit's trace context (W3C traceparent) is stored with the task, so
 * the worker's spans join the same trace across processes and hosts; a client that sends a
 * `traceparent` header gets its own trace continued. Exported over OTLP/HTTP (JSON) when
 * HANGAR_OTLP_ENDPOINT is set; otherwise every span is a no-op.
 *
 * Contexts are passed explicitly (no global context manager, no monkey-patching): each call
 * site that starts a span says what its parent is.
 */
import {
  context as otelContext,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Context,
  type Span,
  type TextMapPropagator,
  type Tracer,
} from '@opentelemetry/api';

export { SpanKind, type Context, type Span };

const carrierGetter = { get: (c: Record<string, string>, k: string) => c[k], keys: (c: Record<string, string>) => Object.keys(c) };
const carrierSetter = { set: (c: Record<string, string>, k: string, v: string) => void (c[k] = v) };

export interface TracingOptions {
  /** Base URL of an OTLP/HTTP receiver (the collector's :4318); spans go to <it>/v1/traces. */
  endpoint?: string;
  serviceName: string;
  /** Resource attributes (e.g. the process's role and worker id). */
  attributes?: Record<string, string>;
  /** Batch delay before an export, ms. */
  exportDelayMs?: number;
}

export class Tracing {
  readonly tracer: Tracer;
  readonly enabled: boolean;
  private readonly provider: { forceFlush(): Promise<void>; shutdown(): Promise<void> } | null;
  private readonly propagator: TextMapPropagator | null;

  /** Use Tracing.create; without a provider every span is a no-op. */
  constructor(setup?: {
    tracer: Tracer;
    provider: { forceFlush(): Promise<void>; shutdown(): Promise<void> };
    propagator: TextMapPropagator;
  }) {
    this.tracer = setup?.tracer ?? trace.getTracer('hangar'); // no provider registered: no-op spans
    this.provider = setup?.provider ?? null;
    this.propagator = setup?.propagator ?? null;
    this.enabled = setup !== undefined;
  }

  /** The SDK and the OTLP exporter are loaded only when an endpoint is set (~35 ms of imports
   *  a process without tracing, e.g. each autoscaled worker, does not pay). */
  static async create(o: TracingOptions): Promise<Tracing> {
    if (!o.endpoint) return NO_TRACING;
    const [{ W3CTraceContextPropagator }, { OTLPTraceExporter }, { resourceFromAttributes }, { BatchSpanProcessor, TracerProvider }] =
      await Promise.all([
        import('@opentelemetry/core'),
        import('@opentelemetry/exporter-trace-otlp-http'),
        import('@opentelemetry/resources'),
        import('@opentelemetry/sdk-trace'),
      ]);
    const exporter = new OTLPTraceExporter({ url: `${o.endpoint.replace(/\/+$/, '')}/v1/traces` });
    const provider = new TracerProvider({
      resource: resourceFromAttributes({ 'service.name': o.serviceName, ...o.attributes }),
      spanProcessors: [new BatchSpanProcessor({ exporter, scheduledDelayMillis: o.exportDelayMs ?? 1000 })],
    });
    return new Tracing({ tracer: provider.getTracer('hangar'), provider, propagator: new W3CTraceContextPropagator() });
  }

  /** A context whose parent is the W3C `traceparent` given (a request header or a stored one). */
  extract(traceparent: string | null | undefined, tracestate?: string | null): Context {
    if (!traceparent || !this.propagator) return ROOT_CONTEXT;
    return this.propagator.extract(ROOT_CONTEXT, { traceparent, ...(tracestate ? { tracestate } : {}) }, carrierGetter);
  }

  /** The `traceparent` of a span, to hand to another process; null when not tracing. */
  traceparent(span: Span): string | null {
    if (!this.propagator || !span.isRecording()) return null;
    const carrier: Record<string, string> = {};
    this.propagator.inject(trace.setSpan(ROOT_CONTEXT, span), carrier, carrierSetter);
    return carrier.traceparent ?? null;
  }

  /** Runs `fn` in a span child of `parent`; ends it with fn's outcome (error status on a throw). */
  async span<T>(
    name: string,
    parent: Context,
    attributes: Record<string, string | number | boolean>,
    fn: (span: Span, ctx: Context) => Promise<T>,
    kind = SpanKind.INTERNAL,
  ): Promise<T> {
    const span = this.tracer.startSpan(name, { kind, attributes }, parent);
    try {
      return await fn(span, trace.setSpan(parent, span));
    } catch (err) {
      span.recordException(err as Error);
      span.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error).message });
      throw err;
    } finally {
      span.end();
    }
  }

  /** Starts a span the caller ends (for spans that outlive one function, e.g. an HTTP request). */
  start(
    name: string,
    parent: Context,
    attributes: Record<string, string | number | boolean>,
    kind = SpanKind.INTERNAL,
  ): { span: Span; ctx: Context } {
    const span = this.tracer.startSpan(name, { kind, attributes }, parent);
    return { span, ctx: trace.setSpan(parent, span) };
  }

  /** Adds attributes to the span of a context (e.g. an attempt's outcome once known). */
  annotate(ctx: Context, attributes: Record<string, string | number | boolean>): void {
    trace.getSpan(ctx)?.setAttributes(attributes);
  }

  async flush(): Promise<void> {
    await this.provider?.forceFlush();
  }

  async close(): Promise<void> {
    await this.provider?.shutdown();
  }
}

/** The no-op tracer, for components built without one. */
export const NO_TRACING = new Tracing();
export const activeContext = (): Context => otelContext.active();
