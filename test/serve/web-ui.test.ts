/**
 * The browser view's files at /ui/ (src/actors/http-gateway/web-ui.ts), through fastify's inject():
 * served without the token (they hold no run data) with the page's security headers, while every
 * API call still needs the token. Needs `npm run build` (dist/web).
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { buildGatewayApp, type GatewayApp } from '../../src/actors/http-gateway/app.js';
import { UI_CONTENT_SECURITY_POLICY } from '../../src/actors/http-gateway/web-ui.js';
import { idleRunState } from '../../src/actors/http-gateway/index.js';
import { REPO_ROOT } from '../helpers/rex-cli.js';

const WEB_DIR = path.join(REPO_ROOT, 'dist', 'web');
const TOKEN = 's3cret';
const apps: GatewayApp[] = [];

function build(webDir = WEB_DIR): GatewayApp {
  const gateway = buildGatewayApp({
    data: {
      host: '127.0.0.1',
      port: 9000,
      scriptsDir: REPO_ROOT,
      allowedOutputDirs: [REPO_ROOT],
      corsOrigins: [],
      cwd: REPO_ROOT,
      version: '0',
      token: TOKEN,
    },
    runState: idleRunState,
    launch: () => Promise.reject(new Error('no runs here')),
    log: () => undefined,
    version: '0.0.0-test',
    webDir,
  });
  apps.push(gateway);
  return gateway;
}
afterEach(async () => {
  await Promise.all(apps.splice(0).map((gateway) => gateway.close()));
});

describe('the browser view at /ui/', () => {
  it('serves the built page, script and style without the token, with the security headers', async () => {
    const { app } = build();
    for (const [url, type, file] of [
      ['/ui/', 'text/html', 'index.html'],
      ['/ui/app.js', 'text/javascript', 'app.js'],
      ['/ui/app.css', 'text/css', 'app.css'],
    ] as const) {
      const answer = await app.inject({ method: 'GET', url, headers: { host: '127.0.0.1:9000' } });
      expect(answer.statusCode, url).toBe(200);
      expect(answer.headers['content-type']).toContain(type);
      // The very files the build wrote: the same for every server, nothing about a run in them.
      expect(answer.rawPayload.equals(fs.readFileSync(path.join(WEB_DIR, file)))).toBe(true);
      expect(answer.headers).toMatchObject({
        'content-security-policy': UI_CONTENT_SECURITY_POLICY,
        'x-content-type-options': 'nosniff',
        'referrer-policy': 'no-referrer',
        'cache-control': 'no-cache',
      });
    }
    const redirect = await app.inject({ method: 'GET', url: '/ui' });
    expect(redirect.statusCode).toBe(301);
    expect(redirect.headers.location).toBe('/ui/');
  });

  it('the exemption is exactly those files: the API, and anything else under /ui/, still need the token', async () => {
    const { app } = build();
    for (const [method, url] of [
      ['GET', '/run'],
      ['GET', '/status'],
      ['GET', '/events'],
      ['POST', '/kill'],
      ['POST', '/ui/'],
      ['GET', '/ui/../run'],
      ['GET', '/ui/app.js.map'],
      ['GET', '/ui/index.html'],
    ] as const) {
      expect((await app.inject({ method, url })).statusCode, `${method} ${url}`).toBe(401);
    }
    expect((await app.inject({ method: 'GET', url: '/run', headers: { authorization: `Bearer ${TOKEN}` } })).statusCode).toBe(200);
  });

  it('the Host and Origin checks apply to the page too', async () => {
    const { app } = build();
    expect((await app.inject({ method: 'GET', url: '/ui/', headers: { host: 'evil.example:9000' } })).statusCode).toBe(403);
    expect((await app.inject({ method: 'GET', url: '/ui/', headers: { origin: 'https://evil.example' } })).statusCode).toBe(403);
  });

  it('without a build, answers 503 saying how to build it', async () => {
    const { app } = build(path.join(REPO_ROOT, 'no-such-web-dir'));
    const answer = await app.inject({ method: 'GET', url: '/ui/' });
    expect(answer.statusCode).toBe(503);
    expect(answer.body).toMatch(/browser view is not built.*npm run build/);
  });
});
