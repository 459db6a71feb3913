/**
 * What bin/rex.js does before it loads the CLI: for `rex run`, start the threads of the actors
 * every run has (src/host/run/run-host.ts, `open`), so that they boot while the main thread loads
 * the rest (src/host/supervisor/prestarted-threads.ts). Its own entry of the build, kept small: it
 * runs before commander, zod or anything else is loaded.
 */
import { actorWorker, type ActorName } from '../host/supervisor/actor-worker.js';
import { prestartThreads } from '../host/supervisor/prestarted-threads.js';

/**
 * The actors of every run that the script's start waits for (RunHost.open). Not the journal's
 * followers: nothing waits for them, and started here their boot took the cores from the main
 * thread's loading, which the script's start does wait for (bench/README.md "startup").
 */
const SCRIPT_WAITS_FOR: readonly ActorName[] = ['ingest', 'controller'];

/** rex's options before the command word; those listed here take a value (src/cli/main.ts). */
const GLOBAL_OPTIONS_WITH_VALUE = new Set(['-v', '--verbosity']);

/** The command a rex command line names: its first word that is not an option (or its value). */
export function commandOf(args: readonly string[]): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--') return args[i + 1];
    if (!arg.startsWith('-') || arg === '-') return arg;
    if (GLOBAL_OPTIONS_WITH_VALUE.has(arg)) i++;
  }
  return undefined;
}

/** Starts the threads a run will ask for, when `args` (the process's, after the script) run one. */
export function prestartFor(args: readonly string[]): void {
  if (commandOf(args) === 'run') prestartThreads(SCRIPT_WAITS_FOR.map(actorWorker));
}
