/**
 * `GET /events` against a real gateway on a real port: a client that never reads its events
 * cannot make the server hold them without bound.
 */
import net from 'node:net';
import os from 'node:os';
import { expect, it, vi } from 'vitest';
import { buildGatewayApp } from '../../src/actors/http-gateway/app.js';
import { MAX_BUFFERED_EVENT_BYTES } from '../../src/actors/http-gateway/live-events.js';
import type { ServeRunState } from '../../src/actors/http-gateway/messages.js';
import { idleRunState } from '../../src/host/serve/run-launcher.js';

it('a client that never reads its events is disconnected once they pile up, not queued for', async () => {
  let runState: ServeRunState = idleRunState();
  const gateway = buildGatewayApp({
    data: {
      host: '127.0.0.1',
      port: 0,
      scriptsDir: os.tmpdir(),
      allowedOutputDirs: [os.tmpdir()],
      corsOrigins: [],
      cwd: os.tmpdir(),
      version: 't',
    },
    runState: () => runState,
    launch: () => Promise.reject(new Error('not in this test')),
    log: () => undefined,
    version: 't',
  });
  try {
    await gateway.app.listen({ host: '127.0.0.1', port: 0 });
    const client = net.connect((gateway.app.server.address() as net.AddressInfo).port, '127.0.0.1');
    client.write('GET /events HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    client.on('error', () => undefined);
    await vi.waitFor(() => expect(gateway.live.size).toBe(1));
    client.pause();
    // `run` events are never skipped: each change is sent, here ~100 KB each.
    const script = `/lab/${'x'.repeat(100_000)}.py`;
    for (let change = 0; gateway.live.size > 0; change++) {
      expect(change, 'the server kept every event for a client that reads none').toBeLessThan((4 * MAX_BUFFERED_EVENT_BYTES) / 100_000);
      runState = { ...idleRunState(), phase: 'ended', id: `r${change}`, script, endedAt: '2026-01-01T00:00:00.000Z', exitCode: 0 };
      gateway.live.runChanged(runState);
      await new Promise((resolve) => setImmediate(resolve));
    }
    client.destroy();
  } finally {
    await gateway.close();
  }
});
