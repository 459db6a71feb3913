/**
 * The `rex` command line (SPEC §7). Commands build a plan and hand it to the runtime; nothing else
 * lives here.
 */
import { Argument, Command, CommanderError, Option } from 'commander';
import { ConfigError } from '../protocol/config.js';
import { ProvidedConfigError } from '../protocol/provided-config-argument.js';
import { RunFileError } from '../runtime/run-file/run-file.js';
import { EXIT, UsageError } from './exit-codes.js';
import { parseArg, parseErrorExitCode, reportParseErrors } from './parse-errors.js';
import type { ExportOptions } from './export-command.js';
import type { LsOptions } from './ls-command.js';
import type { RunOptions } from './run-command.js';
import type { ServeOptions } from './serve-command.js';
import type { ShowOptions } from './show-command.js';
import { rexVersion } from './version.js';
import { viewCommand } from './view-command.js';
import { fleetCommand } from './fleet-command.js';

// Commands are loaded when used: `rex run` must not pay for the TUI, the HTTP server or the
// database client at start-up (each rex run starts several threads already).

const program = new Command()
  .name('rex')
  .description('Experiment data manager: runs data-acquisition scripts and stores what they send, fail-safe.')
  .version(rexVersion())
  .addOption(
    new Option('-v, --verbosity <level>', 'log level: 0 error, 1 warn, 2 info, 3 debug, 4 trace').argParser(parseArg.whole()).default(2),
  );

program
  .command('run')
  .description('run an experiment script and store everything it sends')
  .argument('[script]', 'the experiment script (e.g. experiment.py)')
  .option('-p, --path <script>', 'the experiment script (the original v1.0 form)')
  .option('-e, --email <address>', 'e-mail the results to this address when the run ends')
  .option('-d, --delay <minutes>', 'wait this many minutes before starting', parseArg.minutes, 0)
  .option('-l, --loops <n>', 'run the script n times, one output file each', parseArg.whole(1), 1)
  .option('-n, --dry-run', 'no output file, no database, no e-mail', false)
  .option('-o, --output <dir>', 'directory for output files', '.')
  .option('-i, --interactive', 'show the terminal UI on the live run', false)
  .option('-P, --port <port>', 'TCP port for the script (default: config general.port, 7676)', parseArg.port)
  .option('-c, --config <path|json>', 'session config for the script: a TOML file path or a JSON object')
  .option('--meta-json <json>', "JSON object merged into the session's meta")
  .option('--bind <host>', 'address to listen on', '127.0.0.1')
  .option('--keep-journal', 'keep the journal after a successful run', false)
  .option('--config-file <path>', 'use this rex config file instead of the default location')
  .option('--web [port]', 'show the run in a browser: serve it on 127.0.0.1 (default: a free port) and print the URL and token', webArg)
  .action(async (script: string | undefined, options: Omit<RunOptions, 'script' | 'web'> & { web?: number | string | true }) => {
    let { web, ...rest } = options;
    if (typeof web === 'string') {
      // `--web` takes an optional value: in `rex run --web exp.py` it took the script.
      if (script !== undefined || rest.path !== undefined)
        throw new UsageError(`error: option '--web [port]' must be 1–65535, got '${web}' (see rex run --help)`);
      script = web;
      web = true;
    }
    process.exitCode = await (await import('./run-command.js')).runCommand(
      { ...rest, script, ...(web !== undefined && { web }) },
      program.opts<{ verbosity: number }>().verbosity,
      process.argv.slice(1),
    );
  });

program
  .command('serve')
  .description('HTTP API to start and control runs remotely (docs/serve.md)')
  .option('-p, --port <port>', 'HTTP port (default 9000)', parseArg.port)
  .option('-a, --address <port>', 'HTTP port (the original v1.0 name of --port)', parseArg.port)
  .option('--host <host>', 'address to listen on (default: loopback only)', '127.0.0.1')
  .option('--config-file <path>', 'use this rex config file instead of the default location')
  .option('--fleet', "the fleet's control point: every station of [fleet] under /stations (docs/fleet.md); no run here", false)
  .action(async (options: ServeOptions) => {
    process.exitCode = await (await import('./serve-command.js')).serveCommand(options, program.opts<{ verbosity: number }>().verbosity);
  });

