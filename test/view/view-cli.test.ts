// `rex view` on the command line: what it refuses before taking over the terminal.
import { describe, expect, it } from 'vitest';
import { runRex, workspace } from '../helpers/rex-cli.js';

describe('rex view (command line)', () => {
  it('needs an interactive terminal, and says so', async () => {
    const result = await runRex(workspace(), ['view', '127.0.0.1:7676']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('rex view needs an interactive terminal');
  });

  it('rejects a bad address or conflicting targets before anything else', async () => {
    const ws = workspace();
    const badPort = await runRex(ws, ['view', 'lab-pc:99999']);
    expect(badPort.code).toBe(2);
    expect(badPort.stderr).toContain('port must be 1-65535');
    const both = await runRex(ws, ['view', '127.0.0.1:7676', '--http', 'http://127.0.0.1:9000']);
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('either an address (TCP) or --http URL');
    const twoAddresses = await runRex(ws, ['view', '127.0.0.1:7676', '-a', '127.0.0.1:7677']);
    expect(twoAddresses.code).toBe(2);
  });
});
