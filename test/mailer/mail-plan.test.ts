// The pure parts of the mailer: body, transport options, error classes, the CLI's mail plan.
import { describe, expect, it } from 'vitest';
import { esc, renderMailBody, runStatusText } from '../../src/actors/mailer/mail-body.js';
import { addressProblem, DEFAULT_RETRY_DELAYS_MS, mailSummaryLines, planMail } from '../../src/cli/mail-plan.js';
import type { FileSummary } from '../../src/actors/mailer/summary.js';
import { isPermanentMailError, smtpOptions, tlsModeOf } from '../../src/actors/mailer/transport.js';
import type { EmailServerConfig } from '../../src/protocol/config.js';

const SUMMARY: FileSummary = {
  fileName: 'Run_7.toml',
  fileBytes: 2048,
  session: {
    uuid: 'u-1',
    startTime: '2026-01-16T06:35:32.421Z',
    endTime: '2026-01-16T06:36:02.532Z',
    name: 'Jane',
    email: 'j@lab.org',
    sessionName: 'Run <7>',
    description: 'cool & down',
  },
  run: { status: 'script-exit', exitCode: 0, script: '/lab/run.py' },
  devices: [
    {
      name: 'scope',
      channels: [
        { name: 'counts', unit: 'V', shape: 'single', count: 3 },
        { name: 'trace', unit: 'V', shape: 'multi', count: 1 },
      ],
    },
    { name: 'idle', channels: [] },
  ],
  results: [
    { name: 'fit', description: 'gaussian', passed: true, value: 5.5, lowerBound: 0, upperBound: 10 },
    { name: 'noise', description: '<b>rms</b>', passed: false },
  ],
  skipped: [],
};

const PLAIN: EmailServerConfig = { server: 'smtp.lab.org', security: false, port: 25, from_address: 'Rex <rex@lab.org>' };
const SECURE: EmailServerConfig = { ...PLAIN, security: true, port: 587, username: 'u', password: 'p' };

