import type { JsonPath } from '../../protocol/messages.js';

/**
 * What `rex run` was asked to do, resolved by the CLI before any actor starts. Plain data: it
 * crosses to the controller's worker thread.
 */
export interface RunPlan {
  uuid: string;
  scriptPath: string;
  interpreter: string;
  loops: number;
  delayMinutes: number;
  dryRun: boolean;
  /** Where output files go (created if missing). */
  outputDir: string;
  /** Where this run's journals live (a hidden folder in the output dir, or a temp dir in dry run). */
  journalDir: string;
  /** REX_STORE: the per-run directory holding the live `rex.toml` snapshot. */
  storeDir: string;
  port: number;
  /** Extra environment for the script (REX_PROVIDED_CONFIG_PATH / REX_PROVIDED_OVERWRITE_PATH). */
  scriptEnv: Record<string, string>;
  /** RUST_LOG_LEVEL for the script: ERROR | WARNING | INFO | DEBUG. */
  scriptLogLevel: string;
  metaJson?: Record<string, unknown>;
  /** Whole numbers `--meta-json` wrote as floats (see src/protocol/float-lexemes.ts). */
  metaJsonFloats?: JsonPath[];
  validations: string[];
  /** The `[session.run]` record collected before the run (script, hash, interpreter, git, ...). */
  runRecord: Record<string, string | number | boolean>;
  /** How long a stopped script gets between SIGTERM and SIGKILL. */
  stopGraceMs: number;
}

// Declared with the controller's bus payloads (`run.finished` carries a RunOutcome).
export type { IterationEndReason, IterationOutcome, RunOutcome } from './messages.js';
