/**
 * What the http-gateway actor (worker thread) and the serve command's run launcher (main thread)
 * say to each other over the bus (listed in src/bus/topics.ts). The launcher owns the run's child
 * process because the main thread outlives every actor: a crash of the gateway never touches a run.
 */

export type ServeRunPhase = 'idle' | 'starting' | 'running' | 'ended';

/** The run started by `POST /run`, or the last one that ended. Published as `serve.run` on every change. */
export interface ServeRunState {
  phase: ServeRunPhase;
  /** The run's UUID (the script's REX_UUID); null when no run was ever started. */
  id: string | null;
  script: string | null;
  outputDir: string | null;
  /** Process id of the `rex run` child. */
  pid: number | null;
  /** The run's TCP port, once it listens (a busy requested port falls back to a free one). */
  port: number | null;
  /** ISO 8601 UTC. */
  startedAt: string | null;
  endedAt: string | null;
  /** Exit code of `rex run` (0 ok, 1 script failed, ...; see README "Exit codes"). */
  exitCode: number | null;
  signal: string | null;
  /** Output files the run reported writing. */
  outputFiles: string[];
  /** Where the run's own log (stdout and stderr of `rex run`) is written. */
  logFile: string | null;
  /** The last lines of that log once the run has ended (why it failed, when it did). */
  logTail: string[];
}

/** `serve.launch`: start a run. Every path is absolute and already checked against the policy. */
export interface ServeLaunch {
  scriptPath: string;
  outputDir: string;
  email?: string;
  delayMinutes: number;
  loops: number;
  dryRun: boolean;
  /** The run's TCP port (default: config `general.port`). */
  port?: number;
  /** `--config PATH|JSON` for the script. */
  config?: string;
  /** A JSON object, as text (`--meta-json`). */
  metaJson?: string;
}

export type ServeLaunchResult =
  | { started: true; id: string }
  | { started: false; reason: 'busy' }
  /** The run ended before it listened; `message` holds the end of its log. */
  | { started: false; reason: 'failed'; id: string; exitCode: number | null; message: string };

/** workerData of the http-gateway actor, resolved by `rex serve`. */
export interface GatewayData {
  host: string;
  port: number;
  /** Bearer token required on every endpoint but `GET /`; absent: no token. */
  token?: string;
  /** Absolute. Scripts `POST /run` may start must be inside it. */
  scriptsDir: string;
  /** Absolute. Output directories of `POST /run` must be inside one of these. */
  allowedOutputDirs: string[];
  /** Browser origins allowed by CORS ('*' for any); empty: CORS off. */
  corsOrigins: string[];
  /** Resolves relative `output` paths (the serve process's working directory). */
  cwd: string;
  /** rex-daq's version, for the API description. */
  version: string;
}
