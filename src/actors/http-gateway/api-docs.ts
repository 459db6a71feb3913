/**
 * The API description: @fastify/swagger builds the OpenAPI 3.1 document from the routes' zod
 * schemas (through fastify-type-provider-zod), served at `GET /openapi.json` (and at
 * `/docs/json`), and @fastify/swagger-ui shows it as a web page at `GET /docs`, its assets under
 * `/docs/static/`. Registered before the routes, so that swagger sees each of them.
 */
import swagger, { type SwaggerTransformObject } from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { jsonSchemaTransform } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { jsonReply } from './api-schemas.js';

export const DOCS_PATH = '/docs';

/** swagger-ui's own routes are hidden from the document; the page itself is listed. */
const withDocsPage: SwaggerTransformObject = (document) => {
  const openapi = (document as Extract<typeof document, { openapiObject: unknown }>).openapiObject;
  const page = { description: 'The page (Swagger UI).', content: { 'text/html': { schema: { type: 'string' as const } } } };
  return {
    ...openapi,
    paths: { ...openapi.paths, [DOCS_PATH]: { get: { summary: 'This document as a web page', responses: { 200: page } } } },
  };
};

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
    transform: jsonSchemaTransform,
    transformObject: withDocsPage,
  });
  await app.register(swaggerUi, {
    routePrefix: DOCS_PATH,
    theme: { title: 'rex serve API' },
    uiConfig: { validatorUrl: null },
    // The page loads nothing from elsewhere (no online validator, no fonts), and it does not ask
    // for HTTPS: the server speaks plain HTTP (docs/serve.md "Limits").
    staticCSP:
      "default-src 'self'; base-uri 'self'; font-src 'self' data:; frame-ancestors 'self'; img-src 'self' data:; object-src 'none'; script-src 'self'; script-src-attr 'none'; style-src 'self'",
  });
  let document: string | undefined;
  app.get(
    '/openapi.json',
    { schema: { summary: 'This document', response: { 200: jsonReply(z.looseObject({ openapi: z.string() }), 'OpenAPI 3.1.') } } },
    async (_request, reply) => {
      document ??= JSON.stringify(app.swagger());
      return reply.type('application/json; charset=utf-8').send(document);
    },
  );
}

export const apiDocsPlugin = fp(apiDocs, { name: 'rex-api-docs' });
