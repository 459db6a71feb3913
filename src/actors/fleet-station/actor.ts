/**
 * The fleet-station actor (docs/fleet.md): `rex serve` or a lone `rex run` with `[fleet]` is a
 * station of the fleet. It registers in the hub's KV bucket and answers control requests over
 * NATS with the HTTP API's operations and answers. It follows the run as the http-gateway does
 * (`serve.state`, then `serve.run`), reads its log (`serve.log`) when asked, and starts runs through the same launcher (`serve.launch`).
 * Not critical: the run never waits on it, and it never waits on the hub.
 */
import type { ActorDefinition } from '../../runtime/worker/run-actor.js';
import { StationControl } from './control.js';
import type { FleetStationData } from './messages.js';
import { Station, type StationRun } from './station.js';

/** `serve.launch` answers once the run listens (the launcher waits up to 20 s); this bounds the request. */
const LAUNCH_TIMEOUT_MS = 30_000;
/** The main thread answers `serve.log` from memory (as to the http-gateway). */
const LOG_TIMEOUT_MS = 2_000;

export const fleetStationActor: ActorDefinition<FleetStationData> = {
  name: 'fleet-station',
  async start({ bus, data, log }) {
    let runState: StationRun | undefined;
    let onChange = (): void => undefined;
    // Subscribe before asking, so a change that overtakes the answer is not overwritten by it.
    const subscription = bus.on('serve.run').subscribe((state) => {
      runState = state;
      onChange();
    });
    const initial = await bus.request('serve.state', {});
    runState ??= initial;

    const control = new StationControl({
      runState: () => runState!,
      policy:
        data.kind === 'serve' && data.scriptsDir !== null
          ? { scriptsDir: data.scriptsDir, allowedOutputDirs: data.allowedOutputDirs, cwd: data.cwd }
          : null,
      launch: (request) => bus.request('serve.launch', request, { timeoutMs: LAUNCH_TIMEOUT_MS }),
      runLog: (cursor) => bus.request('serve.log', cursor, { timeoutMs: LOG_TIMEOUT_MS }),
      allowedOutputDirs: data.allowedOutputDirs,
      scriptsBase: data.scriptsDir ?? data.cwd,
      log,
    });
    const station = new Station(data, control, () => runState!, log);
    onChange = () => station.runChanged();
    return {
      async stop() {
        subscription.unsubscribe();
        await station.stop();
      },
    };
  },
};
