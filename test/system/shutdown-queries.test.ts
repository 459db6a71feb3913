/**
 * A run asked for its datastream over and over while it ends (as `rex serve`'s live push asks it
 * every 100 ms): once it has answered data, it never answers an empty window, up to the moment
 * its TCP port closes. (The store stops before the port closes; the ingest then answers the
 * store's last answer.) Real `rex run`s of export_mix.py, three at once: the gap is short.
 */
import net from 'node:net';
import path from 'node:path';
import { expect, it } from 'vitest';
import { PY_FIXTURES, freePort, startRex, workspace } from '../helpers/rex-cli.js';

/** One GET_DATASTREAM over a fresh connection: its reply line, or null once the port is closed. */
function ask(port: number): Promise<string | null> {
  return new Promise((resolve) => {
    let reply = '';
    const socket = net.connect(port, '127.0.0.1', () => socket.write('GET_DATASTREAM\n'));
    socket.on('data', (chunk) => {
      reply += chunk;
      if (reply.includes('\n')) socket.destroy();
    });
    socket.on('error', () => resolve(null));
    socket.on('close', () => resolve(reply.includes('\n') ? reply.trim() : null));
  });
}

async function answersUntilTheEnd(): Promise<string[]> {
  const ws = workspace();
  const port = await freePort();
  const rex = startRex(ws, ['run', path.join(PY_FIXTURES, 'export_mix.py'), '-o', ws.outputDir, '-P', String(port)]);
  let ended = false;
  void rex.done.then(() => (ended = true));
  const answers: string[] = [];
  while (!ended) {
    const answer = await ask(port);
    if (answer !== null && answers.at(-1) !== answer) answers.push(answer);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  expect((await rex.done).code, rex.output()).toBe(0);
  return answers;
}

it('answers the last data until its port closes, never an empty window after it', async () => {
  for (const answers of await Promise.all([1, 2, 3].map(answersUntilTheEnd))) {
    const first = answers.findIndex((a) => a !== '{}');
    expect(first, answers.join('\n')).toBeGreaterThanOrEqual(0);
    expect(answers.slice(first), answers.join('\n')).not.toContain('{}');
    // The last answer: all of the run's data.
    expect(Object.keys(JSON.parse(answers.at(-1)!)).sort()).toEqual(['odd/name.dev', 'scope']);
  }
}, 30_000);
