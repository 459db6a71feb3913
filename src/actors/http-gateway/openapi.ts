/**
 * The OpenAPI 3.1 description of the API (`GET /openapi.json`) and a plain HTML page made from it
 * (`GET /docs`), both generated from the zod schemas the server validates and answers with. Pure.
 */
import { z } from 'zod';
import {
  AllowedOutputDirsSchema,
  AllowedScriptsSchema,
  ErrorSchema,
  RunJsonSchema,
  RunStartedSchema,
  RunStateSchema,
} from './api-schemas.js';
import { RunRequestSchema } from './run-request.js';

type JsonObject = Record<string, unknown>;

function schemaOf(schema: z.ZodType, io: 'input' | 'output' = 'output'): JsonObject {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { io }) as JsonObject;
  return rest;
}

const json = (schema: z.ZodType, description: string) => ({ description, content: { 'application/json': { schema: schemaOf(schema) } } });
const text = (description: string) => ({ description, content: { 'text/plain': { schema: { type: 'string' } } } });
const error = (description: string) => json(ErrorSchema, description);
const noRun = text('No run to ask ("Error communicating with TCP server: ..."), or the run could not be reached.');
const slowRun = text('The run did not answer within the time limit.');

interface Operation {
  summary: string;
  description?: string;
  requestBody?: JsonObject;
  responses: Record<string, JsonObject>;
  security?: unknown[];
}

function controlOperation(word: string, effect: string, reply: string): Operation {
  return {
    summary: effect,
    description: `Sends \`${word}\` to the run over its TCP port and answers with its reply line.`,
    responses: { 200: text(`The run's reply: \`${reply}\`.`), 502: noRun, 504: slowRun },
  };
}

/** The OpenAPI document. `tokenRequired` adds the bearer scheme to every operation but `GET /`. */
export function openApiDocument(options: { version: string; tokenRequired: boolean }): JsonObject {
  const paths: Record<string, Record<string, Operation>> = {
    '/': { get: { summary: 'Liveness check', responses: { 200: text('`Server is up!`') }, security: [] } },
    '/run': {
      post: {
        summary: 'Start a run (one at a time)',
        description:
          'Starts `rex run` on a script from the scripts directory, as a child process: a crash of the run or its script never takes the server down. Answers once the run listens on its TCP port (or has ended).',
        requestBody: { required: true, content: { 'application/json': { schema: schemaOf(RunRequestSchema, 'input') } } },
        responses: {
          200: json(RunStartedSchema, 'Started (`{"id": "<uuid>", "message": "session started"}`), or a run is already going (`{"id": "None", ...}`).'),
          400: error('The body is not valid JSON, or a field is wrong (the message names it), or the run refused its arguments.'),
          403: error('The script is outside the scripts directory, or the output directory is not allowed.'),
          413: error('The body is larger than the limit.'),
          415: error('The body is not `application/json`.'),
          500: error('The run could not be started (the message holds the end of its log).'),
        },
      },
      get: { summary: 'The current or last run', responses: { 200: json(RunStateSchema, 'Its state, exit status and output files.') } },
    },
    '/status_check': {
      get: { summary: 'Is a run going?', responses: { 200: { description: 'A run is starting or running.' }, 204: { description: 'No run.' } } },
    },
    '/datastream': {
      get: {
        summary: 'Live data (GET_DATASTREAM)',
        description: 'The last ≤100 values of each channel, as `GET_DATASTREAM` over TCP.',
        responses: { 200: json(RunJsonSchema, 'The datastream JSON.'), 502: noRun, 504: slowRun },
      },
    },
    '/status': {
      get: {
        summary: 'Session state (STATE)',
        description: 'As `STATE` over TCP: `{"entities": null}` until the script has sent its session.',
        responses: { 200: json(RunJsonSchema, 'The state JSON.'), 502: noRun, 504: slowRun },
      },
    },
    '/pause': { post: controlOperation('PAUSE_STATE', 'Pause (the script\'s Listener answers "Paused")', 'Setting internal server state to paused...') },
    '/continue': { post: controlOperation('RESUME_STATE', 'Resume (the Listener answers "Running")', 'Setting internal server state to start...') },
    '/kill': { post: controlOperation('KILL', 'End the current run iteration gracefully; the data is saved', 'Shutting down server...') },
    '/allowed_scripts': { get: { summary: 'Scripts POST /run may start', responses: { 200: json(AllowedScriptsSchema, 'The scripts directory and its scripts.') } } },
    '/allowed_output_dirs': { get: { summary: 'Where POST /run may write', responses: { 200: json(AllowedOutputDirsSchema, 'The allowed output directories.') } } },
    '/events': {
      get: {
        summary: 'Live push (server-sent events)',
        description:
          'A `text/event-stream`: event `run` (the body of GET /run) on connect and on every change; event `datastream` (the body of GET /datastream) whenever it changes. A browser EventSource may pass the token as `?token=`.',
        responses: { 200: { description: 'The event stream.', content: { 'text/event-stream': { schema: { type: 'string' } } } } },
      },
    },
    '/ws': {
      get: {
        summary: 'WebSocket: command words',
        description:
          'Upgrade to a WebSocket. Each text message is a command word (`GET_DATASTREAM`, `STATE`, `PAUSE_STATE`, `RESUME_STATE`, `KILL`, or `RUN_STATUS` for the body of GET /run) and gets one text reply, in order; a failure is answered `ERROR: <reason>`. A browser may pass the token as `?token=`.',
        responses: { 101: { description: 'Switching protocols.' }, 426: { description: 'Not a WebSocket upgrade.' } },
      },
    },
    '/openapi.json': { get: { summary: 'This document', responses: { 200: { description: 'OpenAPI 3.1.' } } } },
    '/docs': { get: { summary: 'This document as a web page', responses: { 200: { description: 'HTML.' } } } },
  };
  return {
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
    paths,
  };
}

