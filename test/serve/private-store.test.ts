/**
 * Issue 14 item 3: `rex serve` runs as root; a local unprivileged user reads the run's id and pid
 * from `GET /run` while the run starts, makes the run's store directory first, and keeps a link
 * to a root-owned file where rex puts its temporary copy of the live file. Every run's REX_STORE is
 * now a fresh private directory (mkdtemp, 0700), and its temporary files are created exclusively:
 * the run never writes through the attacker's links (system test: real server, real HTTP, the
 * attacker a real process of user `nobody`).
 */
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { outputFiles, readToml, watchOutput } from '../helpers/rex-cli.js';
import { startServe, type ServeProcess } from './serve-process.js';

const ATTACKER = path.join(import.meta.dirname, 'fixtures', 'store-attacker.mjs');
// The attack needs a run of root and a second, unprivileged user: only root can be both here.
const isRoot = process.getuid?.() === 0;

describe('rex serve as root: a local user cannot make a run overwrite files', () => {
  let serve: ServeProcess | undefined;
  let shared: string | undefined;
  afterAll(async () => {
    await serve?.dispose();
    if (shared) fs.rmSync(shared, { recursive: true, force: true });
  });

  it.skipIf(!isRoot)(
    "the attacker's directory and links in the shared temp dir are not used",
    async () => {
      // A shared temp dir like /tmp (sticky, writable by all), the run's TMPDIR.
      shared = fs.mkdtempSync(path.join(os.tmpdir(), 'rex-shared-tmp-'));
      fs.chmodSync(shared, 0o1777);
      const victim = path.join(shared, 'victim');
      fs.writeFileSync(victim, 'root only\n', { mode: 0o644 });
      const probe = path.join(shared, 'probe.json');
      // The script lingers past the first live write (3 s in): the final write is not the only chance.
      serve = await startServe({ env: { TMPDIR: shared, REXT_OUT: probe, REXT_LINGER: '4' } });

      const nobody = (flag: string): string => execFileSync('id', [flag, 'nobody'], { encoding: 'utf8' }).trim();
      const attacker = spawn(
        'setpriv',
        [`--reuid=${nobody('-u')}`, `--regid=${nobody('-g')}`, '--clear-groups', process.execPath, ATTACKER, serve.url, shared, victim],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
      const attackerOutput = watchOutput(attacker, 'attacker output', 30_000);
      try {
        const started = serve.http('POST', '/run', { body: { path: 'fixtures/python/env_probe.py', output: serve.outputDir } });
        const [, attackerDir] = await attackerOutput.waitForOutput(/attacker: ready (\S+)/);
        expect((await started).status, serve.output()).toBe(200);
        // While the run goes on, its store is a directory of its own: root's, private.
        const store = await vi.waitFor(() => (JSON.parse(fs.readFileSync(probe, 'utf8')) as { env: { REX_STORE: string } }).env.REX_STORE, {
          timeout: 20_000,
          interval: 100,
        });
        const stat = fs.lstatSync(store);
        expect(stat.isDirectory() && stat.uid === 0 && (stat.mode & 0o777) === 0o700, `store ${store}`).toBe(true);
        expect(path.dirname(store)).toBe(fs.realpathSync(shared));
        expect(store).not.toBe(attackerDir);
        const run = await serve.waitForRun((r) => r.phase === 'ended');
        expect(run.exit_code, serve.output()).toBe(0);

        expect(fs.readFileSync(victim, 'utf8')).toBe('root only\n');
        // The data is saved as usual, and the live copy went to the run's own store only.
        const [file] = outputFiles(serve.outputDir);
        expect(readToml(file!).device.probe.data.x.data).toEqual([1]);
        expect(serve.output()).not.toMatch(/could not update/);
      } finally {
        attacker.kill('SIGKILL');
      }
    },
    60_000,
  );
});
