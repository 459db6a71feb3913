/**
 * `rex fleet`: the control point of a fleet of stations on NATS (docs/fleet.md). This file only
 * declares the commands; their work (and the NATS client) is loaded when one runs
 * (./fleet/control-point.ts), so other commands never load `@nats-io`.
 */
import { Command } from 'commander';
import { addArchiveCommand } from './fleet-archive-command.js';
import { parseArg } from './parse-errors.js';

export interface FleetOptions {
  configFile?: string;
  /** Seconds to wait for the hub and for a station's answer. */
  timeout?: number;
}

export interface FleetRunOptions extends FleetOptions {
  output?: string;
  loops?: number;
  delay?: number;
  dryRun?: boolean;
  email?: string;
  port?: number;
  config?: string;
  metaJson?: string;
}

const impl = () => import('./fleet/control-point.js');

export function fleetCommand(): Command {
  const fleet = new Command('fleet').description('control the stations of a fleet on NATS ([fleet] in the config; docs/fleet.md)');
  const common = (command: Command): Command =>
    command
      .option('--config-file <path>', 'use this rex config file instead of the default location')
      .option('--timeout <seconds>', 'wait this long for the hub and for the station (default 10; run: 40)', parseArg.whole(1));

  common(fleet.command('ls').description('list the stations: node, host, kind, run, phase, heartbeat age'))
    .option('--json', 'print the stations as JSON (their registry records)', false)
    .action(async (options: FleetOptions & { json: boolean }) => {
      process.exitCode = await (await impl()).fleetLs(options);
    });
  common(fleet.command('status').description("a station's run state (GET /status: the run's STATE JSON)"))
    .argument('<node>', 'the station')
    .action(async (node: string, options: FleetOptions) => {
      process.exitCode = await (await impl()).fleetAsk(node, 'status', options);
    });
  common(fleet.command('datastream').description("a station's live data (GET /datastream)"))
    .argument('<node>', 'the station')
    .option('--full', 'traces at up to 10,000 points (GET /datastream/full)', false)
    .action(async (node: string, options: FleetOptions & { full: boolean }) => {
      process.exitCode = await (await impl()).fleetAsk(node, options.full ? 'datastream_full' : 'datastream', options);
    });
  common(fleet.command('run').description('start a run on a station that runs `rex serve` (as POST /run)'))
    .argument('<node>', 'the station')
    .argument('<script>', "the script, relative to the station's scripts directory")
    .option('-o, --output <dir>', 'output directory (inside an allowed one; default: the first allowed)')
    .option('-l, --loops <n>', 'run the script n times, one output file each', parseArg.whole(1))
    .option('-d, --delay <minutes>', 'wait this many minutes before starting', parseArg.minutes)
    .option('-n, --dry-run', 'no output file, no database, no e-mail')
    .option('-e, --email <address>', 'e-mail the results to this address when the run ends')
    .option('-P, --port <port>', "the run's TCP port for the script", parseArg.port)
    .option('-c, --config <path|json>', 'session config for the script: a TOML file in the scripts directory, or a JSON object')
    .option('--meta-json <json>', "JSON object merged into the session's meta")
    .action(async (node: string, script: string, options: FleetRunOptions) => {
      process.exitCode = await (await impl()).fleetRun(node, script, options);
    });
  for (const [op, what] of [
    ['pause', 'pause the run (the script’s Listener answers "Paused")'],
    ['continue', 'resume the run (the Listener answers "Running")'],
    ['kill', 'end the current iteration gracefully; its data is saved'],
  ] as const) {
    common(fleet.command(op).description(what))
      .argument('<node>', 'the station')
      .action(async (node: string, options: FleetOptions) => {
        process.exitCode = await (await impl()).fleetAsk(node, op, options);
      });
  }
  common(fleet.command('watch').description("print a station's run as it changes (starting, running, ended) until a run ends"))
    .argument('<node>', 'the station')
    .action(async (node: string, options: FleetOptions) => {
      process.exitCode = await (await impl()).fleetWatch(node, options);
    });
  // The hub's side: rebuilding the stations' files from the journal stream.
  addArchiveCommand(fleet);
  return fleet;
}
