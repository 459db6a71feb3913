/**
 * The browser view (docs/web.md): the three files scripts/build-web.mjs writes to dist/web, served at
 * `/ui/`, `/ui/app.js` and `/ui/app.css`; `GET /ui` redirects to `/ui/`. They hold no run data, so
 * ./access.ts lets them through without the token (UI_STATIC_PATHS); every API call the page makes
 * needs it. The headers keep the page to its own files: no inline script or style, nothing from
 * elsewhere, no framing, no referrer.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { distFile } from '../../runtime/dist-file.js';

export const DEFAULT_WEB_DIR = fileURLToPath(distFile('web/'));

export const UI_CONTENT_SECURITY_POLICY =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

const UI_HEADERS = {
  'content-security-policy': UI_CONTENT_SECURITY_POLICY,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-cache',
};

const FILES: Record<string, { file: string; type: string }> = {
  '/ui/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/ui/app.js': { file: 'app.js', type: 'text/javascript; charset=utf-8' },
  '/ui/app.css': { file: 'app.css', type: 'text/css; charset=utf-8' },
};

/** Static files, not API: left out of the API description. */
const NOT_API = { schema: { hide: true } };

export async function webUiRoutes(app: FastifyInstance, { dir = DEFAULT_WEB_DIR }: { dir?: string }): Promise<void> {
  app.get('/ui', NOT_API, async (_request, reply) => reply.headers(UI_HEADERS).redirect('/ui/', 301));
  for (const [route, { file, type }] of Object.entries(FILES)) {
    app.get(route, NOT_API, async (_request, reply) => serve(reply, path.join(dir, file), type));
  }
}

async function serve(reply: FastifyReply, file: string, type: string): Promise<FastifyReply> {
  reply.headers(UI_HEADERS);
  let body: Buffer;
  try {
    body = await readFile(file);
  } catch {
    return reply
      .code(503)
      .type('text/plain; charset=utf-8')
      .send(`The browser view is not built: ${file} is missing. Run "npm run build" (it runs scripts/build-web.mjs).\n`);
  }
  return reply.type(type).send(body);
}
