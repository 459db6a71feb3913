/**
 * `rex view`: the TUI attached to a running `rex run` over its TCP port (SPEC §7, §11), or to
 * `rex serve` over HTTP (`--http URL`, or the newest original's `-b http ADDRESS`).
 */
import { Command, Option } from 'commander';
import { THEMES } from '../protocol/config.js';
import { AddressError, parseHttpUrl, parseTcpAddress } from '../view/transport/address.js';
import { HttpTransport } from '../view/transport/http-transport.js';
import { TcpTransport } from '../view/transport/tcp-transport.js';
import type { Transport } from '../view/transport/transport.js';
import { loadConfig } from './config-file.js';
import { EXIT, UsageError } from './exit-codes.js';

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
      process.exitCode = await viewMain({ ...options, address: pickAddress(address, options.address) });
    });
}

export async function viewMain(options: ViewOptions): Promise<number> {
  if (options.hosted && !process.send) throw new UsageError('--hosted is only for `rex run -i`');
  const needsConfig = options.theme === undefined || (options.address === undefined && options.http === undefined);
  const loaded = needsConfig ? await loadConfig(options.configFile ? { path: options.configFile } : {}) : undefined;
  const transport = makeTransport(options, loaded?.config.general.port ?? 7676);
  if (!process.stdin.isTTY || !process.stdout.isTTY) {
    throw new UsageError('rex view needs an interactive terminal (stdin and stdout must be a TTY)');
  }
  // ink draws only a final frame when it thinks it runs in CI (CI=1 in the environment, read when
  // ink loads); here both ends are a real terminal, so a person is watching.
  delete process.env.CI;
  delete process.env.CONTINUOUS_INTEGRATION;
  // ink and react load only when a view is really drawn (not on every `rex` start).
  const { runTerminalView } = await import('../view/terminal.js');
  await runTerminalView({
    transport,
    theme: options.theme ?? loaded?.config.general.theme,
    hosted: options.hosted === true,
    notes: loaded?.warnings.map((warning) => `config: ${warning}`) ?? [],
  });
  return EXIT.ok;
}

function pickAddress(positional: string | undefined, flag: string | undefined): string | undefined {
  if (positional !== undefined && flag !== undefined && positional !== flag) {
    throw new UsageError(`two different addresses given: ${positional} and -a ${flag}`);
  }
  return positional ?? flag;
}

export function makeTransport(options: ViewOptions, defaultPort: number): Transport {
  try {
    if (options.http !== undefined) {
      if (options.address !== undefined) throw new UsageError('give either an address (TCP) or --http URL, not both');
      return new HttpTransport(parseHttpUrl(options.http), { token: options.token });
    }
    if (options.backend === 'http') {
      if (options.address === undefined) throw new UsageError('-b http needs the address of rex serve, e.g. 127.0.0.1:9000');
      return new HttpTransport(parseHttpUrl(options.address), { token: options.token });
    }
    return new TcpTransport(parseTcpAddress(options.address ?? String(defaultPort), defaultPort));
  } catch (error) {
    if (error instanceof AddressError) throw new UsageError(error.message);
    throw error;
  }
}
