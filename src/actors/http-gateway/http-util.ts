/** Small helpers shared by the gateway's routes. */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { STATUS_CODES } from 'node:http';
import type { FileAnswer } from '../../runtime/run-file/past-run-answers.js';
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

/** An answer as it came, status and body (a station's may carry any status: 502, 504). */
export const sendAnswer = (reply: FastifyReply, answer: FileAnswer): FastifyReply => reply.code(answer.status).send(answer.body as never);

/**
 * Fires when the client goes before its answer is sent (it closed the connection, with pipelined
 * requests perhaps still queued on it), so that what is done only for it, asking the run, stops.
 */
export function clientGoneSignal(request: FastifyRequest, reply: FastifyReply): AbortSignal {
  const gone = new AbortController();
  const onClose = (): void => {
    if (!reply.raw.writableFinished && (request.raw.errored || request.raw.socket?.destroyed)) gone.abort();
  };
  // A request pipelined behind others may come to its handler after its client has gone.
  if (request.raw.socket?.destroyed) gone.abort();
  request.raw.once('close', onClose);
  reply.raw.once('close', onClose);
  return gone.signal;
}
