/**
 * What `rex run` tells its user (issue 15 item 3), through the real CLI and a real Python script
 * (fixtures/python/feedback.py: devices dmm and scope, a passing and a failing result): at info a
 * status line while the run goes on (in place on a terminal, periodic off one) and a summary at
 * the end; at -v 3 each accepted line summed up, at -v 4 the raw lines too; below info, neither.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatBytes } from '../../src/protocol/human-units.js';
import { PY_FIXTURES, REX_BIN, freePort, outputFiles, runRex, workspace } from '../helpers/rex-cli.js';
import { newTmux, sh, waitUntil } from '../view/tmux.js';

const SCRIPT = path.join(PY_FIXTURES, 'feedback.py');
const RUN_TIMEOUT_MS = 60_000;

describe('rex run feedback', () => {
  // Three runs at once (each mostly waits for rex to start): the default level, -v 4, -v 1.
  it(
    'off a terminal: at info a periodic status line and the end summary; at -v 4 each line summed up and raw; at -v 1 neither',
    async () => {
      const ws = workspace();
      const ports = new Set<number>();
      while (ports.size < 3) ports.add(await freePort());
      const [p0, p1, p2] = [...ports].map(String);
      const [info, trace, quiet] = await Promise.all([
        runRex(ws, ['run', SCRIPT, '-P', p0!, '-o', ws.outputDir], {
          env: { REX_STATUS_INTERVAL_MS: '200', REXT_STEPS: '6', REXT_SLEEP: '0.1' },
        }),
        runRex(ws, ['-v', '4', 'run', SCRIPT, '-n', '-l', '2', '-P', p1!], { env: { REXT_STEPS: '2' } }),
        runRex(ws, ['-v', '1', 'run', SCRIPT, '-n', '-P', p2!], {
          env: { REX_STATUS_INTERVAL_MS: '100', REXT_STEPS: '3', REXT_SLEEP: '0.1' },
        }),
      ]);
      checkInfo(info, ws.outputDir);
      checkTrace(trace);
      // Below info: nothing but what goes wrong.
      expect(quiet.code, quiet.stderr).toBe(0);
      expect(quiet.stderr).toBe('');
    },
    RUN_TIMEOUT_MS,
  );

  it(
    'on a terminal: one status line redrawn in place below the log lines, gone at the end',
    async () => {
      const ws = workspace();
      const port = await freePort();
      const exitFile = path.join(ws.dir, 'exit');
      const tmux = newTmux();
      tmux.start(
        `cd ${sh(ws.dir)} && XDG_CONFIG_HOME=${sh(ws.configHome)} REXT_STEPS=12 REXT_SLEEP=0.1 ${sh(process.execPath)} ${sh(REX_BIN)} run ${sh(SCRIPT)} -P ${port} -o ${sh(ws.outputDir)}; echo "exit $?" > ${sh(exitFile)}; sleep 60`,
      );
      const statusLines = (screen: string) => screen.split('\n').filter((l) => l.includes('msg/s'));
      // While the script sends: the status line is the last line, below the log lines printed so far.
      const live = await tmux.waitFor('a status line with data', (s) => /[1-9]\d* messages/.test(statusLines(s)[0] ?? ''), RUN_TIMEOUT_MS);
      expect(statusLines(live)).toHaveLength(1);
      const shown = live.trimEnd().split('\n');
      expect(shown.at(-1)).toContain('msg/s');
      expect(shown.some((l) => l.includes('[controller] started'))).toBe(true);
      // Redrawn, never repeated: after more updates there is still one.
      await tmux.waitFor('the status line to change', (s) => statusLines(s).length === 1 && statusLines(s)[0] !== statusLines(live)[0]);

      await waitUntil('rex to exit', () => fs.existsSync(exitFile), RUN_TIMEOUT_MS);
      expect(fs.readFileSync(exitFile, 'utf8').trim()).toBe('exit 0');
      const end = tmux.capture();
      expect(statusLines(end)).toHaveLength(0);
      expect(end).toContain('device dmm: voltage [V] 12 values, current [mA] 12 values');
      expect(end).toMatch(/^the run took/m);
    },
    RUN_TIMEOUT_MS,
  );
});

type Finished = Awaited<ReturnType<typeof runRex>>;

/** A status line every interval; at the end devices, channels, units, counts, results, the file and its size, the journal removed. */
function checkInfo(result: Finished, outputDir: string): void {
  expect(result.code, result.stderr).toBe(0);
  const err = result.stderr;
  expect(err).toMatch(/INFO {2}\[rex\] status: \d+:\d\d · /);
  expect(err).toMatch(/status: .* · \d+ messages · \d+ values · [\d.–]+ msg\/s · 2 devices · running/);
  expect(err).not.toContain('\r'); // no in-place drawing off a terminal
  const [file] = outputFiles(outputDir);
  const summary = err.slice(err.indexOf('the run took'));
  expect(summary.split('\n').filter(Boolean)).toEqual([
    expect.stringMatching(/^the run took \d+\.\d s$/),
    '  device dmm: voltage [V] 6 values, current [mA] 6 values',
    '  device scope: trace [V] 6 rows',
    '  results: fit pass, range FAIL',
    `  output file: ${file} (${formatBytes(fs.statSync(file!).size)})`,
    expect.stringMatching(/^journal removed \(.*\.rex.*\)$/),
  ]);
}

/** -v 4: each accepted line summed up (debug) and raw, cut short (trace); a dry run of two loops sums up each. */
function checkTrace(result: Finished): void {
  expect(result.code, result.stderr).toBe(0);
  const err = result.stderr;
  expect(err).toContain('DEBUG [store] session "Feedback test" by Test Runner <test@example.org>');
  expect(err).toContain('DEBUG [store] device dmm: voltage [V] +1 (2 values), current [mA] +1 (2 values)');
  expect(err).toContain('DEBUG [store] device scope: trace [V] +1 (1 rows)');
  expect(err).toContain('DEBUG [store] result range: fail (value 99)');
  expect(err).toMatch(/TRACE \[store\] line \(\d+ bytes\): \{"device_name":"scope"/);
  const summary = err.slice(err.indexOf('the run took'));
  for (const loop of ['  loop 1/2:', '  loop 2/2:']) expect(summary).toContain(loop);
  expect(summary.match(/ {4}device dmm: voltage \[V\] 2 values, current \[mA\] 2 values/g)).toHaveLength(2);
  expect(summary.match(/ {4}no output file \(dry run\)/g)).toHaveLength(2);
}
