/**
 * The app-wide request rules: which bodies are read (JSON for `POST /run`; any other body is read
 * within the limit and ignored, as the original ignored it) and how every failure is answered
 * (`{"statusCode", "error", "message", "fields"}`, the message naming the field at fault).
 */
import type { FastifyError, FastifyInstance } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import type { LogLevel } from '../../bus/payloads.js';
import { rawPath, sendError } from './http-util.js';
import { describeProblems } from '../../runtime/run-control/validation-message.js';

/** A run request is a few hundred bytes; 64 KiB leaves room for a large meta_json. */
export const BODY_LIMIT_BYTES = 64 * 1024;

export function installBodyParsers(app: FastifyInstance): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    const text = body as string;
    if (text.trim() === '') return done(null, undefined);
    try {
      done(null, JSON.parse(text));
    } catch (error) {
      done(Object.assign(new Error(`body: not valid JSON: ${(error as Error).message}`), { statusCode: 400 }), undefined);
    }
  });
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, _body, done) => done(null, undefined));
}

export function installErrorHandlers(app: FastifyInstance, log: (level: LogLevel, message: string) => void): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (hasZodFastifySchemaValidationErrors(error)) {
      // "/loops" → loops; "/" is the request part itself (e.g. a body that is not an object).
      const problems = error.validation.map((issue) => ({
        path: issue.instancePath.split('/').filter(Boolean),
        message: issue.message ?? 'invalid',
      }));
      const { message, fields } = describeProblems(problems, error.validationContext ?? 'body');
      return sendError(reply, 400, message, { fields });
    }
    const status = error.statusCode !== undefined && error.statusCode >= 400 ? error.statusCode : 500;
    // The path only: a query may hold a token.
    if (status >= 500) log('error', `${request.method} ${rawPath(request.url)}: ${error.stack ?? error.message}`);
    return sendError(reply, status, explainError(error, status));
  });
  app.setNotFoundHandler((request, reply) =>
    sendError(reply, 404, `no endpoint ${request.method} ${rawPath(request.url)}; the API is described at GET /docs`),
  );
}

function explainError(error: FastifyError, status: number): string {
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return `body: too large; the limit is ${BODY_LIMIT_BYTES} bytes`;
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return 'body: its length does not match the Content-Length header';
    default:
      return status >= 500 ? `internal error: ${error.message}` : error.message;
  }
}
