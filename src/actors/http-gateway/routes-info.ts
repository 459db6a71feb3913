/**
 * What a client needs to build a request: the scripts and output directories this server allows
 * (the newest original's endpoints), and the API description (`/openapi.json`, `/docs`).
 */
import type { FastifyInstance } from 'fastify';
import type { RouteContext } from './app.js';
import { docsPage, openApiDocument } from './openapi.js';
import { listScripts } from './path-policy.js';

export function registerInfoRoutes(app: FastifyInstance, context: RouteContext): void {
  const { data, version } = context.options;
  app.get('/allowed_scripts', async (_request, reply) => reply.send(listScripts(data.scriptsDir)));
  app.get('/allowed_output_dirs', async (_request, reply) => reply.send({ dirs: data.allowedOutputDirs }));

  const document = openApiDocument({ version, tokenRequired: data.token !== undefined });
  const page = docsPage(document);
  app.get('/openapi.json', async (_request, reply) => reply.send(document));
  app.get('/docs', async (_request, reply) =>
    reply.type('text/html; charset=utf-8').header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'").send(page),
  );
}
