/**
 * What a client needs to build a request: the scripts and output directories this server allows
 * (the newest original's endpoints). Under `rex run --web`, which starts no run, no scripts. The
 * API description is ./api-docs.ts.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { AllowedOutputDirsSchema, AllowedScriptsSchema, jsonReply } from './api-schemas.js';
import { listScripts } from '../../runtime/run-control/path-policy.js';
import type { RouteContext } from './route-context.js';

export const infoRoutes: FastifyPluginAsyncZod<{ context: RouteContext }> = async (app, { context }) => {
  const { data } = context.options;
  app.get(
    '/allowed_scripts',
    {
      schema: {
        summary: 'Scripts POST /run may start',
        response: { 200: jsonReply(AllowedScriptsSchema, 'The scripts directory and its scripts.') },
      },
    },
    async (_request, reply) => reply.send(data.oneRun ? { base_dir: data.scriptsDir, files: [] } : listScripts(data.scriptsDir)),
  );
  app.get(
    '/allowed_output_dirs',
    {
      schema: {
        summary: 'Where POST /run may write',
        response: { 200: jsonReply(AllowedOutputDirsSchema, 'The allowed output directories.') },
      },
    },
    async (_request, reply) => reply.send({ dirs: data.allowedOutputDirs }),
  );
};
