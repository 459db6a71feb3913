// End to end in a real terminal (tmux): `rex run -i` shows the live run with rex's log in the view's
// log pane (not on stderr); q ends the run and the output file holds every acknowledged message.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REX_BIN, freePort, outputFiles, readToml, workspace } from '../helpers/rex-cli.js';
import { TUI_SCRIPT as SCRIPT, lines, newTmux, sh, waitUntil } from './tmux.js';

describe('rex run -i in a real terminal', () => {
  it('rex run -i: the view shows the live run and rex’s log; q ends the run and every acknowledged message is saved', async () => {
    const ws = workspace();
    const port = await freePort();
    const acks = path.join(ws.dir, 'acks');
    const exitFile = path.join(ws.dir, 'exit');
    const tmux = newTmux();
    tmux.start(
      `cd ${sh(ws.dir)} && XDG_CONFIG_HOME=${sh(ws.configHome)} REXT_ACK_FILE=${sh(acks)} ${sh(process.execPath)} ${sh(REX_BIN)} run -i ${sh(SCRIPT)} -P ${port} -o ${sh(ws.outputDir)}; echo "exit $?" > ${sh(exitFile)}; sleep 60`,
    );
    const live = await tmux.waitFor(
      'the live run',
      (s) => s.includes('[ ] stage') && s.includes('● connected') && s.includes('loop 1/1'),
      60_000,
    );
    expect(live).toContain('controller: started'); // rex's own log lines are in the log pane
    expect(live).toContain('q: end run & quit');
    await waitUntil('some data', () => lines(acks).length >= 20);

    tmux.send('q');
    await waitUntil('rex to exit', () => fs.existsSync(exitFile), 60_000);
    expect(fs.readFileSync(exitFile, 'utf8').trim()).toBe('exit 0');
    const screen = tmux.capture();
    expect(screen).toMatch(/output file: .*TUI_demo_.*\.toml/);
    expect(screen).not.toContain('rex  Data'); // the terminal is back to normal
    // Lines logged while the view was up went to its log pane, not to the terminal.
    expect(screen).not.toContain('[controller] started python3');

    const [file] = outputFiles(ws.outputDir);
    const toml = readToml(file!);
    const acked = lines(acks);
    const ackedSensor = acked.filter((l) => l.startsWith('sensor ')).length;
    const ackedStage = acked.filter((l) => l.startsWith('stage ')).length;
    expect(ackedSensor).toBeGreaterThanOrEqual(10);
    // Every acknowledged message is in the file (a message in flight at the end may be there too).
    expect(toml.device.sensor.data.voltage.data.length).toBeGreaterThanOrEqual(ackedSensor);
    expect(toml.device.stage.data.position.data.length).toBeGreaterThanOrEqual(ackedStage);
    expect(toml.device.stage.data.position.data.slice(0, ackedStage)).toEqual(Array.from({ length: ackedStage }, (_, i) => i));
  }, 120_000);
});