describe('the mail body', () => {
  it('summarises session, status, devices and channels, and results with pass/fail', () => {
    const { html, text } = renderMailBody(SUMMARY, { outputFile: '/data/Run_7.toml', loop: 1, loops: 3 });
    expect(html).toContain('Rex Notification: Run &lt;7&gt;');
    expect(html).toContain('cool &amp; down');
    expect(html).toContain('completed (exit code 0)');
    expect(html).toContain('2 of 3');
    expect(html).toContain('2 devices, 2 channels');
    expect(html).toContain('2 results: 1 passed, 1 failed.');
    expect(html).toMatch(/fit<\/td>.*PASS/s);
    expect(html).toMatch(/noise<\/td>.*FAIL/s);
    // Script-supplied text is never markup.
    expect(html).toContain('&lt;b&gt;rms&lt;/b&gt;');
    expect(html).not.toContain('<b>rms</b>');
    expect(html).toContain('/data/Run_7.toml (2.0 KiB, attached)');
    expect(text).toContain('PASS fit = 5.5 [0, 10]');
    expect(text).toContain('FAIL noise');
    expect(text).toContain('scope / counts (V): 3 values');
    expect(text).toContain('scope / trace (V): 1 trace');
  });

  it('names every way a run can end', () => {
    expect(runStatusText({ status: 'script-exit', exitCode: 2 })).toBe('script failed (exit code 2)');
    expect(runStatusText({ status: 'kill-command', exitCode: 0 })).toBe('ended by a KILL command (exit code 0)');
    expect(runStatusText({ status: 'interrupted', exitSignal: 'SIGTERM' })).toBe('interrupted (signal SIGTERM)');
    expect(runStatusText({ status: 'validation-failed', validationError: 'sample_id missing' })).toBe(
      'session validation failed: sample_id missing (data kept)',
    );
    expect(runStatusText({ status: 'fatal' })).toBe('stopped by a failure inside rex (data kept)');
    expect(runStatusText({})).toBe('unknown');
  });

  it('escapes the five HTML characters', () => {
    expect(esc(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
  });
});

describe('transport options', () => {
  it('security = false: plain SMTP, no login, never TLS (as the original)', () => {
    const options = smtpOptions(PLAIN);
    expect(options).toMatchObject({ host: 'smtp.lab.org', port: 25, secure: false, ignoreTLS: true, requireTLS: false });
    expect(options.auth).toBeUndefined();
  });

  it('security = true: 465 is implicit TLS, 587 and others STARTTLS (required); tls_mode overrides', () => {
    expect(tlsModeOf({ ...SECURE, port: 465 })).toBe('implicit');
    expect(tlsModeOf(SECURE)).toBe('starttls');
    expect(tlsModeOf({ ...SECURE, port: 2525 })).toBe('starttls');
    expect(tlsModeOf({ ...SECURE, port: 2465, tls_mode: 'implicit' })).toBe('implicit');
    expect(smtpOptions({ ...SECURE, port: 465 })).toMatchObject({
      secure: true,
      requireTLS: false,
      ignoreTLS: false,
      auth: { user: 'u', pass: 'p' },
    });
    expect(smtpOptions(SECURE)).toMatchObject({ secure: false, requireTLS: true, ignoreTLS: false, auth: { user: 'u', pass: 'p' } });
  });

  it('a CA file is trusted in addition to the system CAs; verification can be switched off', () => {
    const withCa = smtpOptions(SECURE, 'PEM');
    expect(withCa.tls?.ca).toContain('PEM');
    expect((withCa.tls?.ca as string[] | undefined)?.length).toBeGreaterThan(1);
    expect(withCa.tls?.rejectUnauthorized).toBeUndefined();
    expect(smtpOptions({ ...SECURE, tls_reject_unauthorized: false }).tls?.rejectUnauthorized).toBe(false);
  });

  it('gives up at once only when retrying cannot help', () => {
    expect(isPermanentMailError(Object.assign(new Error('Invalid login'), { code: 'EAUTH', responseCode: 535 }))).toBe(true);
    expect(isPermanentMailError(Object.assign(new Error('no such user'), { code: 'EENVELOPE', responseCode: 550 }))).toBe(true);
    expect(isPermanentMailError(Object.assign(new Error('self-signed'), { code: 'DEPTH_ZERO_SELF_SIGNED_CERT' }))).toBe(true);
    expect(isPermanentMailError(Object.assign(new Error('no file'), { code: 'ENOENT' }))).toBe(true);
    expect(isPermanentMailError(Object.assign(new Error('try later'), { code: 'EMESSAGE', responseCode: 451 }))).toBe(false);
    expect(isPermanentMailError(Object.assign(new Error('refused'), { code: 'ESOCKET' }))).toBe(false);
    expect(isPermanentMailError(Object.assign(new Error('self-signed certificate'), { code: 'ESOCKET' }))).toBe(true);
    expect(isPermanentMailError(Object.assign(new Error("Hostname/IP does not match certificate's altnames"), { code: 'ESOCKET' }))).toBe(
      true,
    );
    expect(isPermanentMailError(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' }))).toBe(false);
  });
});

describe('planMail', () => {
  const base = { dryRun: false, server: SECURE, configPath: '/home/u/.config/rex/config.toml', uuid: 'u-1', env: {} };

  it('no --email: no mailer', () => {
    expect(planMail({ ...base, email: undefined }).data).toBeUndefined();
  });

  it('--email with a server: the mailer gets the address, the server and the retry schedule', () => {
    const plan = planMail({ ...base, email: 'jane@lab.org' });
    expect(plan.data).toEqual({ to: 'jane@lab.org', server: SECURE, uuid: 'u-1', retryDelaysMs: [...DEFAULT_RETRY_DELAYS_MS] });
    expect(plan.waitMs).toBe(120_000);
  });

  it('a relative tls_ca_file is relative to the config file; env knobs tune retries and the wait', () => {
    const plan = planMail({
      ...base,
      email: 'jane@lab.org',
      server: { ...SECURE, tls_ca_file: 'ca.pem' },
      env: { REX_MAIL_RETRY_DELAYS_MS: '10, 20', REX_MAIL_WAIT_MS: '500' },
    });
    expect(plan.data?.server.tls_ca_file).toBe('/home/u/.config/rex/ca.pem');
    expect(plan.data?.retryDelaysMs).toEqual([10, 20]);
    expect(plan.waitMs).toBe(500);
  });

  it('a bad address is a usage error before anything starts', () => {
    expect(planMail({ ...base, email: 'not-an-address' }).usageError).toMatch(/is not an e-mail address/);
    expect(planMail({ ...base, email: '' }).usageError).toMatch(/expected an e-mail address/);
    expect(addressProblem('Jane <jane@lab.org>, bob@lab.org')).toBeNull();
  });

  it('dry run: no mailer, said once; no [email_server]: no mailer, said at the start and in the summary', () => {
    const dry = planMail({ ...base, email: 'jane@lab.org', dryRun: true });
    expect(dry.data).toBeUndefined();
    expect(dry.notes[0]?.message).toMatch(/ignored in a dry run/);
    const none = planMail({ ...base, email: 'jane@lab.org', server: undefined });
    expect(none.data).toBeUndefined();
    expect(none.notes[0]).toMatchObject({ level: 'warn' });
    expect(mailSummaryLines('jane@lab.org', none, undefined).stderr).toEqual([
      'mail: not sent to jane@lab.org: the config has no [email_server] section',
    ]);
  });

  it('summary lines: sent on stdout; failed and unsent on stderr, saying the data is saved', () => {
    const plan = planMail({ ...base, email: 'jane@lab.org' });
    const lines = mailSummaryLines('jane@lab.org', plan, [
      { loop: 0, loops: 3, outputFile: '/d/a.toml', state: 'sent', attempts: 1, detail: '250 OK' },
      { loop: 1, loops: 3, outputFile: '/d/b.toml', state: 'failed', attempts: 3, detail: 'ESOCKET: connect ECONNREFUSED' },
      { loop: 2, loops: 3, outputFile: '/d/c.toml', state: 'unsent', attempts: 1 },
    ]);
    expect(lines.stdout).toEqual(['loop 1: mail sent to jane@lab.org']);
    expect(lines.stderr).toEqual([
      'loop 2: mail to jane@lab.org FAILED after 3 attempts: ESOCKET: connect ECONNREFUSED (the data is saved in /d/b.toml)',
      'loop 3: mail to jane@lab.org NOT SENT: rex stopped waiting for it (the data is saved in /d/c.toml)',
    ]);
  });
});
