/**
 * Where `rex serve` may listen (docs/serve.md "Threat model"): beyond loopback only with a token;
 * on loopback, however the address is spelled, requests addressed to another name are refused.
 */
import http from 'node:http';
import { describe, expect, it } from 'vitest';
import { runRex, workspace } from '../helpers/rex-cli.js';
import { startServe } from './serve-process.js';

describe('rex serve --host', () => {
  it('refuses to listen beyond loopback without a token (exit 2, nothing listens)', async () => {
    const ws = workspace();
    for (const host of ['0.0.0.0', '::', '10.1.2.3']) {
      const result = await runRex(ws, ['serve', '--host', host, '--port', '1'], { env: { REX_SERVE_TOKEN: '' } });
      expect(result.code, host).toBe(2);
      expect(result.stderr).toMatch(/is not a loopback address, and this server has no token.*REX_SERVE_TOKEN/);
    }
  });

  it('on a loopback address spelled 127.1, keeps the Host check (DNS rebinding) and needs no token', async () => {
    const serve = await startServe({ host: '127.1' });
    try {
      expect((await serve.http('GET', '/run')).status).toBe(200);
      // fetch does not send a Host of our choosing; node:http does.
      const rebound = await new Promise<{ status: number; body: string }>((resolve, reject) => {
        const request = http.request({
          port: serve.port,
          host: '127.0.0.1',
          method: 'POST',
          path: '/kill',
          headers: { host: 'attacker.example' },
        });
        request.on('response', (response) => {
          let body = '';
          response.on('data', (chunk: Buffer) => (body += chunk.toString()));
          response.on('end', () => resolve({ status: response.statusCode!, body }));
        });
        request.on('error', reject);
        request.end();
      });
      expect(rebound.status).toBe(403);
      expect(JSON.parse(rebound.body).message).toMatch(/not a loopback name/);
    } finally {
      await serve.dispose();
    }
  });
});
