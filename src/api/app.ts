/**
 * The HTTP API (Fastify). Request and response schemas are zod; they validate, serialise and
 * produce /openapi.json and the docs at /docs. Handlers stay thin: they call the store and the
 * blob store through their interfaces.
 */
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { LogController, type FastifyInstance } from 'fastify';
import { jsonSchemaTransform, serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import { ErrorCode } from '../errors/index.ts';
import type { Logger } from '../log/index.ts';
import type { ApiContext } from './context.ts';
import { errorHandler, problem, sendProblem } from './problem.ts';
import { healthRoutes } from './routes/health.ts';
import { queueRoutes } from './routes/queues.ts';
import { taskRoutes } from './routes/tasks.ts';

export async function buildApp(ctx: ApiContext, log: Logger): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: log.child({ module: 'api' }),
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: ctx.config.bodyLimit,
    trustProxy: true,
  }) as unknown as FastifyInstance;
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.setErrorHandler(errorHandler);
  app.setNotFoundHandler((req, reply) => sendProblem(reply, problem(404, ErrorCode.NotFound, `no route ${req.method} ${req.url}`)));

  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'Hangar API',
        version: '0.1.0',
        description: 'Submit work, watch it run in priority queues, read results and logs. Request and response shapes follow seed 000.',
      },
      tags: [{ name: 'tasks' }, { name: 'queues' }, { name: 'operations' }],
    },
    transform: jsonSchemaTransform,
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  taskRoutes(app, ctx);
  queueRoutes(app, ctx);
  healthRoutes(app, ctx);
  await app.ready();
  return app;
}
