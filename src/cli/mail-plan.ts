/**
 * `--email` as the CLI resolves it before anything starts (whether and how the mailer runs), and
 * the mail lines of the exit summary. Pure: the caller passes the config and the environment.
 */
import path from 'node:path';
import addressparser from 'nodemailer/lib/addressparser/index.js';
import type { EmailServerConfig } from '../protocol/config.js';
import type { MailerData } from '../actors/mailer/index.js';
import type { MailReport } from '../host/run/mail-outbox.js';

/** Waits between attempts: three attempts within about 12 s, then the mail is given up. */
export const DEFAULT_RETRY_DELAYS_MS: readonly number[] = [2_000, 10_000];
/** How long the end of the run waits for mail still on its way. */
export const DEFAULT_MAIL_WAIT_MS = 120_000;

export interface MailPlanInput {
  email: string | undefined;
  dryRun: boolean;
  server: EmailServerConfig | undefined;
  /** The config file, for a relative `tls_ca_file`. */
  configPath: string | null | undefined;
  uuid: string;
  /** REX_MAIL_RETRY_DELAYS_MS ("2000,10000"), REX_MAIL_WAIT_MS: tuning and tests. */
  env: NodeJS.ProcessEnv;
}

export interface MailPlan {
  /** Start the mailer with this; absent: no mail in this run. */
  data?: MailerData;
  waitMs: number;
  /** A bad `--email`: refuse the command line before the script starts. */
  usageError?: string;
  /** Log lines for the start of the run. */
  notes: { level: 'info' | 'warn'; message: string }[];
  /** The summary line when no mailer runs (why there is no mail). */
  noMailReason?: string;
}

export function planMail(input: MailPlanInput): MailPlan {
  const waitMs = envMs(input.env.REX_MAIL_WAIT_MS) ?? DEFAULT_MAIL_WAIT_MS;
  if (input.email === undefined) return { waitMs, notes: [] };
  const problem = addressProblem(input.email);
  if (problem) return { waitMs, notes: [], usageError: `--email ${JSON.stringify(input.email)}: ${problem}` };
  if (input.dryRun) {
    return { waitMs, notes: [{ level: 'info', message: '--email is ignored in a dry run: no file is written, so nothing is mailed' }] };
  }
  if (!input.server) {
    const reason = 'the config has no [email_server] section';
    return {
      waitMs,
      notes: [{ level: 'warn', message: `--email: ${reason}, so no mail will be sent (the run goes on)` }],
      noMailReason: reason,
    };
  }
  const server = { ...input.server };
  if (server.tls_ca_file !== undefined && input.configPath) {
    server.tls_ca_file = path.resolve(path.dirname(input.configPath), server.tls_ca_file);
  }
  const retryDelaysMs = envList(input.env.REX_MAIL_RETRY_DELAYS_MS) ?? [...DEFAULT_RETRY_DELAYS_MS];
  const notes: MailPlan['notes'] = [];
  if (server.tls_reject_unauthorized === false) {
    notes.push({ level: 'warn', message: "email_server.tls_reject_unauthorized = false: the mail server's certificate is not checked" });
  }
  return { waitMs, notes, data: { to: input.email, server, uuid: input.uuid, retryDelaysMs } };
}

/** Why `--email` cannot be a recipient list, or null. */
export function addressProblem(email: string): string | null {
  const addresses = addressparser(email, { flatten: true });
  if (addresses.length === 0) return 'expected an e-mail address, e.g. jane@lab.org';
  for (const { address } of addresses) {
    if (!/^[^\s@]+@[^\s@]+$/.test(address)) return `${JSON.stringify(address || email)} is not an e-mail address`;
  }
  return null;
}

/** The exit summary's mail lines. */
export function mailSummaryLines(to: string, plan: MailPlan, reports: MailReport[] | undefined): { stdout: string[]; stderr: string[] } {
  const lines = { stdout: [] as string[], stderr: [] as string[] };
  if (plan.noMailReason) lines.stderr.push(`mail: not sent to ${to}: ${plan.noMailReason}`);
  for (const report of reports ?? []) {
    const prefix = report.loops > 1 ? `loop ${report.loop + 1}: ` : '';
    if (report.state === 'sent') lines.stdout.push(`${prefix}mail sent to ${to}`);
    else if (report.state === 'failed') {
      const tries = report.attempts > 1 ? ` after ${report.attempts} attempts` : '';
      lines.stderr.push(
        `${prefix}mail to ${to} FAILED${tries}: ${report.detail ?? 'unknown error'} (the data is saved in ${report.outputFile})`,
      );
    } else {
      lines.stderr.push(`${prefix}mail to ${to} NOT SENT: rex stopped waiting for it (the data is saved in ${report.outputFile})`);
    }
  }
  return lines;
}

function envMs(text: string | undefined): number | undefined {
  if (text === undefined || text.trim() === '') return undefined;
  const value = Number(text);
  return Number.isFinite(value) && value >= 0 ? value : undefined;
}

function envList(text: string | undefined): number[] | undefined {
  if (text === undefined) return undefined;
  if (text.trim() === '') return [];
  const values = text.split(',').map((part) => Number(part.trim()));
  return values.every((v) => Number.isFinite(v) && v >= 0) ? values : undefined;
}
