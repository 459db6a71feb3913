// Start-up and exit of `rex run` against the bare interpreter (issue 15, item 2).
// A trivial script (connect to REX_PORT, send one Session line, read the reply, exit) runs, in
// each round and in rotating order: bare (`python3 script` against a tiny TCP server in this
// process) and under rex (`rex run script`, one per --rex build given). The script stamps when its
// first statement ran and when its last one did; with the spawn and exit times seen here:
//   overhead   = rex's wall time − the bare run's (the same round's pair; median over rounds)
//   start-up   = spawn → script's first statement, minus the bare run's
//   exit       = script's last statement → rex's exit (the bare run's: → python's exit)
// Usage: npm run build && node bench/startup.mjs [--reps 9] [--rex path/to/bin/rex.js ...]
//        [--config-file FILE]: each rex run reads it (default: none there, the built-in defaults)
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadAverage, machine, median } from './lib/machine.mjs';
import { PATH_WITH_REAL_PYTHON, PYTHON } from './lib/targets.mjs';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const reps = Number(args[args.indexOf('--reps') + 1] || 9) || 9;
const builds = args.flatMap((a, i) => (args[i - 1] === '--rex' ? [path.resolve(a)] : []));
const configFile = args.includes('--config-file') ? path.resolve(args[args.indexOf('--config-file') + 1]) : undefined;
if (builds.length === 0) builds.push(path.join(REPO_ROOT, 'bin', 'rex.js'));

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'rex-bench-startup-'));
const script = path.join(work, 'trivial.py');
fs.writeFileSync(
  script,
  `import os, socket, time
t0 = time.time()
s = socket.create_connection(("127.0.0.1", int(os.environ["REX_PORT"])))
s.sendall(b'{"info": {"name": "bench", "email": "b@lab.org", "session_name": "startup", "session_description": "d"}}\\n')
s.makefile().readline()
s.close()
with open(os.environ["BENCH_STAMPS"], "w") as f:
    f.write(f"{t0} {time.time()}")
`,
);

/** The bare run's listener: one reply per line, like rex's to a Session line. */
const server = net.createServer((socket) => {
  socket.on('data', (chunk) => {
    for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) socket.write('Session configuration processed\n');
  });
  socket.on('error', () => {});
});
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const serverPort = server.address().port;

async function freePort() {
  const probe = net.createServer();
  await new Promise((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address();
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

/** Runs one command; resolves with its wall time and the script's stamps, all relative to the spawn (ms). */
function timed(command, argv, port) {
  const stamps = path.join(work, `stamps-${process.hrtime.bigint()}`);
  // rex runs `python3` from PATH: the same interpreter as the bare run, not a version manager's
  // shim (pyenv's costs ~0.3 s a start, twice under rex: the script and its --version).
  const env = { ...process.env, PATH: PATH_WITH_REAL_PYTHON, REX_PORT: String(port), BENCH_STAMPS: stamps };
  return new Promise((resolve, reject) => {
    const start = Date.now();
    const child = spawn(command, argv, { env, cwd: work, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.on('exit', (code) => {
      const end = Date.now();
      if (code !== 0) return reject(new Error(`${command} ${argv.join(' ')} exited ${code}: ${stderr}`));
      const [first, last] = fs
        .readFileSync(stamps, 'utf8')
        .split(' ')
        .map((s) => Number(s) * 1000);
      resolve({ wall: end - start, start: first - start, exit: end - last });
    });
  });
}

const bare = () => timed(PYTHON, [script], serverPort);
const configArgs = configFile ? ['--config-file', configFile] : [];
const underRex = async (bin) => timed(process.execPath, [bin, 'run', script, '-o', work, '-P', String(await freePort()), ...configArgs], 0);

const info = machine();
const loadBefore = loadAverage();
await underRex(builds[0]); // warm the page cache, untimed
const runs = { bare: [], ...Object.fromEntries(builds.map((b) => [b, []])) };
for (let round = 0; round < reps; round++) {
  const order = ['bare', ...builds];
  for (let k = 0; k < round % order.length; k++) order.push(order.shift());
  for (const who of order) runs[who].push(who === 'bare' ? await bare() : await underRex(who));
}
server.close();
fs.rmSync(work, { recursive: true, force: true });

const row = (label, list, base) => {
  const paired = (key) => Math.round(median(list.map((r, i) => r[key] - base[i][key])));
  const m = (key) => Math.round(median(list.map((r) => r[key])));
  return `| ${label} | ${m('wall')} | ${paired('wall')} | ${m('start')} | ${paired('start')} | ${m('exit')} |`;
};
console.log(
  `${reps} rounds; ${info.date}; nproc ${info.nproc} (${info.cpu}); ${info.node}; ${info.python}; load ${loadBefore} → ${loadAverage()}; config ${configFile ?? 'none (built-in defaults)'}`,
);
console.log('medians in ms; "− bare": median over rounds of (this run − the same round\'s bare run)\n');
console.log('| run | wall | wall − bare (overhead) | spawn → script start | start − bare | script end → exit |');
console.log('|---|--:|--:|--:|--:|--:|');
console.log(row('bare python3', runs.bare, runs.bare));
for (const b of builds) console.log(row(`rex run (${path.relative(process.cwd(), b) || b})`, runs[b], runs.bare));
