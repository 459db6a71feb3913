/** Small helpers shared by the gateway's routes. */
import type { FastifyReply } from 'fastify';
import { STATUS_CODES } from 'node:http';
import type { ErrorBody } from './api-schemas.js';

/** The path of a request target, exactly as sent (no decoding, no dot segments removed). */
export function rawPath(target: string | undefined): string {
  const value = target ?? '/';
  const query = value.indexOf('?');
  return query >= 0 ? value.slice(0, query) : value;
}

export function sendError(reply: FastifyReply, status: number, message: string, extra: Partial<ErrorBody> = {}): FastifyReply {
  const body: ErrorBody = { statusCode: status, error: STATUS_CODES[status] ?? 'Error', message, ...extra };
  return reply.code(status).type('application/json; charset=utf-8').send(body);
}
