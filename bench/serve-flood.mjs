// `rex serve` under a /ws flood (issue 14): 12.6 MB of `STATE` frames in one write from a client
// that never reads. Reports the server's RSS (its worker threads included) before and at its peak,
// and how the server ended the connection. With a third argument, a script (from test/), a run of
// it is started first, so that each word is asked of the run over TCP.
// Usage: node bench/serve-flood.mjs [bin/rex.js] [port] [fixtures/python/idle.py]
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

const [rexBin = 'bin/rex.js', port = '19311', script] = process.argv.slice(2);
const configHome = fs.mkdtempSync(path.join(os.tmpdir(), 'rex-flood-'));
fs.mkdirSync(path.join(configHome, 'rex'));
const testDir = path.resolve(path.dirname(rexBin), '..', 'test');
fs.writeFileSync(
  path.join(configHome, 'rex', 'config.toml'),
  `[serve]\nscripts_dir = ${JSON.stringify(testDir)}\nallowed_output_dirs = [${JSON.stringify(configHome)}]\n`,
);
const serve = spawn(process.execPath, [rexBin, 'serve', '--port', port], {
  env: { ...process.env, XDG_CONFIG_HOME: configHome },
  stdio: ['ignore', 'pipe', 'pipe'],
});
let log = '';
serve.stdout.on('data', (d) => (log += d));
serve.stderr.on('data', (d) => (log += d));
while (!/listening on/.test(log)) await new Promise((resolve) => setTimeout(resolve, 100));
if (script) {
  const started = await fetch(`http://127.0.0.1:${port}/run`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ path: script, dry_run: true }),
  });
  console.log(`POST /run: ${started.status} ${await started.text()}`);
}
const rssMB = () => Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${serve.pid}/status`, 'utf8'))[1]) >> 10;

const frame = Buffer.from([0x81, 0x85, 0, 0, 0, 0, ...Buffer.from('STATE')]);
const flood = Buffer.concat(Array.from({ length: Math.floor(12.6e6 / frame.length) }, () => frame));
const socket = net.connect(Number(port), '127.0.0.1');
await new Promise((resolve) => socket.on('connect', resolve));
socket.on('error', () => undefined);
socket.write(
  'GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
);
socket.write(flood);
socket.pause();
const before = rssMB();
let peak = before;
for (let i = 0; i < 20; i++) {
  await new Promise((resolve) => setTimeout(resolve, 500));
  peak = Math.max(peak, rssMB());
}
const closes = log.split('\n').filter((line) => /WebSocket client closed/.test(line));
console.log(JSON.stringify({ rssBeforeMB: before, rssPeakMB: peak, serverClosed: closes.at(-1) ?? null }));
socket.destroy();
// After the client went: does the server go on asking the run (its RSS and CPU time keep moving)?
const cpu = () =>
  fs
    .readFileSync(`/proc/${serve.pid}/stat`, 'utf8')
    .split(' ')
    .slice(13, 15)
    .map(Number)
    .reduce((a, b) => a + b);
const cpuBefore = cpu();
await new Promise((resolve) => setTimeout(resolve, 3000));
console.log(JSON.stringify({ afterDisconnectRssMB: rssMB(), cpuTicksIn3s: cpu() - cpuBefore }));
serve.kill('SIGKILL');
fs.rmSync(configHome, { recursive: true, force: true });
