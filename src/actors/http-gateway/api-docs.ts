/**
 * The API description: @fastify/swagger builds the OpenAPI 3.1 document from the routes' zod
 * schemas (through fastify-type-provider-zod), served at `GET /openapi.json` (and at
 * `/docs/json`), and @fastify/swagger-ui shows it as a web page at `GET /docs`, its assets under
 * `/docs/static/`. Registered before the routes, so that swagger sees each of them.
 */
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { jsonSchemaTransform } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { jsonReply } from './api-schemas.js';

export const DOCS_PATH = '/docs';

type RouteDocument = Parameters<typeof jsonSchemaTransform>[0];

/** Every route is described by its own schema; swagger-ui hides its routes, but the page itself is listed. */
function describeRoute(document: RouteDocument): ReturnType<typeof jsonSchemaTransform> {
  if (document.url !== DOCS_PATH) return jsonSchemaTransform(document);
  const page = { description: 'The page (Swagger UI).', content: { 'text/html': { schema: { type: 'string' } } } };
  return { schema: { summary: 'This document as a web page', response: { 200: page } }, url: document.url };
}

async function apiDocs(app: FastifyInstance, options: { version: string; tokenRequired: boolean }): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'rex serve',
        version: options.version,
        description: 'Start and control rex runs over HTTP. The threat model and the setup are in docs/serve.md.',
      },
      ...(options.tokenRequired && {
        components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
        security: [{ bearer: [] }],
      }),
    },
    transform: describeRoute,
  });
  await app.register(swaggerUi, {
    routePrefix: DOCS_PATH,
    theme: { title: 'rex serve API' },
    // The page loads nothing from elsewhere: no online validator, and the policy allows this server only.
    uiConfig: { validatorUrl: null },
    staticCSP: true,
    // The server speaks plain HTTP (docs/serve.md "Limits"): the page must not ask for HTTPS.
    transformStaticCSP: (header) => header.replace(/\s*upgrade-insecure-requests;/, '').replace(' validator.swagger.io', ''),
  });
  let document: string | undefined;
  app.get(
    '/openapi.json',
    { schema: { summary: 'This document', response: { 200: jsonReply(z.looseObject({ openapi: z.string() }), 'OpenAPI 3.1.') } } },
    async (_request, reply) => reply.type('application/json; charset=utf-8').send((document ??= JSON.stringify(app.swagger()))),
  );
}

export const apiDocsPlugin = fp(apiDocs, { name: 'rex-api-docs' });
