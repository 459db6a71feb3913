/**
 * Starting a run and following it: `POST /run`, `GET /run`, `GET /status_check`, `GET /events`.
 */
import type { FastifyInstance } from 'fastify';
import { RUN_BUSY, RUN_STARTED_MESSAGE, runStateBody, type RunStarted } from './api-schemas.js';
import type { RouteContext } from './app.js';
import { sendError } from './http-util.js';
import type { ServeLaunch } from './messages.js';
import { checkOutputDir, checkScript } from './path-policy.js';
import { parseRunRequest } from './run-request.js';

export function registerRunRoutes(app: FastifyInstance, context: RouteContext): void {
  const { options } = context;

  app.post('/run', async (request, reply) => {
    if (!request.headers['content-type']?.toLowerCase().startsWith('application/json')) {
      return sendError(reply, 415, 'body: POST /run expects a JSON object with Content-Type: application/json', { fields: ['body'] });
    }
    const parsed = parseRunRequest(request.body);
    if (!parsed.ok) return sendError(reply, 400, parsed.message, { fields: parsed.fields });
    const run = parsed.request;
    const script = checkScript(run.path, options.data.scriptsDir);
    if (!script.ok) return sendError(reply, script.status, script.message, { fields: [script.field] });
    const output = checkOutputDir(run.output, options.data.allowedOutputDirs, options.data.cwd);
    if (!output.ok) return sendError(reply, output.status, output.message, { fields: [output.field] });
    if (run.ignoredFields.length > 0) options.log('warn', `POST /run: ignored unknown fields: ${run.ignoredFields.join(', ')}`);
    if (run.interactive) options.log('warn', 'POST /run: "interactive" is ignored: a run started over HTTP has no terminal');

    const launch: ServeLaunch = {
      scriptPath: script.path,
      outputDir: output.path,
      delayMinutes: run.delayMinutes,
      loops: run.loops,
      dryRun: run.dryRun,
      ...(run.email !== undefined && { email: run.email }),
      ...(run.port !== undefined && { port: run.port }),
      ...(run.config !== undefined && { config: run.config }),
      ...(run.metaJson !== undefined && { metaJson: run.metaJson }),
    };
    let result;
    try {
      result = await options.launch(launch);
    } catch (error) {
      return sendError(reply, 500, `the run could not be started: ${(error as Error).message}`);
    }
    if (!result.started && result.reason === 'busy') {
      options.log('info', `POST /run from ${request.ip}: a run is already going; ignored`);
      return reply.send(RUN_BUSY);
    }
    if (!result.started) {
      // Exit code 2: `rex run` refused its arguments (nothing started), so the request was at fault.
      const status = result.exitCode === 2 ? 400 : 500;
      return sendError(reply, status, `the run did not start (${result.exitCode === null ? 'no exit status' : `exit code ${result.exitCode}`}): ${result.message}`, { id: result.id });
    }
    const body: RunStarted = { id: result.id, message: RUN_STARTED_MESSAGE };
    return reply.send(body);
  });

  app.get('/run', async (_request, reply) => reply.send(runStateBody(options.runState())));

  // The newest original: 200 while a run is going, 204 when idle.
  app.get('/status_check', async (_request, reply) => {
    const { phase } = options.runState();
    return reply.code(phase === 'starting' || phase === 'running' ? 200 : 204).send();
  });

  app.get('/events', async (request, reply) => {
    if (!context.admitLive()) return sendError(reply, 503, 'too many live connections; try again later');
    reply.hijack();
    const response = reply.raw;
    response.writeHead(200, {
      ...(reply.getHeaders() as Record<string, string>),
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    response.on('close', context.releaseLive);
    // An event stream has no end: the per-request timeout must not cut it.
    request.raw.socket.setTimeout(0);
    context.live.add(response);
  });
}
