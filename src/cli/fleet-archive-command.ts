/**
 * `rex fleet archive DIR` (docs/fleet.md, "Replication and the archive"): added to the `rex fleet`
 * command (src/cli/fleet-command.ts). Loads the config and the NATS client only when it runs.
 */
import path from 'node:path';
import type { Command } from 'commander';
import { EXIT, UsageError } from './exit-codes.js';

export interface FleetArchiveOptions {
  once: boolean;
  durable: string;
  node?: string;
  configFile?: string;
}

export function addArchiveCommand(fleet: Command): Command {
  fleet
    .command('archive')
    .description("rebuild every station's journals and output files under DIR/<node>/ (a durable consumer of the hub's journal stream)")
    .argument('<dir>', 'the archive directory')
    .option('--once', 'stop when everything replicated so far is archived (cron, tests)', false)
    .option('--durable <name>', 'the durable consumer (one per archive directory)', 'rex-archive')
    .option('--node <name>', "only this station's runs")
    .option('--config-file <path>', 'use this rex config file instead of the default location')
    .action(async (dir: string, options: FleetArchiveOptions) => {
      process.exitCode = await fleetArchiveCommand(dir, options);
    });
  return fleet;
}

/** As `rex fleet`'s exit code for a hub that cannot be used (docs/fleet.md). */
const NO_JETSTREAM_EXIT = 5;

export async function fleetArchiveCommand(dir: string, options: FleetArchiveOptions): Promise<number> {
  const { loadConfig } = await import('./config-file.js');
  const { config } = await loadConfig(options.configFile ? { path: options.configFile } : {});
  if (!config.fleet) throw new UsageError('rex fleet archive needs a [fleet] section in the config file (docs/fleet.md)');
  for (const [flag, value] of [
    ['--durable', options.durable],
    ['--node', options.node],
  ] as const) {
    if (value !== undefined && !/^[A-Za-z0-9_-]+$/.test(value)) throw new UsageError(`${flag} ${value}: letters, digits, _ and - only`);
  }
  const [{ connectFleet }, { noJetStream }, { FleetArchive }] = await Promise.all([
    import('../runtime/fleet/connect.js'),
    import('../runtime/fleet/jetstream.js'),
    import('./fleet-archive/archive.js'),
  ]);
  const nc = await connectFleet(config.fleet, { name: 'rex-archive' });
  const log = (level: string, message: string): void => console.error(`${level}: ${message}`);
  const archive = new FleetArchive(nc, {
    dir: path.resolve(dir),
    durable: options.durable,
    once: options.once,
    log,
    ...(options.node !== undefined && { node: options.node }),
    ...(config.fleet.jetstream_domain !== undefined && { domain: config.fleet.jetstream_domain }),
  });
  const onSignal = (): void => archive.stop();
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    await archive.run();
    return EXIT.ok;
  } catch (error) {
    const noStream = noJetStream(error, config.fleet.jetstream_domain);
    if (noStream === null) throw error;
    console.error(`rex fleet archive: ${noStream}`);
    return NO_JETSTREAM_EXIT;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await nc.close();
  }
}
