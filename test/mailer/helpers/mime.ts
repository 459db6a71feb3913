/**
 * Just enough MIME to read back what the mailer sent (tests only): headers, multipart nesting,
 * base64 and quoted-printable bodies.
 */
export interface MimePart {
  headers: Map<string, string>;
  contentType: string;
  /** `filename` of the Content-Disposition (or `name` of the Content-Type). */
  filename?: string;
  content: Buffer;
}

export interface ParsedMail {
  headers: Map<string, string>;
  /** The leaf parts, in order. */
  parts: MimePart[];
}

export function parseMail(raw: Buffer | string): ParsedMail {
  const text = typeof raw === 'string' ? raw : raw.toString('latin1');
  const { headers, body } = splitHeaders(text);
  return { headers, parts: leaves(headers, body) };
}

export function partText(part: MimePart): string {
  return part.content.toString('utf8');
}

function splitHeaders(text: string): { headers: Map<string, string>; body: string } {
  const end = text.search(/\r?\n\r?\n/);
  const head = end === -1 ? text : text.slice(0, end);
  const body = end === -1 ? '' : text.slice(end).replace(/^\r?\n\r?\n/, '');
  const headers = new Map<string, string>();
  for (const line of head.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  return { headers, body };
}

function param(header: string | undefined, name: string): string | undefined {
  const match = header?.match(new RegExp(`${name}\\*?=("([^"]*)"|[^;\\s]+)`, 'i'));
  return match ? (match[2] ?? match[1]) : undefined;
}

function leaves(headers: Map<string, string>, body: string): MimePart[] {
  const contentType = headers.get('content-type') ?? 'text/plain';
  const boundary = param(contentType, 'boundary');
  if (contentType.toLowerCase().startsWith('multipart/') && boundary) {
    const sections = body.split(`--${boundary}`).slice(1);
    const parts: MimePart[] = [];
    for (const section of sections) {
      if (section.startsWith('--')) break;
      const child = splitHeaders(section.replace(/^\r?\n/, ''));
      parts.push(...leaves(child.headers, child.body.replace(/\r?\n$/, '')));
    }
    return parts;
  }
  const encoding = (headers.get('content-transfer-encoding') ?? '7bit').toLowerCase();
  const filename = param(headers.get('content-disposition'), 'filename') ?? param(contentType, 'name');
  return [
    {
      headers,
      contentType: contentType.split(';')[0]!.trim().toLowerCase(),
      ...(filename ? { filename } : {}),
      content: decode(body, encoding),
    },
  ];
}

function decode(body: string, encoding: string): Buffer {
  if (encoding === 'base64') return Buffer.from(body.replace(/\s+/g, ''), 'base64');
  if (encoding === 'quoted-printable') {
    const joined = body.replace(/=\r?\n/g, '');
    const bytes: number[] = [];
    for (let i = 0; i < joined.length; i++) {
      const ch = joined[i]!;
      if (ch === '=' && /^[0-9A-Fa-f]{2}$/.test(joined.slice(i + 1, i + 3))) {
        bytes.push(parseInt(joined.slice(i + 1, i + 3), 16));
        i += 2;
      } else bytes.push(joined.charCodeAt(i) & 0xff);
    }
    return Buffer.from(bytes);
  }
  return Buffer.from(body, 'latin1');
}
