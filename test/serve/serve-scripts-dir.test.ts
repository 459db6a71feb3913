/**
 * `rex serve` makes its scripts directory ready at start (issue 15 item 10): created when missing
 * (0700), or the server stops at once with exit 2 naming it. Without a config file, the log says
 * where it looked for one. Real `rex serve` processes.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { freePort, runRex, startRex, workspace } from '../helpers/rex-cli.js';

describe('rex serve: the scripts directory', () => {
  it('without a config: names the config path it looked at, creates <config dir>/rex/scripts private', async () => {
    const ws = workspace();
    const serve = startRex(ws, ['serve', '--port', String(await freePort())]);
    await serve.waitForOutput(/Rex Server listening on/);
    const scriptsDir = path.join(ws.configHome, 'rex', 'scripts');
    expect(serve.output()).toContain(`no config file found at ${path.join(ws.configHome, 'rex', 'config.toml')}`);
    expect(serve.output()).toContain(`scripts directory: ${scriptsDir} (created)`);
    expect(fs.statSync(scriptsDir).isDirectory()).toBe(true);
    expect(fs.statSync(scriptsDir).mode & 0o777).toBe(0o700);
    serve.child.kill('SIGINT');
    expect((await serve.done).code).toBe(0);
  });

  it('a scripts_dir that cannot be a directory: exit 2 at once, naming it', async () => {
    const ws = workspace();
    const plainFile = path.join(ws.dir, 'plain-file');
    fs.writeFileSync(plainFile, '');
    const scriptsDir = path.join(plainFile, 'scripts');
    ws.writeConfig(`[serve]\nscripts_dir = ${JSON.stringify(scriptsDir)}\n`);
    const result = await runRex(ws, ['serve', '--port', String(await freePort())]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      `the scripts directory ${scriptsDir} (config [serve] scripts_dir) cannot be created: ${plainFile} is not a directory`,
    );
    expect(result.stderr).not.toContain('listening');
  });
});
