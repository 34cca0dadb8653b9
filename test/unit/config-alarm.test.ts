import { expect } from 'chai';
import { ConfigError, loadConfig } from '../../server/src/config/load.js';

describe('config: alarm settings', () => {
  it('has no SMTP server by default and retries deliveries 3 times', () => {
    const c = loadConfig({});
    expect([c.smtpUrl, c.smtpFrom, c.alarmAttempts, c.alarmRetryMs, c.alarmWebhookTimeoutMs]).to.deep.equal([undefined, undefined, 3, 1000, 5000]);
  });

  it('reads the SMTP server and sender', () => {
    const c = loadConfig({ OASIS_SMTP_URL: 'smtps://u:p@mail.example.test:465', OASIS_SMTP_FROM: 'Oasis <oasis@example.test>' });
    expect([c.smtpUrl, c.smtpFrom]).to.deep.equal(['smtps://u:p@mail.example.test:465', 'Oasis <oasis@example.test>']);
  });

  it('refuses a non-SMTP URL, and an SMTP server without a sender', () => {
    expect(() => loadConfig({ OASIS_SMTP_URL: 'http://mail' })).to.throw(ConfigError, /OASIS_SMTP_URL/);
    expect(() => loadConfig({ OASIS_SMTP_URL: 'smtp://mail:25' })).to.throw(ConfigError, /OASIS_SMTP_FROM/);
  });
});
