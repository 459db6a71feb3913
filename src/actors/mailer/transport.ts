/**
 * How rex talks to the mail server (SPEC §10), as nodemailer options. Pure: the config in,
 * options out; the caller reads the CA file.
 *
 * - `security = false`: plain SMTP, no login, no TLS at all, as the original
 *   (`SmtpTransport::builder_dangerous`). Not even opportunistic STARTTLS: a lab relay with a
 *   self-signed certificate that worked with the original must keep working.
 * - `security = true`: TLS is required and the login is sent only inside it. Port 465 (the
 *   original's only port) is implicit TLS; any other port uses STARTTLS, which must succeed;
 *   `tls_mode` overrides the choice for servers on unusual ports.
 */
import tls from 'node:tls';
import type SMTPTransport from 'nodemailer/lib/smtp-transport/index.js';
import type { EmailServerConfig } from '../../protocol/config.js';

/** Bounds on one attempt, so a silent server cannot hold the end of the run for long. */
export const SMTP_TIMEOUTS = { connectionTimeout: 15_000, greetingTimeout: 15_000, socketTimeout: 60_000 } as const;

export type TlsMode = 'none' | 'implicit' | 'starttls';

export function tlsModeOf(server: EmailServerConfig): TlsMode {
  if (!server.security) return 'none';
  return server.tls_mode ?? (server.port === 465 ? 'implicit' : 'starttls');
}

/** nodemailer SMTP options for `server`; `caPem` is the content of `tls_ca_file`, when set. */
export function smtpOptions(server: EmailServerConfig, caPem?: string): SMTPTransport.Options {
  const mode = tlsModeOf(server);
  const options: SMTPTransport.Options = {
    host: server.server,
    port: server.port,
    secure: mode === 'implicit',
    requireTLS: mode === 'starttls',
    ignoreTLS: mode === 'none',
    ...SMTP_TIMEOUTS,
  };
  if (mode !== 'none') {
    options.auth = { user: server.username ?? '', pass: server.password ?? '' };
    const tlsOptions: tls.ConnectionOptions = { minVersion: 'TLSv1.2' };
    // A lab CA is trusted in addition to the system's, never instead of it.
    if (caPem !== undefined) tlsOptions.ca = [...tls.rootCertificates, caPem];
    if (server.tls_reject_unauthorized === false) tlsOptions.rejectUnauthorized = false;
    options.tls = tlsOptions;
  }
  return options;
}

/** Node's codes for a certificate that cannot be trusted: retrying does not help. */
const CERTIFICATE_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

const CERTIFICATE_MESSAGE = /certificate|altnames/i;

/**
 * True when trying again cannot help: the server refused for good (5xx: bad login, unknown
 * recipient, message too large), the certificate is not trusted, or the file or config is wrong.
 * Network trouble and 4xx answers ("try again later") are worth another attempt.
 */
export function isPermanentMailError(error: unknown): boolean {
  const e = error as { code?: unknown; responseCode?: unknown; message?: unknown; cause?: unknown } | null;
  if (typeof e?.responseCode === 'number') return e.responseCode >= 500;
  const code = typeof e?.code === 'string' ? e.code : '';
  if (code === 'EAUTH' || code === 'ENOENT' || code === 'EISDIR' || code === 'EACCES' || code === 'ECONFIG') return true;
  if (CERTIFICATE_CODES.has(code)) return true;
  // nodemailer reports a TLS verification failure as ESOCKET, keeping only Node's message.
  if (code === 'ESOCKET' && typeof e?.message === 'string' && CERTIFICATE_MESSAGE.test(e.message)) return true;
  return e?.cause !== undefined && e.cause !== error ? isPermanentMailError(e.cause) : false;
}

/** One line for the log and the summary, e.g. `EAUTH 535 Invalid login: ...`. */
export function describeMailError(error: unknown): string {
  const e = error as { code?: unknown; responseCode?: unknown; message?: unknown } | null;
  const message = typeof e?.message === 'string' ? e.message : String(error);
  const code = typeof e?.code === 'string' && !message.includes(e.code) ? `${e.code}: ` : '';
  return (code + message).replace(/\s+/g, ' ').trim();
}
