/**
 * The http-gateway actor: the HTTP and WebSocket API of `rex serve` on its own worker thread. It
 * holds no run: the run is a child process owned by the main thread (./run-launcher.ts), which it
 * asks over the bus. Restarted after a crash, it listens on the same port again and carries on.
 */
import type { FastifyInstance } from 'fastify';
import type { ActorDefinition } from '../../runtime/worker/run-actor.js';
import { SERVE_PORT_ADVICE, portProblemMessage } from '../../runtime/port-check.js';
import { isLoopbackName } from './access.js';
import { buildGatewayApp } from './app.js';
import { idleRunState } from './idle-run-state.js';
import type { GatewayData, ServeRunState } from './messages.js';

/** `serve.launch` answers once the run listens (the launcher waits up to 20 s); this bounds the request. */
const LAUNCH_TIMEOUT_MS = 30_000;
/** The main thread answers `serve.log` from memory; a poll not answered by then is dropped (the next asks again). */
const LOG_TIMEOUT_MS = 2_000;
/** How long a stop waits for the run's last change to come through. */
const STOP_FLUSH_TIMEOUT_MS = 1_000;
/** A restarted gateway may find the port still held for a moment by the thread that crashed. */
const RELISTEN_WINDOW_MS = 5_000;

export const httpGatewayActor: ActorDefinition<GatewayData> = {
  name: 'http-gateway',
  async start({ bus, data, log, restartCount }) {
    let runState: ServeRunState | undefined;
    let onChange: (state: ServeRunState) => void = () => undefined;
    // Subscribe before asking, so a change that overtakes the answer is not overwritten by it.
    const subscription = bus.on('serve.run').subscribe((state) => {
      runState = state;
      onChange(state);
    });
    // `rex serve --fleet` has no run launcher: no run here, ever. Its link to the hub lives in
    // this worker, beside the requests that use it (no hop over the bus for each), and is made
    // again when a crashed gateway restarts.
    const fleet = data.fleet ? (await import('./fleet-link.js')).openFleetLink(data.fleet, log) : undefined;
    const initial = fleet ? idleRunState() : await bus.request('serve.state', {});
    runState ??= initial;

    const gateway = buildGatewayApp({
      data,
      runState: () => runState!,
      runLog: (request) => bus.request('serve.log', request, { timeoutMs: LOG_TIMEOUT_MS }),
      launch: (launch) => bus.request('serve.launch', launch, { timeoutMs: LAUNCH_TIMEOUT_MS }),
      log,
      version: data.version,
      ...(fleet && { fleet }),
    });
    onChange = (state) => gateway.live.runChanged(state);

    try {
      await listen(gateway.app, data, restartCount > 0 ? RELISTEN_WINDOW_MS : 0);
      checkBoundAddresses(gateway.app, data);
    } catch (error) {
      subscription.unsubscribe();
      await gateway.close();
      throw error;
    }
    const shown = data.host.includes(':') ? `[${data.host}]` : data.host;
    // `rex run --web` prints its own line, with the token (src/host/run/web-view.ts).
    log(
      data.oneRun ? 'debug' : 'info',
      `Rex Server listening on http://${shown}:${data.port}${restartCount > 0 ? ` (restarted, ${restartCount})` : ''}`,
    );
    if (restartCount === 0 && !data.oneRun) log('info', `Browser view: http://${shown}:${data.port}/ui/`);
    if (restartCount === 0 && fleet) log('info', `the fleet's control point: its stations at http://${shown}:${data.port}/stations`);

    return {
      async stop() {
        // `rex run --web` stops the gateway right after the run's end was published: that change
        // is on the bus ahead of this answer, so it reaches the event streams before they close.
        if (data.oneRun) await bus.request('serve.state', {}, { timeoutMs: STOP_FLUSH_TIMEOUT_MS }).catch(() => undefined);
        subscription.unsubscribe();
        await gateway.close();
      },
    };
  },
};

async function listen(app: FastifyInstance, data: GatewayData, retryWindowMs: number): Promise<void> {
  const deadline = Date.now() + retryWindowMs;
  for (;;) {
    try {
      await app.listen({ host: data.host, port: data.port });
      return;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EADDRINUSE' && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 200));
        continue;
      }
      throw new Error(portProblemMessage(data.host, data.port, error as NodeJS.ErrnoException, SERVE_PORT_ADVICE));
    }
  }
}

/**
 * The Host check is kept only for a loopback --host, and a server without a token must be on
 * loopback (src/cli/serve-command.ts): a name that looked like loopback must have bound there.
 */
function checkBoundAddresses(app: FastifyInstance, data: GatewayData): void {
  if (!isLoopbackName(data.host)) return;
  const outside = app
    .addresses()
    .map((bound) => (typeof bound === 'string' ? bound : bound.address))
    .find((address) => !isLoopbackName(address));
  if (outside)
    throw new Error(`--host ${data.host} is bound to ${outside}, which is not a loopback address; give a loopback address (127.0.0.1)`);
}
