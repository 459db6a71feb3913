/**
 * Starts a real `rex serve` (bin/rex.js → dist/) for system tests, in a temp workspace with an
 * isolated config home, and talks to it over real HTTP. The scripts directory is the repo's
 * `test/` folder, so fixtures are named `fixtures/python/<x>.py` or `serve/fixtures/<x>.py`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { vi } from 'vitest';
import { freePort, REPO_ROOT, REX_BIN, watchOutput } from '../helpers/rex-cli.js';

export const TEST_DIR = path.join(REPO_ROOT, 'test');

export interface ServeOptions {
  /** Written to the config's `[serve] token`; the client sends it. */
  token?: string;
  /** Given to the server as REX_SERVE_TOKEN instead; the client sends it. */
  envToken?: string;
  env?: Record<string, string>;
  /** Extra lines for the `[serve]` section. */
  serveConfig?: string[];
  /** `[serve] scripts_dir` (default: the repo's test/ folder). */
  scriptsDir?: string;
  /** `--host` (default: rex's own, 127.0.0.1); the client still connects to 127.0.0.1. */
  host?: string;
  /** More arguments of `rex serve` (`--fleet`). */
  args?: string[];
  /** Node's own flags for `rex serve`: `node <flags> bin/rex.js serve ...`. */
  nodeFlags?: string[];
}

export interface HttpAnswer {
  status: number;
  headers: Headers;
  text: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  json(): any;
}

export interface ServeProcess {
  child: ChildProcess;
  port: number;
  url: string;
  dir: string;
  outputDir: string;
  output(): string;
  waitForOutput(pattern: RegExp, timeoutMs?: number, from?: number): Promise<RegExpMatchArray>;
  /** HTTP with the configured token unless `token: null` (no header) or another string is given. */
  http(
    method: string,
    route: string,
    options?: { body?: unknown; rawBody?: string; headers?: Record<string, string>; token?: string | null },
  ): Promise<HttpAnswer>;
  /** Polls `GET /run` until `predicate` holds. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  waitForRun(predicate: (run: any) => boolean, timeoutMs?: number): Promise<any>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Kills the server (SIGKILL) and removes the workspace; for afterAll. */
  dispose(): Promise<void>;
}

export async function startServe(options: ServeOptions = {}): Promise<ServeProcess> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rex-serve-test-'));
  const outputDir = path.join(dir, 'out');
  fs.mkdirSync(outputDir);
  const configHome = path.join(dir, 'config');
  fs.mkdirSync(path.join(configHome, 'rex'), { recursive: true });
  const lines = [
    '[serve]',
    `scripts_dir = ${JSON.stringify(options.scriptsDir ?? TEST_DIR)}`,
    `allowed_output_dirs = [${JSON.stringify(outputDir)}]`,
  ];
  if (options.token !== undefined) lines.push(`token = ${JSON.stringify(options.token)}`);
  lines.push(...(options.serveConfig ?? []));
  fs.writeFileSync(path.join(configHome, 'rex', 'config.toml'), `${lines.join('\n')}\n`);

  const port = await freePort();
  const env: NodeJS.ProcessEnv = { ...process.env, XDG_CONFIG_HOME: configHome, ...options.env };
  delete env.REX_SERVE_TOKEN;
  if (options.envToken !== undefined) env.REX_SERVE_TOKEN = options.envToken;
  const clientToken = options.token ?? options.envToken;
  const hostArgs = options.host !== undefined ? ['--host', options.host] : [];
  const child = spawn(
    process.execPath,
    [...(options.nodeFlags ?? []), REX_BIN, 'serve', '--port', String(port), ...hostArgs, ...(options.args ?? [])],
    {
      cwd: dir,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const { output, waitForOutput } = watchOutput(child, 'rex serve output so far', 60_000);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal })),
  );

  const url = `http://127.0.0.1:${port}`;
  const http: ServeProcess['http'] = async (method, route, request = {}) => {
    const headers: Record<string, string> = { ...request.headers };
    const token = request.token === undefined ? clientToken : request.token;
    if (token !== undefined && token !== null) headers.authorization = `Bearer ${token}`;
    let body: string | undefined = request.rawBody;
    if (request.body !== undefined) {
      body = JSON.stringify(request.body);
      headers['content-type'] ??= 'application/json';
    }
    const response = await fetch(url + route, {
      method,
      headers,
      ...(body !== undefined && { body }),
      signal: AbortSignal.timeout(45_000),
    });
    const text = await response.text();
    return { status: response.status, headers: response.headers, text, json: () => JSON.parse(text) };
  };

  const serve: ServeProcess = {
    child,
    port,
    url,
    dir,
    outputDir,
    output,
    waitForOutput,
    http,
    waitForRun(predicate, timeoutMs = 60_000) {
      // The run's state is only seen by asking for it: polled.
      return vi.waitFor(
        async () => {
          const run = (await http('GET', '/run')).json();
          if (!predicate(run)) throw new Error(`run never reached the expected state; last: ${JSON.stringify(run)}\n${output()}`);
          return run;
        },
        { timeout: timeoutMs, interval: 200 },
      );
    },
    exited,
    async dispose() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
  try {
    await waitForOutput(/Rex Server listening on http:\/\/\S+/);
  } catch (error) {
    await serve.dispose();
    throw error;
  }
  return serve;
}

