/**
 * A real SMTP server (the `smtp-server` package) in the test process, plus a self-signed
 * certificate made with openssl at test time. Everything a test needs to see what arrived.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { SMTPServer, type SMTPServerOptions, type SMTPServerSession } from 'smtp-server';

export interface ReceivedMail {
  from: string;
  to: string[];
  raw: Buffer;
  /** The connection was TLS (implicit or after STARTTLS). */
  secure: boolean;
  user?: string;
}

export interface TestSmtpServer {
  port: number;
  /** Mails the server accepted (answered 250 to). */
  received: ReceivedMail[];
  /** Every AUTH attempt: user and whether it was accepted. */
  logins: { user: string; ok: boolean }[];
  /** Messages whose data arrived in full, accepted or not. */
  dataTransfers: number;
  close(): Promise<void>;
}

export interface TestSmtpOptions {
  /** Require this login (AUTH PLAIN/LOGIN). Absent: no AUTH at all. */
  login?: { user: string; pass: string };
  /** Offer STARTTLS (or, with `secure`, implicit TLS) with this certificate. */
  tls?: { key: string; cert: string };
  /** Implicit TLS from the first byte (like port 465). */
  secure?: boolean;
  /**
   * Called when a message has fully arrived, before it is answered. Resolve `true` to accept
   * it, `false` to answer 451 (a temporary failure); a test may also hold it to crash the client.
   */
  onMessage?: (mail: ReceivedMail) => Promise<boolean>;
}

export async function startSmtpServer(options: TestSmtpOptions = {}): Promise<TestSmtpServer> {
  const received: ReceivedMail[] = [];
  const logins: { user: string; ok: boolean }[] = [];
  let dataTransfers = 0;
  const serverOptions: SMTPServerOptions = {
    logger: false,
    secure: options.secure ?? false,
    size: 1024 * 1024 * 1024,
    closeTimeout: 1000,
    disabledCommands: [...(options.tls ? [] : ['STARTTLS']), ...(options.login ? [] : ['AUTH'])],
    ...(options.tls ? { key: options.tls.key, cert: options.tls.cert } : {}),
    ...(options.login
      ? {
          authMethods: ['PLAIN', 'LOGIN'],
          onAuth(auth, _session, callback) {
            const ok = auth.username === options.login!.user && auth.password === options.login!.pass;
            logins.push({ user: auth.username ?? '', ok });
            if (ok) callback(null, { user: auth.username });
            else callback(Object.assign(new Error('Invalid username or password'), { responseCode: 535 }));
          },
        }
      : { authOptional: true }),
    onData(stream, session: SMTPServerSession, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        dataTransfers++;
        const mail: ReceivedMail = {
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks),
          secure: session.secure,
          ...(typeof session.user === 'string' ? { user: session.user } : {}),
        };
        const decide = options.onMessage ? options.onMessage(mail) : Promise.resolve(true);
        void decide.then((accept) => {
          if (accept) {
            received.push(mail);
            callback(null, 'OK: queued as test');
          } else callback(Object.assign(new Error('Try again later'), { responseCode: 451 }));
        });
      });
    },
  };
  const server = new SMTPServer(serverOptions);
  server.on('error', () => {}); // a client cut off mid-message is part of some tests
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as AddressInfo).port;
  return {
    port,
    received,
    logins,
    get dataTransfers() {
      return dataTransfers;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** A self-signed certificate for 127.0.0.1 / localhost, made by openssl in `dir`. */
export function selfSignedCertificate(dir: string): { key: string; cert: string; certFile: string } {
  const keyFile = path.join(dir, 'smtp-key.pem');
  const certFile = path.join(dir, 'smtp-cert.pem');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      keyFile,
      '-out',
      certFile,
      '-days',
      '2',
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=IP:127.0.0.1,DNS:localhost',
    ],
    { stdio: 'pipe' },
  );
  return { key: fs.readFileSync(keyFile, 'utf8'), cert: fs.readFileSync(certFile, 'utf8'), certFile };
}

/** openssl is needed to make the certificate (CI installs it; see .ci/run). */
export function hasOpenssl(): boolean {
  try {
    execFileSync('openssl', ['version'], { stdio: 'pipe' });
    return true;
  } catch {
    return false;
  }
}
