const t0 = performance.now();
await import('@aws-sdk/client-s3'); const t1 = performance.now();
await import('pg'); const t2 = performance.now();
await import('tar'); const t3 = performance.now();
await import('pino'); const t4 = performance.now();
await import('zod'); const t5 = performance.now();
await import('prom-client'); const t6 = performance.now();
await import('@opentelemetry/exporter-trace-otlp-http'); const t7 = performance.now();
console.log({ s3: t1 - t0, pg: t2 - t1, tar: t3 - t2, pino: t4 - t3, zod: t5 - t4, prom: t6 - t5, otel: t7 - t6 });
