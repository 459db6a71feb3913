/**
 * `rex view`: the TUI attached to a running `rex run` over its TCP port (SPEC §7, §11), or to
 * `rex serve` over HTTP (`--http URL`, or the newest original's `-b http ADDRESS`). This file
 * only declares the command, which every `rex` start does; its work is ./view-main.ts.
 */
import { Command, Option } from 'commander';
import { THEMES } from '../protocol/config.js';
import { UsageError } from './exit-codes.js';

export interface ViewOptions {
  address?: string;
  http?: string;
  backend?: 'tcp' | 'http';
  token?: string;
  theme?: string;
  configFile?: string;
  hosted?: boolean;
}

export function viewCommand(): Command {
  return new Command('view')
    .description('terminal UI on a running rex run (TCP) or on rex serve (--http): live plots, pause, resume, kill')
    .argument('[address]', 'host:port of the run (default 127.0.0.1 and config general.port)')
    .option('-a, --address <address>', 'host:port of the run (the original v1.0 form)')
    .option('--http <url>', 'attach through rex serve at this URL, e.g. http://127.0.0.1:9000')
    .addOption(new Option('-b, --backend <backend>', 'how ADDRESS is reached (the newest original’s form)').choices(['tcp', 'http']))
    .option('--token <token>', 'bearer token of rex serve (when it requires one)')
    .addOption(new Option('--theme <name>', 'colour theme (default: config general.theme, dracula)').choices([...THEMES]))
    .option('--config-file <path>', 'use this rex config file instead of the default location')
    .addOption(new Option('--hosted', 'started by `rex run -i`').hideHelp())
    .action(async (address: string | undefined, options: ViewOptions) => {
      process.exitCode = await (await import('./view-main.js')).viewMain({ ...options, address: pickAddress(address, options.address) });
    });
}

function pickAddress(positional: string | undefined, flag: string | undefined): string | undefined {
  if (positional !== undefined && flag !== undefined && positional !== flag) {
    throw new UsageError(`two different addresses given: ${positional} and -a ${flag}`);
  }
  return positional ?? flag;
}
