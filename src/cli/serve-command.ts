/**
 * `rex serve`: the HTTP API (SPEC §8). The main thread owns the run (a `rex run` child process,
 * src/actors/http-gateway/run-launcher.ts); the http-gateway actor serves HTTP on a worker thread
 * under the supervisor, which restarts it if it crashes. Ctrl-C / SIGTERM stop both: the run ends
 * gracefully with its data saved (again: at once), then the server closes.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { config as rxConfig } from '../runtime/rx.js';
import type { GatewayData } from '../actors/http-gateway/index.js';
import { RunLauncher } from '../host/serve/run-launcher.js';
import { isLoopbackName } from '../actors/http-gateway/index.js';
import type { Bus } from '../bus/bus.js';
import { BusHub } from '../bus/hub.js';
import { FAULT_MODES, type FaultMode } from '../bus/fault-modes.js';
import type { FleetConfig } from '../protocol/config.js';
import { Supervisor } from '../host/supervisor/supervisor.js';
import { innermostMessage } from '../errors.js';
import { actorWorker } from '../host/supervisor/actor-worker.js';
import { distFile } from '../runtime/dist-file.js';
import { configSourceLine, loadConfig, scriptsDirPath } from './config-file.js';
import { printLogs } from './console-log.js';
import { EXIT, UsageError } from './exit-codes.js';
import { explicitPortProblem, SERVE_PORT_ADVICE } from '../runtime/port-check.js';
import { ensureScriptsDir } from './scripts-dir.js';
import { createPrivateDir, removeStalePrivateDirs } from '../runtime/run-store.js';
import { rexVersion } from './version.js';

export interface ServeOptions {
  /** Default 9000. */
  port?: number;
  /** `-a/--address`: the original v1.0's name for the port. */
  address?: number;
  host: string;
  configFile?: string;
  /** The fleet's control point (docs/fleet.md): every station of `[fleet]`, no run here. */
  fleet?: boolean;
}

export const DEFAULT_SERVE_PORT = 9000;
/** How long a stop waits for the run to save its data before giving up on it. */
const RUN_STOP_WAIT_MS = 60_000;

const REX_BIN = fileURLToPath(distFile('../bin/rex.js'));

export async function serveCommand(options: ServeOptions, verbosity: number): Promise<number> {
  if (options.address !== undefined && options.port !== undefined && options.address !== options.port) {
    throw new UsageError(`two different ports given: --port ${options.port} and --address ${options.address}`);
  }
  const port = options.port ?? options.address ?? DEFAULT_SERVE_PORT;
  const configFile = options.configFile !== undefined ? path.resolve(options.configFile) : undefined;
  const loaded = await loadConfig(configFile !== undefined ? { path: configFile } : {});
  const { config, warnings } = loaded;
  const cwd = process.cwd();
  if (options.fleet && !config.fleet)
    throw new UsageError(
      "--fleet: the config has no [fleet] section: rex serve --fleet needs the hub's url and credentials (see docs/fleet.md)",
    );
  const token = process.env.REX_SERVE_TOKEN || config.serve.token;
  if (token === undefined && !isLoopbackName(options.host)) {
    throw new UsageError(
      `--host ${options.host} is not a loopback address, and this server has no token: anyone who could reach it could start and stop runs. Set [serve] token or REX_SERVE_TOKEN, or listen on 127.0.0.1 (see docs/serve.md)`,
    );
  }
  // Before anything starts: a busy port would otherwise be found by the gateway's thread, after it loaded.
  const portProblem = await explicitPortProblem(options.host, port, SERVE_PORT_ADVICE);
  if (portProblem) throw new UsageError(portProblem);
  const data: GatewayData = {
    host: options.host,
    port,
    ...(token !== undefined && { token }),
    scriptsDir: path.resolve(cwd, expandHome(config.serve.scripts_dir ?? scriptsDirPath())),
    // The original's default: the working directory and the home directory.
    allowedOutputDirs: (config.serve.allowed_output_dirs ?? [cwd, os.homedir()]).map((dir) => path.resolve(cwd, expandHome(dir))),
    corsOrigins: config.serve.cors_origins ?? [],
    cwd,
    version: rexVersion(),
    ...(options.fleet && config.fleet && { fleet: config.fleet }),
  };
  // A control point starts no run here: no scripts directory, no run launcher.
  const scriptsDirCreated = !data.fleet && ensureScriptsDir(data.scriptsDir);

  const hub = new BusHub();
  const bus = hub.bus;
  const supervisor = new Supervisor({ hub });
  const logs = printLogs(bus, verbosity);
  const log = (level: 'info' | 'warn' | 'error', message: string): void =>
    bus.publish('log', { level, source: 'rex', message, ts: Date.now() });
  rxConfig.onUnhandledError = (error: unknown) => log('error', `subscriber failed: ${String((error as Error)?.stack ?? error)}`);
  log('info', configSourceLine(loaded));
  for (const warning of warnings) log('warn', warning);
  if (!data.fleet)
    log(
      'info',
      `scripts directory: ${data.scriptsDir}${scriptsDirCreated ? ' (created)' : ''}; allowed output directories: ${data.allowedOutputDirs.join(', ')}`,
    );

  // The runs' logs: private to this server; those of servers that are gone (killed) go now.
  for (const dir of removeStalePrivateDirs('rex-serve')) log('info', `removed ${dir}, the temporary directory of a server that is gone`);
  const logDir = createPrivateDir('rex-serve');
  const launcher = data.fleet
    ? undefined
    : new RunLauncher(bus, { rexBin: REX_BIN, verbosity, logDir, ...(configFile !== undefined && { configFile }) });
  const stop = stopSignals(launcher, log);
  const faults = armServeFaults(bus);

  let exitCode: number = EXIT.ok;
  try {
    try {
      await supervisor.start({ name: 'http-gateway', entry: actorWorker('http-gateway'), data });
    } catch (error) {
      console.error(`rex: the HTTP server did not start: ${innermostMessage(error)}`);
      return EXIT.internal;
    }
    // A control point is no station: it runs nothing to control.
    if (!data.fleet) await startFleetStation(supervisor, config.fleet, data, log);
    const reason = await Promise.race([stop.requested, supervisor.fatal.then((error) => error)]);
    if (reason instanceof Error) {
      log('error', `the HTTP server failed for good: ${reason.message}; stopping`);
      exitCode = EXIT.internal;
      launcher?.interrupt();
    }
    // No new requests while the run winds down.
    await supervisor.stop('http-gateway');
    if (launcher?.running) log('info', 'waiting for the run to save its data (Ctrl-C again to stop it at once)');
    const ended = launcher ? await Promise.race([launcher.whenEnded(RUN_STOP_WAIT_MS), stop.abandoned.then(() => false)]) : true;
    if (!ended && launcher?.running)
      log(
        'warn',
        `the run ${launcher?.current.id} is still going; \`rex recover\` rebuilds its file from the journal if it does not finish`,
      );
    return exitCode;
  } finally {
    stop.dispose();
    faults.dispose();
    launcher?.close();
    await supervisor.stopAll();
    hub.close();
    logs.unsubscribe();
    if (!launcher?.running) fs.rmSync(logDir, { recursive: true, force: true });
  }
}

