// Issue 14: a run whose one line holds 100,000 values in 100,000 one-value channels, against the
// same values in 100 channels. Times the whole `rex run` (start to exit) and the final file's size.
// Usage: npm run build && node bench/wide-line.mjs [rounds] [other checkout, built]   (bench/README.md)
// With another checkout (a base built in a worktree of its own), both are run in every round,
// the order flipped each round, so that their ratios are measured under the same load.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadAverage, median } from './lib/machine.mjs';

const rounds = Number(process.argv[2] ?? 3);
const repos = [path.resolve(import.meta.dirname, '..'), ...(process.argv[3] ? [path.resolve(process.argv[3])] : [])];
const seconds = new Map(repos.map((repo) => [repo, { 100: [], 100000: [] }]));
for (let round = 0; round < rounds; round++) {
  for (const repo of round % 2 === 0 ? repos : [...repos].reverse()) {
    const client = path.join(repo, 'bench', 'clients', 'wide_line.py');
    for (const channels of [100, 100000]) {
      const out = fs.mkdtempSync(path.join(os.tmpdir(), 'rex-wide-line-'));
      const started = process.hrtime.bigint();
      const run = spawnSync(process.execPath, [path.join(repo, 'bin', 'rex.js'), 'run', client, '-o', out], {
        env: { ...process.env, BENCH_CHANNELS: String(channels), PYTHONPATH: path.dirname(client) },
        encoding: 'utf8',
      });
      const took = Number(process.hrtime.bigint() - started) / 1e9;
      const file = fs.readdirSync(out).find((name) => name.endsWith('.toml'));
      const bytes = file ? fs.statSync(path.join(out, file)).size : 0;
      fs.rmSync(out, { recursive: true, force: true });
      if (run.status !== 0 || !file) throw new Error(`${repo}, ${channels} channels: exit ${run.status}\n${run.stderr}`);
      seconds.get(repo)[channels].push(took);
      const label = repos.length > 1 ? `${path.basename(repo)}: ` : '';
      console.log(
        `round ${round + 1}: ${label}${String(channels).padStart(6)} channels  ${took.toFixed(2)} s  ${bytes} bytes  (load ${loadAverage()})`,
      );
    }
  }
}
for (const [repo, times] of seconds) {
  const ratios = times[100].map((narrow, i) => times[100000][i] / narrow);
  console.log(
    `${repos.length > 1 ? `${repo}: ` : ''}median: 100 channels ${median(times[100]).toFixed(2)} s, 100,000 channels ${median(times[100000]).toFixed(2)} s, ratio ${(median(times[100000]) / median(times[100])).toFixed(2)} (rounds' ratios: median ${median(ratios).toFixed(2)}, ${ratios.map((r) => r.toFixed(2)).join(' ')})`,
  );
}