const escapeHtml = (s: string): string => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
const code = (s: string): string => escapeHtml(s).replace(/`([^`]+)`/g, '<code>$1</code>');

/** A self-contained page (no scripts, no external resources) listing every operation and its schemas. */
export function docsPage(document: JsonObject): string {
  const info = document.info as { title: string; version: string; description: string };
  const sections: string[] = [];
  for (const [route, methods] of Object.entries(document.paths as Record<string, Record<string, Operation>>)) {
    for (const [method, op] of Object.entries(methods)) {
      const parts = [`<h2><code>${method.toUpperCase()} ${escapeHtml(route)}</code> — ${code(op.summary)}</h2>`];
      if (op.description) parts.push(`<p>${code(op.description)}</p>`);
      const body = (op.requestBody?.content as Record<string, { schema: unknown }> | undefined)?.['application/json'];
      if (body) parts.push(`<h3>Request body (application/json)</h3><pre>${escapeHtml(JSON.stringify(body.schema, null, 2))}</pre>`);
      parts.push('<h3>Responses</h3><ul>');
      for (const [status, response] of Object.entries(op.responses)) {
        const content = response.content as Record<string, { schema: unknown }> | undefined;
        const schema = content?.['application/json']?.schema;
        parts.push(`<li><b>${status}</b> ${code(String(response.description))}${schema ? `<pre>${escapeHtml(JSON.stringify(schema, null, 2))}</pre>` : ''}</li>`);
      }
      parts.push('</ul>');
      sections.push(`<section>${parts.join('\n')}</section>`);
    }
  }
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(info.title)} API</title>
<style>body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;line-height:1.4}
pre{background:#f4f4f4;padding:.5rem;overflow:auto;font-size:.85rem}section{border-top:1px solid #ddd;margin-top:1.5rem}</style>
</head><body><h1>${escapeHtml(info.title)} API <small>${escapeHtml(info.version)}</small></h1>
<p>${code(info.description)} Machine-readable: <a href="openapi.json">openapi.json</a>.</p>
${sections.join('\n')}
</body></html>`;
}