/**
 * Ctrl-C / SIGTERM: the 1st stops the server and ends the run gracefully; each is forwarded to the
 * run (its 2nd stops the script at once); the 3rd stops waiting for it.
 */
function stopSignals(launcher: RunLauncher | undefined, log: (level: 'warn', message: string) => void) {
  let count = 0;
  let requestStop!: () => void;
  let abandon!: () => void;
  const requested = new Promise<'signal'>((resolve) => (requestStop = () => resolve('signal')));
  const abandoned = new Promise<void>((resolve) => (abandon = resolve));
  const onSignal = (signal: NodeJS.Signals): void => {
    count++;
    if (count === 1) log('warn', `${signal}: stopping the server and ending the run after saving its data (again to force)`);
    if (count >= 3) {
      log('warn', `${signal} a third time: leaving without waiting for the run`);
      abandon();
    }
    launcher?.interrupt();
    requestStop();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    requested,
    abandoned,
    dispose() {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}

/**
 * Tests of the fail-safe promise only (REX_FAULT_INJECTION=1): each SIGUSR2 crashes the
 * http-gateway actor, in the next way listed in REX_SERVE_FAULT_MODES (default `exit`).
 */
function armServeFaults(bus: Bus): { dispose(): void } {
  if (process.env.REX_FAULT_INJECTION !== '1' || process.platform === 'win32') return { dispose: () => undefined };
  const modes = (process.env.REX_SERVE_FAULT_MODES ?? 'exit')
    .split(',')
    .map((m) => m.trim())
    .filter((m): m is FaultMode => (FAULT_MODES as readonly string[]).includes(m));
  let next = 0;
  const onSignal = (): void => {
    const mode = modes[next++ % Math.max(1, modes.length)] ?? 'exit';
    bus.publish('log', { level: 'warn', source: 'fault-plan', message: `injecting ${mode} into http-gateway`, ts: Date.now() });
    bus.publish('fault.inject', { actor: 'http-gateway', mode });
  };
  process.on('SIGUSR2', onSignal);
  return { dispose: () => void process.off('SIGUSR2', onSignal) };
}

/** `[fleet]`: this server is a station (docs/fleet.md); not critical, the server goes on without it. */
async function startFleetStation(
  supervisor: Supervisor,
  fleet: FleetConfig | undefined,
  gateway: GatewayData,
  log: (level: 'error', message: string) => void,
): Promise<void> {
  if (!fleet) return;
  const where = { scriptsDir: gateway.scriptsDir, allowedOutputDirs: gateway.allowedOutputDirs, cwd: gateway.cwd };
  const data = (await import('./fleet/station-data.js')).stationData(fleet, 'serve', where);
  try {
    await supervisor.start({ name: 'fleet-station', entry: actorWorker('fleet-station'), data, critical: false });
  } catch (error) {
    log('error', `the fleet station could not start: ${innermostMessage(error)}; the server goes on outside the fleet`);
  }
}

function expandHome(dir: string): string {
  return dir === '~' || dir.startsWith('~/') ? path.join(os.homedir(), dir.slice(1)) : dir;
}