/** Reads server-sent events from `GET /events` until `stop` returns true for one of them. */
export async function readEvents(
  serve: ServeProcess,
  stop: (event: { event: string; data: string }) => boolean,
  options: { token?: string; timeoutMs?: number } = {},
): Promise<Array<{ event: string; data: string }>> {
  const query = options.token !== undefined ? `?token=${encodeURIComponent(options.token)}` : '';
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), options.timeoutMs ?? 30_000);
  const events: Array<{ event: string; data: string }> = [];
  try {
    const response = await fetch(`${serve.url}/events${query}`, { signal: controller.signal });
    if (response.status !== 200) throw new Error(`GET /events answered ${response.status}: ${await response.text()}`);
    const decoder = new TextDecoder();
    let buffered = '';
    for await (const chunk of response.body!) {
      buffered += decoder.decode(chunk as Uint8Array, { stream: true });
      for (let end = buffered.indexOf('\n\n'); end >= 0; end = buffered.indexOf('\n\n')) {
        const block = buffered.slice(0, end);
        buffered = buffered.slice(end + 2);
        const event = /^event: (.*)$/m.exec(block)?.[1];
        const data = /^data: (.*)$/m.exec(block)?.[1];
        if (event === undefined || data === undefined) continue;
        events.push({ event, data });
        if (stop({ event, data })) return events;
      }
    }
    return events;
  } finally {
    clearTimeout(timer);
    controller.abort();
  }
}

/** A real WebSocket client (Node's own, behind --experimental-websocket on Node 20) in a child process. */
export async function webSocketExchange(
  url: string,
  words: string[],
  timeoutMs = 30_000,
): Promise<{ replies?: string[]; closed?: number; error?: string }> {
  const script = `
    const [url, ...words] = process.argv.slice(1);
    const ws = new WebSocket(url);
    const replies = [];
    ws.onerror = () => { console.log(JSON.stringify({ error: 'connection failed' })); process.exit(0); };
    ws.onopen = () => { for (const w of words) ws.send(w); };
    ws.onmessage = (m) => { replies.push(m.data); if (replies.length === words.length) ws.close(1000); };
    ws.onclose = (e) => { console.log(JSON.stringify({ replies, closed: e.code })); process.exit(0); };
  `;
  const child = spawn(process.execPath, ['--experimental-websocket', '--no-warnings', '-e', script, url, ...words], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  await new Promise((resolve) => child.on('close', resolve));
  clearTimeout(timer);
  const line = stdout.trim().split('\n').pop();
  if (!line) throw new Error(`WebSocket client printed nothing; stderr: ${stderr}`);
  return JSON.parse(line) as { replies?: string[]; closed?: number; error?: string };
}
