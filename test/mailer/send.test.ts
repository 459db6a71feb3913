// Sending against a real SMTP server (smtp-server, in this process): plain, AUTH over STARTTLS
// with a certificate made at test time, implicit TLS, and the ways it fails.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, onTestFinished, vi } from 'vitest';
import { MailQueue } from '../../src/actors/mailer/mail-queue.js';
import type { MailJob, MailStatus, MailerData } from '../../src/actors/mailer/messages.js';
import { MailBodyCache, notificationMessageId, sendNotification } from '../../src/actors/mailer/send.js';
import type { EmailServerConfig } from '../../src/protocol/config.js';
import { renderOutputToString } from '../../src/protocol/output/render.js';
import { memoryChannel } from '../../src/protocol/output/source.js';
import { ManualClock } from '../helpers/manual-clock.js';
import { parseMail, partText } from './helpers/mime.js';
import { hasOpenssl, selfSignedCertificate, startSmtpServer, type TestSmtpServer } from './helpers/smtp.js';

let dir: string;
let outputFile: string;
let certificate: { key: string; cert: string; certFile: string };

beforeAll(async () => {
  if (!hasOpenssl()) throw new Error('these tests need the openssl command to make a certificate (apt-get install openssl)');
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rex-mail-'));
  certificate = selfSignedCertificate(dir);
  outputFile = path.join(dir, 'Run_7_16_01_2026_19_35_32_421.toml');
  const text = await renderOutputToString({
    devices: [
      {
        name: 'scope',
        config: { gate_time: 1000 },
        channels: [
          memoryChannel({
            name: 'counts',
            unit: 'V',
            shape: 'single',
            values: [1.5, 2.5],
            timestamps: ['2026-01-16T06:35:32Z', '2026-01-16T06:35:33Z'],
          }),
          memoryChannel({ name: 'trace', unit: 'V', shape: 'multi', rows: [[0.1, 0.2]], timestamps: ['2026-01-16T06:35:32Z'] }),
        ],
      },
    ],
    results: [
      { result_name: 'fit', result_description: 'gaussian fit', result_status: true, result_value: 5.5 },
      { result_name: 'noise', result_description: 'rms', result_status: false },
    ],
    session: {
      uuid: 'b3c1d2e4-0000-4000-8000-000000000001',
      start_time: '2026-01-16T06:35:32.421Z',
      end_time: '2026-01-16T06:36:02.532Z',
      info: { name: 'Jane', email: 'j@lab.org', session_name: 'Run 7 – µ', session_description: 'cool-down' },
      run: { status: 'script-exit', exit_code: 0 },
    },
  });
  // Non-ASCII on purpose: the attachment must come back byte for byte.
  fs.writeFileSync(outputFile, text);
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const JOB: MailJob = { loop: 0, loops: 1, outputFile: '' };
const job = (): MailJob => ({ ...JOB, outputFile });

function mailerData(server: Partial<EmailServerConfig> & { port: number }, retryDelaysMs: number[] = []): MailerData {
  return {
    to: 'jane@lab.org',
    server: { server: '127.0.0.1', security: false, from_address: 'Rex <rex@lab.org>', ...server },
    uuid: 'b3c1d2e4-0000-4000-8000-000000000001',
    retryDelaysMs,
  };
}

async function smtp(options: Parameters<typeof startSmtpServer>[0] = {}): Promise<TestSmtpServer> {
  const server = await startSmtpServer(options);
  onTestFinished(() => server.close());
  return server;
}

/** Runs one job through the queue (retries included) and returns every status it published. */
async function deliver(data: MailerData): Promise<{ statuses: MailStatus[]; logs: string[] }> {
  const statuses: MailStatus[] = [];
  const logs: string[] = [];
  const bodies = new MailBodyCache();
  const queue = new MailQueue({
    send: (j) => sendNotification(data, j, bodies),
    status: (s) => statuses.push(s),
    log: (level, message) => logs.push(`${level}: ${message}`),
    retryDelaysMs: data.retryDelaysMs,
    to: data.to,
  });
  queue.add(job());
  await queue.idle();
  return { statuses, logs };
}

describe('sending a notification', () => {
  it('plain SMTP: from, reply-to, subject, HTML summary, and the output file attached byte for byte', async () => {
    const server = await smtp();
    const { statuses } = await deliver(mailerData({ port: server.port }));
    expect(statuses.map((s) => s.state)).toEqual(['sending', 'sent']);
    expect(statuses[1]!.response).toMatch(/^250 /);
    expect(server.received).toHaveLength(1);
    const received = server.received[0]!;
    expect(received).toMatchObject({ from: 'rex@lab.org', to: ['jane@lab.org'], secure: false });
    const mail = parseMail(received.raw);
    expect(mail.headers.get('subject')).toBe('Rex Notification');
    expect(mail.headers.get('from')).toBe('Rex <rex@lab.org>');
    expect(mail.headers.get('reply-to')).toBe('Rex <rex@lab.org>');
    expect(mail.headers.get('to')).toBe('jane@lab.org');
    expect(mail.headers.get('message-id')).toBe(notificationMessageId('b3c1d2e4-0000-4000-8000-000000000001', 0));

    const html = mail.parts.find((p) => p.contentType === 'text/html');
    expect(html).toBeDefined();
    const body = partText(html!);
    expect(body).toContain('Run 7 – µ');
    expect(body).toContain('completed (exit code 0)');
    expect(body).toContain('1 device, 2 channels');
    expect(body).toContain('2 results: 1 passed, 1 failed.');
    expect(body).toMatch(/fit<\/td>.*PASS/s);
    expect(body).toMatch(/noise<\/td>.*FAIL/s);
    expect(mail.parts.some((p) => p.contentType === 'text/plain' && partText(p).includes('PASS fit = 5.5'))).toBe(true);

    const attachment = mail.parts.find((p) => p.filename !== undefined);
    expect(attachment?.filename).toBe('Run_7_16_01_2026_19_35_32_421.toml');
    expect(attachment!.content.equals(fs.readFileSync(outputFile))).toBe(true);
  });

  it('security = true on a STARTTLS port: TLS first, then AUTH; the test certificate is trusted through tls_ca_file', async () => {
    const server = await smtp({ login: { user: 'rex', pass: 's3cret' }, tls: certificate });
    const { statuses } = await deliver(
      mailerData({ port: server.port, security: true, username: 'rex', password: 's3cret', tls_ca_file: certificate.certFile }),
    );
    expect(statuses.at(-1)?.state).toBe('sent');
    expect(server.received).toHaveLength(1);
    expect(server.received[0]).toMatchObject({ secure: true, user: 'rex' });
    expect(server.logins).toEqual([{ user: 'rex', ok: true }]);
  });

  it('implicit TLS (tls_mode = "implicit", as on port 465) with tls_reject_unauthorized = false', async () => {
    const server = await smtp({ login: { user: 'rex', pass: 's3cret' }, tls: certificate, secure: true });
    const { statuses } = await deliver(
      mailerData({
        port: server.port,
        security: true,
        tls_mode: 'implicit',
        username: 'rex',
        password: 's3cret',
        tls_reject_unauthorized: false,
      }),
    );
    expect(statuses.at(-1)?.state).toBe('sent');
    expect(server.received[0]).toMatchObject({ secure: true, user: 'rex' });
  });

  it('an untrusted certificate fails at once (no retries) and the login is never sent', async () => {
    const server = await smtp({ login: { user: 'rex', pass: 's3cret' }, tls: certificate });
    const { statuses, logs } = await deliver(
      mailerData({ port: server.port, security: true, username: 'rex', password: 's3cret' }, [10, 10]),
    );
    expect(statuses.map((s) => s.state)).toEqual(['sending', 'failed']);
    expect(statuses[1]!.error).toMatch(/certificate/i);
    expect(server.logins).toEqual([]);
    expect(logs.at(-1)).toMatch(/^error: mail to jane@lab.org for .* failed: .*the data is saved/);
  });

  it('a wrong password is reported at once (535 is final), nothing is delivered', async () => {
    const server = await smtp({ login: { user: 'rex', pass: 's3cret' }, tls: certificate });
    const { statuses } = await deliver(
      mailerData({ port: server.port, security: true, username: 'rex', password: 'wrong', tls_ca_file: certificate.certFile }, [10, 10]),
    );
    expect(statuses.map((s) => s.state)).toEqual(['sending', 'failed']);
    expect(statuses[1]!.error).toBe('EAUTH: Invalid login: 535 Invalid username or password');
    expect(server.logins).toEqual([{ user: 'rex', ok: false }]);
    expect(server.received).toHaveLength(0);
  });

  it('a server that is down is retried with the configured waits, then reported', async () => {
    const server = await smtp();
    const port = server.port;
    await server.close();
    const started = Date.now();
    const { statuses, logs } = await deliver(mailerData({ port }, [50, 100]));
    expect(statuses.map((s) => `${s.state}#${s.attempt}`)).toEqual([
      'sending#1',
      'retrying#1',
      'sending#2',
      'retrying#2',
      'sending#3',
      'failed#3',
    ]);
    expect(statuses.at(-1)!.error).toMatch(/ECONNREFUSED/);
    expect(Date.now() - started).toBeGreaterThanOrEqual(150);
    expect(logs.filter((l) => l.startsWith('warn: '))).toHaveLength(2);
    expect(logs.at(-1)).toMatch(/failed after 3 attempts/);
  });

  it('a temporary refusal (451) is retried and the mail arrives once', async () => {
    let answers = 0;
    const server = await smtp({ onMessage: async () => ++answers > 1 });
    const { statuses } = await deliver(mailerData({ port: server.port }, [20]));
    expect(statuses.map((s) => s.state)).toEqual(['sending', 'retrying', 'sending', 'sent']);
    expect(server.dataTransfers).toBe(2);
    expect(server.received).toHaveLength(1);
  });

  it("waits between attempts as long as retryDelaysMs says, on the queue's clock", async () => {
    let answers = 0;
    const server = await smtp({ onMessage: async () => ++answers > 2 });
    const data = mailerData({ port: server.port }, [60_000, 120_000]);
    const clock = new ManualClock();
    const statuses: MailStatus[] = [];
    const queue = new MailQueue({
      send: (j) => sendNotification(data, j),
      status: (s) => statuses.push(s),
      log: () => {},
      retryDelaysMs: data.retryDelaysMs,
      to: data.to,
      clock,
    });
    queue.add(job());
    const attemptsStarted = () => statuses.filter((s) => s.state === 'sending').length;
    for (const [attempt, waitMs] of [
      [1, 60_000],
      [2, 120_000],
    ] as const) {
      await vi.waitFor(() => expect(statuses.at(-1)).toMatchObject({ state: 'retrying', attempt }));
      clock.advance(waitMs - 1);
      await new Promise((resolve) => setImmediate(resolve)); // a retry due now would have started by this turn
      expect(attemptsStarted()).toBe(attempt);
      clock.advance(1);
      await vi.waitFor(() => expect(attemptsStarted()).toBe(attempt + 1));
    }
    await queue.idle();
    expect(statuses.map((s) => s.state)).toEqual(['sending', 'retrying', 'sending', 'retrying', 'sending', 'sent']);
    expect(server.received).toHaveLength(1);
  });

  it('a missing output file fails at once', async () => {
    const server = await smtp();
    const data = mailerData({ port: server.port }, [10]);
    const statuses: MailStatus[] = [];
    const queue = new MailQueue({
      send: (j) => sendNotification(data, j),
      status: (s) => statuses.push(s),
      log: () => {},
      retryDelaysMs: [10],
      to: data.to,
    });
    queue.add({ loop: 0, loops: 1, outputFile: path.join(dir, 'missing.toml') });
    queue.add({ loop: 0, loops: 1, outputFile: path.join(dir, 'missing.toml') }); // the same loop again: ignored
    await queue.idle();
    expect(statuses.map((s) => s.state)).toEqual(['sending', 'failed']);
    expect(statuses[1]!.error).toMatch(/ENOENT/);
    expect(server.received).toHaveLength(0);
  });

  it('the body is made once per job for all its attempts; a failed read is tried again', async () => {
    const bodies = new MailBodyCache();
    const first = bodies.get(job());
    expect(bodies.get(job())).toBe(first);
    expect((await first).html).toContain('Run 7');
    const later = path.join(dir, 'later.toml');
    const laterJob: MailJob = { loop: 1, loops: 2, outputFile: later };
    await expect(bodies.get(laterJob)).rejects.toThrow(/ENOENT/);
    fs.copyFileSync(outputFile, later);
    expect((await bodies.get(laterJob)).html).toContain('2 of 2');
  });
});
