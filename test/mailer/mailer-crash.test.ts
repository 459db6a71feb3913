/**
 * The mailer in the fault-injection matrix (see test/system/actor-crash.test.ts): crashed twice
 * mid-run, it is restarted, the data is untouched, and the run's mail is sent exactly once.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { PY_FIXTURES, freePort, outputFiles, readToml, runRex, workspace } from '../helpers/rex-cli.js';
import { parseMail } from './helpers/mime.js';
import { startSmtpServer } from './helpers/smtp.js';

const STEPS = 300;

describe('the mailer crashed mid-run', () => {
  it('restarted twice (exit, throw): every acknowledged message stored once; exactly one mail', async () => {
    const server = await startSmtpServer();
    onTestFinished(() => server.close());
    const ws = workspace();
    ws.writeConfig(`[email_server]\nserver = "127.0.0.1"\nport = ${server.port}\nfrom_address = "rex@lab.org"\n`);
    const ackFile = path.join(ws.dir, 'acks');
    const plan = [
      { actor: 'mailer', mode: 'exit', afterReplies: 80 },
      { actor: 'mailer', mode: 'throw', afterReplies: 200 },
    ];
    const result = await runRex(
      ws,
      ['run', path.join(PY_FIXTURES, 'long_running.py'), '-o', ws.outputDir, '-P', String(await freePort()), '-e', 'jane@lab.org'],
      {
        env: {
          REX_FAULT_INJECTION: '1',
          REX_FAULT_PLAN: JSON.stringify(plan),
          REXT_ACK_FILE: ackFile,
          REXT_SLEEP: '0.005',
          REXT_POINTS: '100',
          REXT_MAX_STEPS: String(STEPS),
        },
      },
    );
    expect(result.stderr).toMatch(/injecting exit into mailer/);
    expect(result.stderr).toMatch(/injecting throw into mailer/);
    expect(result.stderr).toMatch(/\[mailer\] restarted \(1\): 0 unsent mail/);
    expect(result.stderr).toMatch(/\[mailer\] restarted \(2\): 0 unsent mail/);
    expect(result.code).toBe(0);
    expect(fs.readFileSync(ackFile, 'utf8').trim().split('\n')).toHaveLength(STEPS);
    const [file] = outputFiles(ws.outputDir);
    expect(readToml(file!).device.stream.data.n.data).toEqual(Array.from({ length: STEPS }, (_, i) => i));

    expect(server.received).toHaveLength(1);
    const attachment = parseMail(server.received[0]!.raw).parts.find((p) => p.filename);
    expect(attachment?.filename).toBe(path.basename(file!));
    expect(attachment!.content.equals(fs.readFileSync(file!))).toBe(true);
    expect(result.stdout).toContain('mail sent to jane@lab.org');
  }, 90_000);
});
