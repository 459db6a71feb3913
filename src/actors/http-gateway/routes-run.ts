/**
 * Starting a run and following it: `POST /run`, `GET /run`, `GET /status_check`. The body of
 * `POST /run` is validated by its zod schema (./run-request.ts) before the handler runs; the
 * handler applies the path policy and launches (src/runtime/run-control/start-run.ts, shared with
 * the fleet-station), which is domain logic, not validation; under `rex serve --fleet`, the station
 * does that (./fleet-routes.ts).
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { emptyReply, errorReply, jsonReply, RunStartedSchema, RunStateSchema, runStateBody } from './api-schemas.js';
import { sendError } from './http-util.js';
import type { RouteContext } from './route-context.js';
import { RUN_BODY_EXPECTED, RunRequestSchema } from '../../runtime/run-control/run-request.js';

const RUN_SCHEMA = {
  summary: 'Start a run (one at a time)',
  description:
    'Starts `rex run` on a script from the scripts directory, as a child process: a crash of the run or its script never takes the server down. Answers once the run listens on its TCP port (or has ended).',
  body: RunRequestSchema,
  response: {
    200: jsonReply(
      RunStartedSchema,
      'Started (`{"id": "<uuid>", "message": "session started"}`), or a run is already going (`{"id": "None", ...}`).',
    ),
    400: errorReply('The body is not valid JSON, or a field is wrong (the message names it), or the run refused its arguments.'),
    403: errorReply('The script or the config file is outside the scripts directory, or the output directory is not allowed.'),
    409: errorReply('This server shows one run (`rex run --web`): it starts none.'),
    413: errorReply('The body is larger than the limit.'),
    415: errorReply('The body is not `application/json`.'),
    500: errorReply('The run could not be started (the message holds the end of its log).'),
  },
};

export const ONE_RUN_REFUSAL = 'this server shows one run (rex run --web); start runs with rex serve';

export const runRoutes: FastifyPluginAsyncZod<{ context: RouteContext }> = async (app, { context }) => {
  const { options } = context;

  app.post(
    '/run',
    {
      schema: RUN_SCHEMA,
      // After the access checks (the app's own hooks run first), before the body is read.
      onRequest: async (_request, reply) => {
        if (options.data.oneRun) return sendError(reply, 409, ONE_RUN_REFUSAL);
      },
      // Before validation: a body that is not JSON, or none, is answered as such, not field by field.
      preValidation: async (request, reply) => {
        if (!request.headers['content-type']?.toLowerCase().startsWith('application/json')) {
          return sendError(reply, 415, 'body: POST /run expects a JSON object with Content-Type: application/json', { fields: ['body'] });
        }
        if (request.body === undefined) {
          return sendError(reply, 400, `body: expected ${RUN_BODY_EXPECTED}, got nothing`, { fields: ['body'] });
        }
      },
    },
    async (request, reply) => {
      const answer = await context.run(request).start(request.body, request);
      // A station's answer may carry any status (502, 504: ./fleet-routes.ts).
      return reply.code(answer.status as 200).send(answer.body as never);
    },
  );

  app.get(
    '/run',
    {
      schema: {
        summary: 'The current or last run',
        response: { 200: jsonReply(RunStateSchema, 'Its state, exit status and output files.') },
      },
    },
    async (request, reply) => reply.send(runStateBody(context.run(request).runState())),
  );

  // The newest original: 200 while a run is going, 204 when idle.
  app.get(
    '/status_check',
    { schema: { summary: 'Is a run going?', response: { 200: emptyReply('A run is starting or running.'), 204: emptyReply('No run.') } } },
    async (request, reply) => {
      const { phase } = context.run(request).runState();
      // No body at all (not `null`): the schema types the reply as null only to document "no content".
      return reply.code(phase === 'starting' || phase === 'running' ? 200 : 204).send(undefined as never);
    },
  );
};
