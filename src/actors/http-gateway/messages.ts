/**
 * What the http-gateway actor (worker thread) and the serve command's run launcher (main thread)
 * say to each other over the bus (listed in src/bus/topics.ts). The launcher owns the run's child
 * process because the main thread outlives every actor: a crash of the gateway never touches a run.
 */
import { z } from 'zod';
import type { FleetConfig } from '../../protocol/config.js';

export const SERVE_RUN_PHASES = ['idle', 'starting', 'running', 'ended'] as const;
export type ServeRunPhase = (typeof SERVE_RUN_PHASES)[number];

/** The run started by `POST /run`, or the last one that ended. Published as `serve.run` on every change. */
export const ServeRunState = z.object({
  phase: z.enum(SERVE_RUN_PHASES),
  /** The run's UUID (the script's REX_UUID); null when no run was ever started. */
  id: z.string().nullable(),
  script: z.string().nullable(),
  outputDir: z.string().nullable(),
  /** Process id of the `rex run` child. */
  pid: z.number().nullable(),
  /** The run's TCP port, once it listens (a busy requested port falls back to a free one). */
  port: z.number().nullable(),
  /** ISO 8601 UTC. */
  startedAt: z.string().nullable(),
  endedAt: z.string().nullable(),
  /** Exit code of `rex run` (0 ok, 1 script failed, ...; see README "Exit codes"). */
  exitCode: z.number().nullable(),
  signal: z.string().nullable(),
  /** Output files the run reported writing. */
  outputFiles: z.array(z.string()),
  /** Where the run's own log (stdout and stderr of `rex run`) is written. */
  logFile: z.string().nullable(),
  /** The last lines of that log once the run has ended (why it failed, when it did). */
  logTail: z.array(z.string()),
});
export type ServeRunState = z.infer<typeof ServeRunState>;

/**
 * `serve.log`: the live tail of the run's log (./log-ring.ts), asked by the gateway while someone
 * watches. `id` is the run the asker knows (null: none); for another run, its lines from the first kept.
 */
export const ServeLogRequest = z.object({ id: z.string().nullable(), after: z.number().int().min(0) });
export type ServeLogRequest = z.infer<typeof ServeLogRequest>;

/** The lines numbered `next - lines.length` to `next - 1` of run `id`'s log (at most LIVE_LOG_LINES). */
export const ServeLogChunk = z.object({ id: z.string().nullable(), next: z.number().int().min(0), lines: z.array(z.string()) });
export type ServeLogChunk = z.infer<typeof ServeLogChunk>;

/** `serve.launch`: start a run. Every path is absolute and already checked against the policy. */
export const ServeLaunch = z.object({
  scriptPath: z.string(),
  outputDir: z.string(),
  email: z.string().optional(),
  delayMinutes: z.number(),
  loops: z.number(),
  dryRun: z.boolean(),
  /** The run's TCP port (default: config `general.port`). */
  port: z.number().optional(),
  /** `--config PATH|JSON` for the script. */
  config: z.string().optional(),
  /** A JSON object, as text (`--meta-json`). */
  metaJson: z.string().optional(),
});
export type ServeLaunch = z.infer<typeof ServeLaunch>;

export const ServeLaunchResult = z.union([
  z.object({ started: z.literal(true), id: z.string() }),
  z.object({ started: z.literal(false), reason: z.literal('busy') }),
  /** The run ended before it listened; `message` holds the end of its log. */
  z.object({
    started: z.literal(false),
    reason: z.literal('failed'),
    id: z.string(),
    exitCode: z.number().nullable(),
    message: z.string(),
  }),
]);
export type ServeLaunchResult = z.infer<typeof ServeLaunchResult>;

/** workerData of the http-gateway actor, resolved by `rex serve` (or `rex run --web`: src/host/run/web-view.ts). */
export interface GatewayData {
  host: string;
  port: number;
  /** Bearer token required on every endpoint but `GET /`; absent: no token. */
  token?: string;
  /**
   * `rex run --web`: the server shows the one run it is part of; `POST /run` is refused (409) and
   * no scripts are offered. `serve.state` and `serve.run` come from that run's main thread.
   */
  oneRun?: boolean;
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
  /**
   * `rex serve --fleet`: the server is the fleet's control point (docs/fleet.md): it runs nothing
   * itself, and serves every station of the fleet under `/stations/:node`.
   */
  fleet?: FleetConfig;
}
