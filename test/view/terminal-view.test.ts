// End to end in a real terminal (tmux): `rex view` on a real `rex run` of a Python script. It waits
// for the run, keys select the axes and pause (the script's Listener sees it), it follows the next
// loop and outlives the run.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REX_BIN, freePort, outputFiles, startRex, workspace } from '../helpers/rex-cli.js';
import { BRAILLE, TUI_SCRIPT as SCRIPT, lines, newTmux, sh, waitUntil } from './tmux.js';

describe('rex view in a real terminal', () => {
  it('rex view: waits for a run, plots the chosen streams, pauses the script, follows the next loop and survives the end', async () => {
    const ws = workspace();
    const port = await freePort();
    const stop = path.join(ws.dir, 'stop');
    const listener = path.join(ws.dir, 'listener');

    // The view first: nothing is listening yet, and it says so.
    const tmux = newTmux();
    tmux.start(`XDG_CONFIG_HOME=${sh(ws.configHome)} ${sh(process.execPath)} ${sh(REX_BIN)} view 127.0.0.1:${port}`);
    await tmux.waitFor(
      '"nothing listening"',
      (s) => s.includes(`nothing is listening on 127.0.0.1:${port}`) && s.includes('○ nothing listening'),
      60_000,
    );

    const run = startRex(ws, ['run', SCRIPT, '-P', String(port), '-o', ws.outputDir, '--loops', '2'], {
      env: { REXT_STOP_FILE: stop, REXT_LISTENER_FILE: listener },
    });
    await tmux
      .waitFor('both devices', (s) => s.includes('>> [ ] sensor') && s.includes('[ ] stage') && s.includes('● connected'), 60_000)
      .catch((error: Error) => {
        throw new Error(`${error.message}\nrex run said:\n${run.output()}`);
      });

    tmux.send('Right', 'y', 'Left', 'x');
    // The first frames may come before the sine has reached its bounds (the script sends a value
    // every 50 ms): the chart is awaited until it has, then checked.
    const SINE_BOUND_TICK = /-?1(\.0)?┤/;
    const chart = await tmux.waitFor(
      'the chart at the sine bounds',
      (s) => s.includes('>> [X,Y] sensor') && BRAILLE.test(s) && SINE_BOUND_TICK.test(s),
    );
    expect(chart).toContain('[Y] voltage');
    expect(chart).toContain('[X] Time since first voltage measurement (s)');
    expect(chart).toContain('sensor · voltage vs sensor · Time since first voltage measurement (s)');
    expect(chart).toMatch(/└[─┬]+/);

    tmux.send('p');
    await waitUntil('the script to see Paused', () => lines(listener).includes('Paused'));
    await tmux.waitFor('the pause on screen', (s) => s.includes('⏸ PAUSED'));
    tmux.send('r');
    await waitUntil('the script to run again', () => lines(listener).join(',').includes('Paused,Running'));

    fs.writeFileSync(stop, '');
    await tmux.waitFor(
      'the next loop',
      (s) => s.includes('a new run iteration started') && s.includes('[X,Y] sensor') && BRAILLE.test(s),
      60_000,
    );
    fs.writeFileSync(stop, '');
    expect((await run.done).code).toBe(0);
    expect(outputFiles(ws.outputDir)).toHaveLength(2);
    await tmux.waitFor('the view to outlive the run', (s) => s.includes('○ nothing listening') && s.includes('rex  Data'));
    tmux.send('q');
    await tmux.waitFor('the view to close', (s) => !s.includes('rex  Data'));
  }, 150_000);
});
