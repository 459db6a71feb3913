/**
 * The original's endpoints that talk to the run over its TCP port (SPEC §8): each answers at once
 * whatever the run is doing, with the run's reply, or 502 with the reason there is none.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { z } from 'zod';
import { BUSY_RUN_REPLY, jsonReply, NO_RUN_REPLY, RunJsonSchema, SLOW_RUN_REPLY, TraceRangeQuerySchema, textReply } from './api-schemas.js';
import { errorReply } from './api-schemas.js';
import { clientGoneSignal, rawPath } from './http-util.js';
import type { RouteContext } from './route-context.js';
import type { RunCommand, RunRequest } from '../../runtime/run-control/run-tcp-command.js';

const TEXT = 'text/plain; charset=utf-8';

export const controlRoutes: FastifyPluginAsyncZod<{ context: RouteContext }> = async (app, { context }) => {
  app.get(
    '/',
    { schema: { summary: 'Liveness check', security: [], response: { 200: textReply('`Server is up!`') } } },
    async (_request, reply) => reply.type(TEXT).send('Server is up!'),
  );

  const json = (ask: RunRequest | ((request: FastifyRequest) => RunRequest)) => async (request: FastifyRequest, reply: FastifyReply) => {
    const answer = await context.run(request).ask(typeof ask === 'function' ? ask(request) : ask, clientGoneSignal(request, reply));
    if (!answer.ok) return reply.code(answer.status).type(TEXT).send(answer.message);
    try {
      JSON.parse(answer.text);
    } catch {
      return reply
        .code(502)
        .type(TEXT)
        .send(`Received malformed JSON: ${answer.text.slice(0, 1000)}`);
    }
    // Passed through as the run wrote it: no second serialisation of a large datastream.
    return reply.type('application/json; charset=utf-8').send(answer.text);
  };
  const query = (summary: string, description: string, reply: string) => ({
    schema: {
      summary,
      description,
      response: { 200: jsonReply(RunJsonSchema, reply), 502: NO_RUN_REPLY, 503: BUSY_RUN_REPLY, 504: SLOW_RUN_REPLY },
    },
  });
  app.get(
    '/datastream',
    query('Live data (GET_DATASTREAM)', 'The last ≤100 values of each channel, as `GET_DATASTREAM` over TCP.', 'The datastream JSON.'),
    json('GET_DATASTREAM'),
  );
  const full = query(
    'Live data, traces in full (GET_DATASTREAM_FULL)',
    "rex-daq's: as `/datastream`, with each trace's newest row at up to 10,000 points instead of 100. With `device` and `channel`: that channel only, and a trace's newest row cut to points `from` to `to` (reduced only if that is still more than 10,000 points), with `sample_index` giving each point's place in the row; `{}` when the run has no such channel.",
    'The datastream JSON.',
  );
  app.get(
    '/datastream/full',
    {
      schema: {
        ...full.schema,
        querystring: TraceRangeQuerySchema,
        response: { ...full.schema.response, 400: errorReply('A query value is wrong (the message names the field).') },
      },
    },
    json((request) => {
      const { device, channel, from, to } = request.query as z.infer<typeof TraceRangeQuerySchema>;
      if (device === undefined || channel === undefined) return 'GET_DATASTREAM_FULL';
      return { range: { device, channel, ...(from !== undefined && { from }), ...(to !== undefined && { to }) } };
    }),
  );
  app.get(
    '/status',
    query('Session state (STATE)', 'As `STATE` over TCP: `{"entities": null}` until the script has sent its session.', 'The state JSON.'),
    json('STATE'),
  );

  const control = (command: RunCommand) => async (request: FastifyRequest, reply: FastifyReply) => {
    const answer = await context.run(request).ask(command, clientGoneSignal(request, reply));
    context.options.log(
      answer.ok ? 'info' : 'warn',
      `${request.method} ${rawPath(request.url)} from ${request.ip}: ${answer.ok ? answer.text : answer.message}`,
    );
    if (!answer.ok) return reply.code(answer.status).type(TEXT).send(answer.message);
    return reply.type(TEXT).send(answer.text);
  };
  const operation = (command: RunCommand, summary: string, reply: string) => ({
    schema: {
      summary,
      description: `Sends \`${command}\` to the run over its TCP port and answers with its reply line.`,
      response: { 200: textReply(`The run's reply: \`${reply}\`.`), 502: NO_RUN_REPLY, 503: BUSY_RUN_REPLY, 504: SLOW_RUN_REPLY },
    },
  });
  app.post(
    '/pause',
    operation('PAUSE_STATE', 'Pause (the script\'s Listener answers "Paused")', 'Setting internal server state to paused...'),
    control('PAUSE_STATE'),
  );
  app.post(
    '/continue',
    operation('RESUME_STATE', 'Resume (the Listener answers "Running")', 'Setting internal server state to start...'),
    control('RESUME_STATE'),
  );
  app.post(
    '/kill',
    operation('KILL', 'End the current run iteration gracefully; the data is saved', 'Shutting down server...'),
    control('KILL'),
  );
};
