/**
 * Who may call (./access.ts), as hooks on every request, WebSocket upgrades included, in this
 * order: the Host and Origin checks (403), then CORS for the configured origins (it answers
 * preflights), then the token (401), so a browser at an allowed origin can read its 401.
 */
import cors from '@fastify/cors';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { checkHostAndOrigin, checkToken, type AccessPolicy, type AccessRefusal, type AccessRequest } from './access.js';
import { rawPath, sendError } from './http-util.js';

async function accessHooks(app: FastifyInstance, policy: AccessPolicy): Promise<void> {
  app.addHook('onRequest', async (request, reply) => {
    const refusal = checkHostAndOrigin(accessRequestOf(request), policy);
    if (refusal) return refuse(reply, refusal);
  });
  if (policy.corsOrigins.length > 0) {
    await app.register(cors, {
      origin: policy.corsOrigins.includes('*') ? '*' : [...policy.corsOrigins],
      methods: ['GET', 'POST', 'OPTIONS'],
      allowedHeaders: ['Authorization', 'Content-Type'],
      maxAge: 600,
    });
  }
  app.addHook('onRequest', async (request, reply) => {
    const refusal = checkToken(accessRequestOf(request), policy);
    if (refusal) return refuse(reply, refusal);
  });
}

function refuse(reply: Parameters<typeof sendError>[0], refusal: AccessRefusal) {
  if (refusal.challenge) reply.header('www-authenticate', 'Bearer realm="rex"');
  return sendError(reply, refusal.status, refusal.message);
}

function accessRequestOf(request: FastifyRequest): AccessRequest {
  const { headers } = request;
  const target = request.url;
  const query = target.indexOf('?');
  const access: AccessRequest = { method: request.method, path: rawPath(target) };
  if (headers.host !== undefined) access.host = headers.host;
  if (typeof headers.origin === 'string') access.origin = headers.origin;
  if (headers.authorization !== undefined) access.authorization = headers.authorization;
  if (query >= 0) {
    const token = new URLSearchParams(target.slice(query + 1)).get('token');
    if (token !== null) access.queryToken = token;
  }
  return access;
}

/** Not encapsulated: the hooks guard every route of the app. */
export const accessPlugin = fp(accessHooks, { name: 'rex-access' });
