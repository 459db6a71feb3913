/** Bus payloads of the mailer actor and its main-thread outbox (listed in src/bus/topics.ts). */
import type { EmailServerConfig } from '../../protocol/config.js';

/** What the run host hands the mailer actor (plain data: it crosses to the worker). */
export interface MailerData {
  /** The `--email` address(es), as given. */
  to: string;
  server: EmailServerConfig;
  /** The run's UUID: part of each mail's Message-ID, so a resent mail is recognisably the same one. */
  uuid: string;
  /** Waits between attempts; one more attempt than entries. */
  retryDelaysMs: number[];
}

/** One mail to send: the output file of one ended iteration. */
export interface MailJob {
  loop: number;
  loops: number;
  outputFile: string;
}

export type MailState = 'sending' | 'retrying' | 'sent' | 'failed';

/** Published by the mailer on every step of a job; the outbox keeps the last one per loop. */
export interface MailStatus {
  loop: number;
  outputFile: string;
  state: MailState;
  /** 1-based attempt this status is about. */
  attempt: number;
  /** Why the attempt failed (retrying, failed). */
  error?: string;
  /** The SMTP server's answer (sent). */
  response?: string;
}

/** Answer to `mail.outbox` (served by the main thread): jobs not yet sent or given up. */
export interface MailOutboxState {
  pending: MailJob[];
}