program.addCommand(viewCommand());
program.addCommand(fleetCommand());

const db = program.command('db').description('the ClickHouse database of [click_house_server] (docs/clickhouse.md)');
db.command('init')
  .description("create rex's four tables (idempotent; existing tables are kept and checked)")
  .option('--config-file <path>', 'use this rex config file instead of the default location')
  .action(async (options: { configFile?: string }) => {
    process.exitCode = await (await import('./db-command.js')).dbInitCommand(options);
  });
db.command('push')
  .description('store in ClickHouse what a run could not (from its journal; nothing is stored twice)')
  .argument('<journal...>', 'journal files (*.rexj), run journal directories, or output directories')
  .option('--config-file <path>', 'use this rex config file instead of the default location')
  .action(async (targets: string[], options: { configFile?: string }) => {
    process.exitCode = await (await import('./db-command.js')).dbPushCommand(targets, options);
  });

program
  .command('recover')
  .description('rebuild output files from run journals (after a crash, kill -9 or power loss)')
  .argument('<target>', 'a journal file (*.rexj), a run journal directory, or an output directory')
  .option('-o, --output <dir>', 'write the recovered files here instead of the original output directory')
  .option('--config-file <path>', 'use this rex config file instead of the default location (its [fleet] replicates the journals)')
  .action(async (target: string, options: { output?: string; configFile?: string }) => {
    process.exitCode = await (await import('./recover-command.js')).recoverCommand(target, options);
  });

program
  .command('ls')
  .description('list the runs in output directories, newest first (not recursive; docs/export.md)')
  .argument('[dir...]', 'output directories (default: the current directory)')
  .option('--json', 'print the list as JSON', false)
  .action(async (dirs: string[], options: LsOptions) => {
    process.exitCode = await (await import('./ls-command.js')).lsCommand(dirs, options);
  });

program
  .command('show')
  .description("print a run's session, summary and a plot of one channel (docs/export.md)")
  .argument('<file>', "a run's output file (.toml)")
  .option('--channel <device/channel>', 'the channel to plot (default: the first channel of the first device)')
  .option('--no-plot', 'print no plot')
  .action(async (file: string, options: ShowOptions) => {
    process.exitCode = await (await import('./show-command.js')).showCommand(file, options);
  });

program
  .command('export')
  .description("write a run's output file as CSV, Parquet or HDF5 (docs/export.md)")
  .argument('<file>', "a run's output file (.toml)")
  .addOption(new Option('--to <format>', 'csv, parquet or hdf5').choices(['csv', 'parquet', 'hdf5']).makeOptionMandatory())
  .option('-o, --output <dir>', 'write the exported files here (default: beside the file)')
  .option('--force', 'replace exported files that are there', false)
  .action(async (file: string, options: ExportOptions) => {
    process.exitCode = await (await import('./export-command.js')).exportCommand(file, options);
  });

program
  .command('completion')
  .description('print a shell completion script, e.g. source <(rex completion bash)')
  .addArgument(new Argument('<shell>', 'bash, zsh or fish').choices(['bash', 'zsh', 'fish']))
  .action(async (shell: 'bash' | 'zsh' | 'fish') => {
    process.stdout.write((await import('./completion-command.js')).completionScript(shell, program));
  });

/** `--web [port]`'s value: a port, or (not a number) what may be the script, sorted out by the action. */
function webArg(text: string): number | string {
  return /^\s*\d+\s*$/.test(text) ? parseArg.port(text) : text;
}

reportParseErrors(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    process.exitCode = parseErrorExitCode(error);
  } else if (
    error instanceof UsageError ||
    error instanceof RunFileError ||
    error instanceof ConfigError ||
    error instanceof ProvidedConfigError
  ) {
    console.error(`rex: ${error.message}`);
    process.exitCode = EXIT.usage;
  } else {
    console.error('rex: internal error:', error);
    process.exitCode = EXIT.internal;
  }
}
