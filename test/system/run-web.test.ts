/**
 * `rex run --web [PORT]` (issue 16 item 1): the http-gateway inside a real run of a real Python
 * script, reached over real HTTP on loopback with the token the run printed.
 */
import net from 'node:net';
import path from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { PY_FIXTURES, freePort, onlyOutput, outputFiles, startRex, workspace, type TomlTable } from '../helpers/rex-cli.js';

const TIMEOUT_MS = 60_000;
const WEB_LINE = /web view: (http:\/\/127\.0\.0\.1:(\d+)\/ui\/) {2}\(token: ([A-Za-z0-9_-]+)\)/;

/** Reads an event stream until the server ends it; resolves with the data of its `run` events. */
async function runEvents(response: Response): Promise<Array<Record<string, unknown>>> {
  let text = '';
  const decoder = new TextDecoder();
  try {
    for await (const chunk of response.body!) text += decoder.decode(chunk as Uint8Array, { stream: true });
  } catch {
    // The server closed the connection: what came before counts.
  }
  return [...text.matchAll(/^event: run\ndata: (.*)$/gm)].map((match) => JSON.parse(match[1]!));
}

function refusesConnections(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(true));
  });
}

describe('rex run --web', { timeout: TIMEOUT_MS }, () => {
  it('serves the run on loopback with its own token: status, pause and resume reach the script; POST /run is refused; gone at the end', async () => {
    const ws = workspace();
    const tcpPort = await freePort();
    // `--web` before the script: its optional value must not swallow the script.
    const rex = startRex(ws, ['run', '--web', path.join(PY_FIXTURES, 'listener_wait.py'), '-P', String(tcpPort), '-o', ws.outputDir], {
      env: { REXT_SEND: '1', REXT_TIMEOUT: '25' },
    });
    const [, url, webPort, token] = await rex.waitForOutput(WEB_LINE);
    expect(rex.output()).not.toContain(`token=${token}`);
    const http = (method: string, route: string, auth: string | null = token!) =>
      fetch(new URL(route, url), { method, headers: auth === null ? {} : { authorization: `Bearer ${auth}` } });

    expect(await (await http('GET', '/', null)).text()).toBe('Server is up!');
    await rex.waitForOutput(/state: Running/);

    expect((await http('GET', '/status', null)).status).toBe(401);
    expect((await http('GET', '/status', 'not-the-token')).status).toBe(401);
    const status = await http('GET', '/status');
    expect(status.status).toBe(200);
    const state = (await status.json()) as TomlTable;
    expect(state.entities.info).toMatchObject({
      name: 'Test Runner',
      email: 'test@example.org',
      session_name: 'Listener wait',
      session_description: 'waits for pause and resume',
    });
    expect(state.devices).toEqual({ dmm: { range: 'auto' } });
    const run = (await (await http('GET', '/run')).json()) as TomlTable;
    expect(run).toMatchObject({ phase: 'running', id: state.entities.uuid, port: tcpPort, pid: rex.child.pid, output_dir: ws.outputDir });

    const start = await fetch(new URL('/run', url), {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ path: 'idle.py' }),
    });
    expect(start.status).toBe(409);
    expect(((await start.json()) as TomlTable).message).toBe('this server shows one run (rex run --web); start runs with rex serve');
    expect(await (await http('GET', '/allowed_scripts')).json()).toMatchObject({ files: [] });

    const events = http('GET', '/events').then(runEvents);

    expect(await (await http('POST', '/pause')).text()).toBe('Setting internal server state to paused...');
    await rex.waitForOutput(/state: Paused/);
    expect(await (await http('POST', '/continue')).text()).toBe('Setting internal server state to start...');

    // The script exits once it has seen Paused then Running; the run writes its file and ends.
    const { code } = await rex.done;
    expect(code, rex.output()).toBe(0);
    const doc = onlyOutput(ws.outputDir);
    expect(doc.session.UUID).toBe(run.id);
    expect(doc.device.dmm.data.voltage.data).toEqual([1.5]);
    expect(await refusesConnections(Number(webPort))).toBe(true);
    // The page saw the run end, with its file, before the server went away.
    expect((await events).at(-1)).toMatchObject({ phase: 'ended', id: run.id, exit_code: 0, output_files: [outputFiles(ws.outputDir)[0]] });
  });

  it('prints the URL line at every -v level: asked for with --web, it is not hidden with the info lines', async () => {
    const ws = workspace();
    const rex = startRex(ws, ['run', path.join(PY_FIXTURES, 'idle.py'), '--web', '-v', '0', '-o', ws.outputDir], {
      env: { REXT_IDLE: '1' },
    });
    const { code, stderr } = await rex.done;
    expect(code, stderr).toBe(0);
    expect(stderr).toMatch(WEB_LINE);
    const otherInfo = stderr.split('\n').filter((line) => / INFO /.test(line) && !WEB_LINE.test(line));
    expect(otherInfo).toEqual([]);
  });

  it('a busy PORT, or a value that is no port, is refused before anything starts (exit 2)', async () => {
    const ws = workspace();
    const holder = net.createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    onTestFinished(() => void holder.close());
    const { port } = holder.address() as net.AddressInfo;
    const rex = startRex(ws, ['run', path.join(PY_FIXTURES, 'idle.py'), '--web', String(port), '-o', ws.outputDir]);
    const { code, stderr } = await rex.done;
    expect(code).toBe(2);
    expect(stderr).toContain(`rex: port ${port} on 127.0.0.1 is held by pid ${process.pid}`);
    expect(stderr).toMatch(/choose another --web PORT/);

    // Not a port, with the script given too.
    const word = await startRex(ws, ['run', '--web', 'abc', path.join(PY_FIXTURES, 'idle.py')]).done;
    expect(word.code).toBe(2);
    expect(word.stderr).toContain("rex: error: option '--web [port]' must be 1–65535, got 'abc' (see rex run --help)");
  });
});
