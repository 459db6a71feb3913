/**
 * `rex run --email` end to end: the real CLI (dist/), a real Python script, a real SMTP server in
 * this process. A mail failure is reported and never touches the data or the exit code.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { PY_FIXTURES, freePort, outputFiles, readToml, runRex, workspace, type RexWorkspace } from '../helpers/rex-cli.js';
import { parseMail, partText } from './helpers/mime.js';
import { hasOpenssl, selfSignedCertificate, startSmtpServer, type TestSmtpServer } from './helpers/smtp.js';

const SCALARS = path.join(PY_FIXTURES, 'scalars.py');
let certificate: { key: string; cert: string; certFile: string };
let certDir: string;

beforeAll(() => {
  if (!hasOpenssl()) throw new Error('these tests need the openssl command to make a certificate (apt-get install openssl)');
  certDir = fs.mkdtempSync(path.join(process.env.TMPDIR ?? '/tmp', 'rex-mail-cert-'));
  certificate = selfSignedCertificate(certDir);
});
afterAll(() => fs.rmSync(certDir, { recursive: true, force: true }));

async function smtp(options: Parameters<typeof startSmtpServer>[0] = {}): Promise<TestSmtpServer> {
  const server = await startSmtpServer(options);
  onTestFinished(() => server.close());
  return server;
}

function plainConfig(ws: RexWorkspace, port: number): void {
  ws.writeConfig(`[email_server]\nserver = "127.0.0.1"\nport = ${port}\nsecurity = false\nfrom_address = "Rex <rex@lab.org>"\n`);
}

async function run(ws: RexWorkspace, args: string[], env: Record<string, string> = {}) {
  return runRex(ws, ['run', SCALARS, '-o', ws.outputDir, '-P', String(await freePort()), ...args], { env });
}

function attachmentOf(raw: Buffer) {
  const part = parseMail(raw).parts.find((p) => p.filename !== undefined);
  if (!part) throw new Error('no attachment');
  return part;
}

describe('rex run --email', () => {
  it('mails each iteration once, after its file is written: summary in HTML, the file attached as on disk', async () => {
    const server = await smtp();
    const ws = workspace();
    plainConfig(ws, server.port);
    const result = await run(ws, ['--email', 'jane@lab.org', '--loops', '2']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('loop 1: mail sent to jane@lab.org');
    expect(result.stdout).toContain('loop 2: mail sent to jane@lab.org');

    const files = outputFiles(ws.outputDir);
    expect(files).toHaveLength(2);
    expect(server.received).toHaveLength(2);
    const byName = new Map(server.received.map((m) => [attachmentOf(m.raw).filename!, m]));
    for (const [index, file] of files.entries()) {
      const mail = byName.get(path.basename(file));
      expect(mail, `a mail for ${path.basename(file)}`).toBeDefined();
      expect(mail!.to).toEqual(['jane@lab.org']);
      const parsed = parseMail(mail!.raw);
      expect(parsed.headers.get('subject')).toBe('Rex Notification');
      expect(parsed.headers.get('reply-to')).toBe('Rex <rex@lab.org>');
      expect(attachmentOf(mail!.raw).content.equals(fs.readFileSync(file))).toBe(true);
      const html = partText(parsed.parts.find((p) => p.contentType === 'text/html')!);
      const toml = readToml(file);
      expect(html).toContain('Rex Notification: Scalars test');
      expect(html).toContain(`${toml.session.run.loop} of 2`);
      expect(html).toContain(toml.session.UUID);
      expect(html).toContain('completed (exit code 0)');
      expect(html).toContain('1 device, 3 channels');
      expect(html).toMatch(/counts<\/td><td[^>]*>dimensionless<\/td><td[^>]*>5 values/);
      expect(html).toContain('1 result: 1 passed, 0 failed.');
      expect(html).toMatch(/mean_counts<\/td>.*PASS/s);
      expect(index).toBeLessThan(2);
    }
  }, 60_000);

  it('a wrong password (AUTH over STARTTLS, CA file relative to the config) is reported; data saved; exit code 0', async () => {
    const server = await smtp({ login: { user: 'rex', pass: 's3cret' }, tls: certificate });
    const ws = workspace();
    fs.mkdirSync(path.join(ws.configHome, 'rex'), { recursive: true });
    fs.copyFileSync(certificate.certFile, path.join(ws.configHome, 'rex', 'lab-ca.pem'));
    ws.writeConfig(
      `[email_server]\nserver = "127.0.0.1"\nport = ${server.port}\nsecurity = true\nusername = "rex"\npassword = "wrong"\n` +
        `tls_ca_file = "lab-ca.pem"\nfrom_address = "rex@lab.org"\n`,
    );
    const result = await run(ws, ['--email', 'jane@lab.org']);
    expect(result.code).toBe(0);
    expect(server.logins).toEqual([{ user: 'rex', ok: false }]);
    expect(server.received).toHaveLength(0);
    expect(result.stderr).toMatch(/ERROR \[mailer\] mail to jane@lab.org for .* failed: .*535/);
    expect(result.stderr).toMatch(/rex: mail to jane@lab.org FAILED: .*535.*\(the data is saved in .*\.toml\)/);
    const [file] = outputFiles(ws.outputDir);
    expect(readToml(file!).device.daq.data.counts.data).toEqual([0.5, 1.5, 2.5, 3.5, 4.5]);
  }, 60_000);

  it('a server that is down: retried, then reported; data saved; exit code 0', async () => {
    const server = await smtp();
    const port = server.port;
    await server.close();
    const ws = workspace();
    plainConfig(ws, port);
    const result = await run(ws, ['--email', 'jane@lab.org'], { REX_MAIL_RETRY_DELAYS_MS: '100,100' });
    expect(result.code).toBe(0);
    expect(result.stderr.match(/WARN .*\[mailer\] mail to jane@lab.org failed \(attempt \d of 3\)/g)).toHaveLength(2);
    expect(result.stderr).toMatch(/rex: mail to jane@lab.org FAILED after 3 attempts: .*ECONNREFUSED/);
    expect(outputFiles(ws.outputDir)).toHaveLength(1);
  }, 60_000);

  it('no [email_server] in the config: said at the start and in the summary; the run goes on', async () => {
    const ws = workspace();
    const result = await run(ws, ['--email', 'jane@lab.org']);
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/WARN .*--email: the config has no \[email_server\] section, so no mail will be sent/);
    expect(result.stderr).toContain('rex: mail: not sent to jane@lab.org: the config has no [email_server] section');
    expect(outputFiles(ws.outputDir)).toHaveLength(1);
  }, 60_000);

  it('a bad address is refused before the script starts', async () => {
    const ws = workspace();
    plainConfig(ws, 25);
    const bad = await run(ws, ['--email', 'jane-at-lab']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--email "jane-at-lab": "jane-at-lab" is not an e-mail address/);
    expect(fs.existsSync(ws.outputDir)).toBe(false);
  }, 60_000);
});
