/**
 * The original's endpoints that talk to the run over its TCP port (SPEC §8): each answers at once
 * whatever the run is doing, with the run's reply, or 502 with the reason there is none.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { RouteContext } from './app.js';
import { rawPath } from './http-util.js';
import type { RunCommand } from './run-tcp-command.js';

export function registerControlRoutes(app: FastifyInstance, context: RouteContext): void {
  app.get('/', async (_request, reply) => reply.type('text/plain; charset=utf-8').send('Server is up!'));

  const json = (command: RunCommand) => async (_request: unknown, reply: FastifyReply) => {
    const answer = await context.ask(command);
    if (!answer.ok) return reply.code(answer.status).type('text/plain; charset=utf-8').send(answer.message);
    try {
      JSON.parse(answer.text);
    } catch {
      return reply.code(502).type('text/plain; charset=utf-8').send(`Received malformed JSON: ${answer.text.slice(0, 1000)}`);
    }
    // Passed through as the run wrote it: no second serialisation of a large datastream.
    return reply.type('application/json; charset=utf-8').send(answer.text);
  };
  app.get('/datastream', json('GET_DATASTREAM'));
  app.get('/status', json('STATE'));

  const control = (command: RunCommand) => async (request: { method: string; url: string; ip: string }, reply: FastifyReply) => {
    const answer = await context.ask(command);
    context.options.log(answer.ok ? 'info' : 'warn', `${request.method} ${rawPath(request.url)} from ${request.ip}: ${answer.ok ? answer.text : answer.message}`);
    if (!answer.ok) return reply.code(answer.status).type('text/plain; charset=utf-8').send(answer.message);
    return reply.type('text/plain; charset=utf-8').send(answer.text);
  };
  app.post('/pause', control('PAUSE_STATE'));
  app.post('/continue', control('RESUME_STATE'));
  app.post('/kill', control('KILL'));
}
