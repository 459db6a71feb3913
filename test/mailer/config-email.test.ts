// The TLS keys rex-daq adds to `[email_server]` (docs/email.md).
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/protocol/config.js';
import { parseConfigWithWarnings } from '../../src/protocol/config-schema.js';

const FILE = '/home/u/.config/rex/config.toml';
const SECURE = '[email_server]\nserver = "s"\nsecurity = true\nusername = "u"\npassword = "p"\n';

describe('[email_server] TLS keys', () => {
  it('are optional and kept as given, without warnings', () => {
    const { config, warnings } = parseConfigWithWarnings(
      `${SECURE}port = 2465\ntls_mode = "implicit"\ntls_ca_file = "lab-ca.pem"\ntls_reject_unauthorized = false\n`,
      FILE,
    );
    expect(warnings).toEqual([]);
    expect(config.email_server).toMatchObject({
      port: 2465,
      tls_mode: 'implicit',
      tls_ca_file: 'lab-ca.pem',
      tls_reject_unauthorized: false,
    });
    expect(parseConfigWithWarnings(SECURE, FILE).config.email_server).not.toHaveProperty('tls_mode');
  });

  it('a wrong value names the key and what was expected', () => {
    let error: unknown;
    try {
      parseConfigWithWarnings(`${SECURE}tls_mode = "ssl"\n`, FILE);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toBe(`${FILE}: email_server.tls_mode: expected "implicit" or "starttls", got "ssl"`);
  });
});
