/**
 * What a client needs to build a request: the scripts and output directories this server allows
 * (the newest original's endpoints). Under `rex run --web`, which starts no run, no scripts; under
 * `rex serve --fleet`, the chosen station's (./fleet-routes.ts). The API description is ./api-docs.ts.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { AllowedOutputDirsSchema, AllowedScriptsSchema, jsonReply } from './api-schemas.js';
import type { RouteContext } from './route-context.js';
import { sendAnswer } from './http-util.js';

export const infoRoutes: FastifyPluginAsyncZod<{ context: RouteContext }> = async (app, { context }) => {
  app.get(
    '/allowed_scripts',
    {
      schema: {
        summary: 'Scripts POST /run may start',
        response: { 200: jsonReply(AllowedScriptsSchema, 'The scripts directory and its scripts.') },
      },
    },
    async (request, reply) => sendAnswer(reply, await context.run(request).files.allowedScripts()),
  );
  app.get(
    '/allowed_output_dirs',
    {
      schema: {
        summary: 'Where POST /run may write',
        response: { 200: jsonReply(AllowedOutputDirsSchema, 'The allowed output directories.') },
      },
    },
    async (request, reply) => sendAnswer(reply, await context.run(request).files.allowedOutputDirs()),
  );
};
