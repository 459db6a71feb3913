/** Bus payloads of the mailer actor and its main-thread outbox (listed in src/bus/topics.ts). */
import { z } from 'zod';
import type { EmailServerConfig } from '../../protocol/config.js';

/** What the run host hands the mailer actor (workerData, not a bus payload). */
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
export const MailJob = z.object({ loop: z.number(), loops: z.number(), outputFile: z.string() });
export type MailJob = z.infer<typeof MailJob>;

export const MAIL_STATES = ['sending', 'retrying', 'sent', 'failed'] as const;
export type MailState = (typeof MAIL_STATES)[number];

/** Published by the mailer on every step of a job; the outbox keeps the last one per loop. */
export const MailStatus = z.object({
  loop: z.number(),
  outputFile: z.string(),
  state: z.enum(MAIL_STATES),
  /** 1-based attempt this status is about. */
  attempt: z.number(),
  /** Why the attempt failed (retrying, failed). */
  error: z.string().optional(),
  /** The SMTP server's answer (sent). */
  response: z.string().optional(),
});
export type MailStatus = z.infer<typeof MailStatus>;

/** Answer to `mail.outbox` (served by the main thread): jobs not yet sent or given up. */
export const MailOutboxState = z.object({ pending: z.array(MailJob) });
export type MailOutboxState = z.infer<typeof MailOutboxState>;
