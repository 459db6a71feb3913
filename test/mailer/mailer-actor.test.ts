/**
 * The mailer actor on a real worker thread (dist/, built by `npm run build`), supervised, with the
 * main thread's MailOutbox and a real SMTP server: crashes at the worst moments still give exactly
 * one mail per iteration.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { filter, firstValueFrom } from 'rxjs';
import { afterEach, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import type { MailerData } from '../../src/actors/mailer/messages.js';
import { MailOutbox } from '../../src/host/run/mail-outbox.js';
import { BusHub } from '../../src/bus/hub.js';
import { Supervisor } from '../../src/host/supervisor/supervisor.js';
import { parseMail } from './helpers/mime.js';
import { startSmtpServer, type TestSmtpServer } from './helpers/smtp.js';

const MAILER = new URL('../../dist/actors/mailer/worker.js', import.meta.url);
const running: { hub: BusHub; supervisor: Supervisor; outbox: MailOutbox }[] = [];
let dir: string;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rex-mailer-actor-'));
  return () => fs.rmSync(dir, { recursive: true, force: true });
});

afterEach(async () => {
  for (const { hub, supervisor, outbox } of running.splice(0)) {
    await supervisor.stopAll();
    outbox.close();
    hub.close();
  }
});

function outputFile(name: string): string {
  const file = path.join(dir, name);
  fs.writeFileSync(
    file,
    `[session]\nUUID = "u"\nend_time = "2026-01-16T06:36:02Z"\nstart_time = "2026-01-16T06:35:32Z"\n\n[session.info]\nemail = "j@lab.org"\nname = "Jane"\nsession_description = "d"\nsession_name = "${name}"\n`,
  );
  return file;
}

async function host(server: TestSmtpServer, maxRestarts = 5) {
  // Read by the Supervisor's constructor: actors then obey `fault.inject`.
  process.env.REX_FAULT_INJECTION = '1';
  const hub = new BusHub();
  const supervisor = new Supervisor({ hub, restart: { initialBackoffMs: 100, maxRestarts } });
  delete process.env.REX_FAULT_INJECTION;
  const outbox = new MailOutbox(hub.bus, 'jane@lab.org');
  running.push({ hub, supervisor, outbox });
  const data: MailerData = {
    to: 'jane@lab.org',
    server: { server: '127.0.0.1', port: server.port, security: false, from_address: 'Rex <rex@lab.org>' },
    uuid: 'c0ffee00-0000-4000-8000-000000000002',
    retryDelaysMs: [50],
  };
  await supervisor.start({ name: 'mailer', entry: MAILER, data, critical: false });
  const restarted = (n: number) =>
    firstValueFrom(hub.bus.on('actor.status').pipe(filter((s) => s.actor === 'mailer' && s.status === 'ready' && s.restarts === n)));
  const ended = (loop: number, file: string) =>
    hub.bus.publish('run.iteration', {
      phase: 'ended',
      loop,
      loops: 2,
      journalPath: path.join(dir, `loop-${loop + 1}.rexj`),
      outputFile: file,
    });
  return { hub, outbox, restarted, ended };
}

async function smtp(options: Parameters<typeof startSmtpServer>[0] = {}): Promise<TestSmtpServer> {
  const server = await startSmtpServer(options);
  onTestFinished(() => server.close());
  return server;
}

describe('the mailer actor', () => {
  it('crashed while the server holds its message (no 250 yet): the restarted mailer sends it; one mail arrives', async () => {
    let crash: (() => void) | null = null;
    let messages = 0;
    const server = await smtp({
      onMessage: async () => {
        if (++messages > 1) return true;
        crash?.();
        await new Promise((resolve) => setTimeout(resolve, 300)); // the client is gone by now
        return false;
      },
    });
    const { hub, outbox, restarted, ended } = await host(server);
    crash = () => hub.bus.publish('fault.inject', { actor: 'mailer', mode: 'exit' });
    const back = restarted(1);
    ended(0, outputFile('first.toml'));
    await back;
    await outbox.settle(20_000);
    expect(server.dataTransfers).toBe(2);
    expect(server.received).toHaveLength(1);
    expect(outbox.report()).toEqual([expect.objectContaining({ loop: 0, state: 'sent' })]);
  }, 30_000);

  it('an iteration that ends while the mailer is down is mailed by the restarted one, once', async () => {
    const server = await smtp();
    const { hub, outbox, restarted, ended } = await host(server);
    const back = restarted(1);
    hub.bus.publish('fault.inject', { actor: 'mailer', mode: 'exit' });
    await firstValueFrom(hub.bus.on('actor.status').pipe(filter((s) => s.actor === 'mailer' && s.status === 'restarting')));
    ended(1, outputFile('second.toml'));
    await back;
    await outbox.settle(20_000);
    expect(server.received).toHaveLength(1);
    expect(parseMail(server.received[0]!.raw).parts.find((p) => p.filename)?.filename).toBe('second.toml');
    expect(outbox.report()).toEqual([expect.objectContaining({ loop: 1, state: 'sent', attempts: 1 })]);
    // A restart after the mail went out does not send it again.
    const again = restarted(2);
    hub.bus.publish('fault.inject', { actor: 'mailer', mode: 'throw' });
    await again;
    await new Promise((resolve) => setTimeout(resolve, 300)); // time for a second mail that must not come
    expect(server.received).toHaveLength(1);
  }, 30_000);

  it('settle() is bounded: a server that never answers is given up on, with a report', async () => {
    const server = await smtp({ onMessage: () => new Promise<boolean>(() => {}) });
    const { hub, outbox, ended } = await host(server);
    const logs: string[] = [];
    hub.bus.on('log').subscribe((l) => logs.push(l.message));
    ended(0, outputFile('stuck.toml'));
    await firstValueFrom(hub.bus.on('mail.status').pipe(filter((s) => s.state === 'sending')));
    await outbox.settle(500);
    expect(logs.some((l) => /waiting for 1 mail\(s\) to jane@lab.org/.test(l))).toBe(true);
    expect(logs.some((l) => /not delivered within/.test(l))).toBe(true);
    expect(outbox.report()).toEqual([expect.objectContaining({ loop: 0, state: 'unsent' })]);
  }, 30_000);

  it('given up on (crashed past its budget): every mail, even of a later iteration, is reported failed at once', async () => {
    const server = await smtp();
    const { hub, outbox, ended } = await host(server, 0);
    const gone = firstValueFrom(hub.bus.on('actor.status').pipe(filter((s) => s.actor === 'mailer' && s.status === 'failed')));
    hub.bus.publish('fault.inject', { actor: 'mailer', mode: 'exit' });
    await gone;
    ended(0, outputFile('orphan.toml'));
    await outbox.settle(20_000);
    expect(outbox.report()).toEqual([
      expect.objectContaining({ loop: 0, state: 'failed', detail: 'the mailer failed and was given up on' }),
    ]);
    expect(server.received).toHaveLength(0);
  }, 30_000);
});
