/**
 * `rex run stream_with_child.py` for system tests that end runs in ordinary and violent ways: the
 * script streams a counter (and keeps a child process), writes what it sent and what was
 * acknowledged to files, and its whole process group is killed after the test whatever happens
 * (rex killed with SIGKILL cannot stop it).
 */
import fs from 'node:fs';
import path from 'node:path';
import { onTestFinished } from 'vitest';
import { waitFor } from './processes.js';
import { PY_FIXTURES, freePort, startRex, workspace, type RexRun, type RexWorkspace } from './rex-cli.js';

export const STREAM = path.join(PY_FIXTURES, 'stream_with_child.py');

export interface StreamRun {
  rex: RexRun;
  ws: RexWorkspace;
  /** One line per acknowledged message ("1", "2", ...). */
  ackFile: string;
  /** One line per message sent. */
  sentFile: string;
  pids(): { script: number; child: number; uuid: string };
}

/** Resolves once the script has started (it wrote its pids). */
export async function startStream(options: { args?: string[]; env?: Record<string, string>; config?: string } = {}): Promise<StreamRun> {
  const ws = workspace();
  if (options.config !== undefined) ws.writeConfig(options.config);
  const ackFile = path.join(ws.dir, 'ack');
  const sentFile = path.join(ws.dir, 'sent');
  const pidFile = path.join(ws.dir, 'pids.json');
  const rex = startRex(ws, ['run', STREAM, '-P', String(await freePort()), '-o', ws.outputDir, ...(options.args ?? [])], {
    env: { REXT_ACK_FILE: ackFile, REXT_SENT_FILE: sentFile, REXT_PID_FILE: pidFile, ...options.env },
  });
  const pids = (): { script: number; child: number; uuid: string } => JSON.parse(fs.readFileSync(pidFile, 'utf8'));
  onTestFinished(() => {
    if (!fs.existsSync(pidFile)) return;
    const { script, child } = pids();
    for (const target of [-script, script, -child, child]) {
      try {
        process.kill(target, 'SIGKILL');
      } catch {
        // not a group leader, or already gone
      }
    }
  });
  await waitFor('the script to start', () => fs.existsSync(pidFile));
  return { rex, ws, ackFile, sentFile, pids };
}
