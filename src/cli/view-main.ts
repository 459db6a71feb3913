/** What `rex view` does (./view-command.ts declares it): attach a transport and draw the TUI. */
import { AddressError, parseHttpUrl, parseTcpAddress } from '../view/transport/address.js';
import { HttpTransport } from '../view/transport/http-transport.js';
import { TcpTransport } from '../view/transport/tcp-transport.js';
import type { Transport } from '../view/transport/transport.js';
import { loadConfig } from './config-file.js';
import { EXIT, UsageError } from './exit-codes.js';
import type { ViewOptions } from './view-command.js';

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
