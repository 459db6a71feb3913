/**
 * One attempt at one notification: summarise the output file (streamed, bounded memory), build
 * the message with the file attached from disk (streamed, never loaded), and hand it to the server.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import nodemailer from 'nodemailer';
import type { MailJob, MailerData } from './messages.js';
import { MAIL_SUBJECT, renderMailBody, type MailBody } from './mail-body.js';
import { baseName, summarizeOutputFile } from './summary.js';
import { smtpOptions } from './transport.js';

export interface SentMail {
  /** The server's final answer, e.g. `250 OK: message queued`. */
  response: string;
  messageId: string;
  rejected: string[];
}

/** An attempt in progress; `abort` drops its connection (a planned stop). */
export interface SendAttempt {
  done: Promise<SentMail>;
  abort(): void;
}

/**
 * Stable per run and loop: a mail resent after a crash carries the same Message-ID, so mail
 * clients that see both show it once.
 */
export function notificationMessageId(uuid: string, loop: number): string {
  return `<rex-${uuid}-loop-${loop + 1}@${os.hostname().replace(/[^A-Za-z0-9.-]/g, '-') || 'rex-daq'}>`;
}

/**
 * The body of the job in hand, made once for all its attempts: summarising a huge file means
 * reading it whole, which a retry should not repeat.
 */
export class MailBodyCache {
  private last: { key: string; body: Promise<MailBody> } | null = null;

  get(job: MailJob): Promise<MailBody> {
    const key = `${job.loop}\0${job.outputFile}`;
    if (this.last?.key !== key) {
      const body = summarizeOutputFile(job.outputFile).then((summary) =>
        renderMailBody(summary, { outputFile: job.outputFile, loop: job.loop, loops: job.loops }),
      );
      // A failed read is not remembered: the next attempt reads again.
      body.catch(() => {
        if (this.last?.body === body) this.last = null;
      });
      this.last = { key, body };
    }
    return this.last.body;
  }
}

export function sendNotification(data: MailerData, job: MailJob, bodies: MailBodyCache = new MailBodyCache()): SendAttempt {
  let transport: nodemailer.Transporter | undefined;
  let aborted = false;
  const done = (async (): Promise<SentMail> => {
    const caPem = data.server.tls_ca_file !== undefined ? await fs.readFile(data.server.tls_ca_file, 'utf8') : undefined;
    const body = await bodies.get(job);
    if (aborted) throw new Error('mail aborted: rex is stopping');
    transport = nodemailer.createTransport(smtpOptions(data.server, caPem));
    try {
      const info = await transport.sendMail({
        from: data.server.from_address,
        replyTo: data.server.from_address,
        to: data.to,
        subject: MAIL_SUBJECT,
        messageId: notificationMessageId(data.uuid, job.loop),
        html: body.html,
        text: body.text,
        attachments: [
          // `path`: nodemailer streams the file while sending; a huge file never sits in memory.
          {
            filename: baseName(job.outputFile),
            path: job.outputFile,
            contentType: 'text/plain; charset=utf-8',
            contentTransferEncoding: 'base64',
          },
        ],
      });
      return {
        response: String(info.response ?? ''),
        messageId: String(info.messageId ?? ''),
        rejected: ((info.rejected as unknown[] | undefined) ?? []).map(String),
      };
    } finally {
      transport.close();
    }
  })();
  return {
    done,
    abort() {
      aborted = true;
      transport?.close();
    },
  };
}
