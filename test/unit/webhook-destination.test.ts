import { expect } from 'chai';
import { WebhookDestinationPolicy } from '../../server/src/results/alarms/webhook-destination.js';

/** [address, range it is denied as, or null when a webhook may reach it by default] */
const TABLE: [string, string | null][] = [
  // IPv4 loopback, private (RFC 1918), CGNAT, link-local (cloud metadata), unspecified
  ['127.0.0.1', 'loopback'],
  ['127.255.255.254', 'loopback'],
  ['10.0.0.1', 'private'],
  ['172.16.0.1', 'private'],
  ['172.31.255.255', 'private'],
  ['192.168.1.1', 'private'],
  ['100.64.0.1', 'carrier-grade NAT'],
  ['100.127.255.255', 'carrier-grade NAT'],
  ['169.254.169.254', 'link-local'],
  ['0.0.0.0', 'unspecified'],
  ['0.1.2.3', 'unspecified'],
  // broadcast, multicast, reserved and documentation ranges
  ['255.255.255.255', 'broadcast'],
  ['224.0.0.1', 'multicast'],
  ['239.255.255.250', 'multicast'],
  ['240.0.0.1', 'reserved'],
  ['192.0.2.1', 'reserved'],
  ['198.18.0.1', 'reserved'],
  ['192.0.0.8', 'reserved'],
  // IPv6
  ['::1', 'loopback'],
  ['::', 'unspecified'],
  ['fe80::1', 'link-local'],
  ['fe80::1%eth0', 'link-local'],
  ['fc00::1', 'unique-local'],
  ['fd12:3456::1', 'unique-local'],
  ['ff02::1', 'multicast'],
  ['fec0::1', 'reserved'],
  ['2001:db8::1', 'reserved'],
  ['2001::1', 'reserved'], // Teredo: the IPv4 it tunnels to is obfuscated
  // IPv6 forms that carry an IPv4 address are judged by that address
  ['::ffff:127.0.0.1', 'loopback'],
  ['::ffff:7f00:1', 'loopback'],
  ['::ffff:10.0.0.1', 'private'],
  ['::ffff:169.254.169.254', 'link-local'],
  ['::ffff:0.0.0.0', 'unspecified'],
  ['::127.0.0.1', 'loopback'], // IPv4-compatible (deprecated)
  ['::7f00:1', 'loopback'],
  ['::ffff:0:127.0.0.1', 'loopback'], // RFC 6145 translated
  ['64:ff9b::127.0.0.1', 'loopback'], // NAT64 well-known prefix
  ['64:ff9b::a9fe:a9fe', 'link-local'],
  ['64:ff9b:1::1', 'reserved'], // local-use NAT64 prefix
  ['2002:7f00:1::', 'loopback'], // 6to4 of 127.0.0.1
  ['2002:c0a8:101::1', 'private'], // 6to4 of 192.168.1.1
  // public unicast: allowed
  ['8.8.8.8', null],
  ['1.1.1.1', null],
  ['93.184.216.34', null],
  ['172.32.0.1', null], // just past 172.16.0.0/12
  ['100.128.0.1', null], // just past 100.64.0.0/10
  ['11.0.0.1', null],
  ['2606:4700:4700::1111', null],
  ['::ffff:8.8.8.8', null],
  ['64:ff9b::808:808', null],
  ['2002:808:808::1', null],
];

describe('webhook destination policy', () => {
  describe('by default', () => {
    const policy = new WebhookDestinationPolicy([]);
    for (const [address, range] of TABLE) {
      it(`${range === null ? 'allows' : `denies as ${range}`} ${address}`, () => {
        const verdict = policy.judge(address);
        if (range === null) expect(verdict).to.deep.equal({ allowed: true });
        else expect(verdict).to.deep.equal({ allowed: false, range });
      });
    }

    it('denies what is not an IP address at all', () => {
      expect(policy.judge('example.com')).to.deep.equal({ allowed: false, range: 'invalid' });
      expect(policy.judge('')).to.deep.equal({ allowed: false, range: 'invalid' });
    });

    it('allows no host name', () => {
      expect(policy.allowsHost('localhost')).to.equal(false);
      expect(policy.allowsHost('hooks.internal')).to.equal(false);
    });

    it('explains a refusal with the destination, the range and the setting that opens it', () => {
      expect(policy.refusal('127.0.0.1', 'loopback').message).to.equal(
        'webhook destination 127.0.0.1 is not allowed (loopback address); see OASIS_WEBHOOK_ALLOW',
      );
    });
  });

  describe('OASIS_WEBHOOK_ALLOW', () => {
    it('a CIDR opens the addresses inside it, also in their IPv4-mapped form, and nothing else', () => {
      const policy = new WebhookDestinationPolicy(['127.0.0.0/8']);
      expect(policy.judge('127.0.0.1').allowed).to.equal(true);
      expect(policy.judge('127.3.2.1').allowed).to.equal(true);
      expect(policy.judge('::ffff:127.0.0.1').allowed).to.equal(true);
      expect(policy.judge('::1')).to.deep.equal({ allowed: false, range: 'loopback' });
      expect(policy.judge('10.0.0.1')).to.deep.equal({ allowed: false, range: 'private' });
    });

    it('opens a private network, an IPv6 range and single addresses', () => {
      const policy = new WebhookDestinationPolicy(['10.20.0.0/16', 'fd00::/8', '169.254.169.254', '[::1]']);
      expect(policy.judge('10.20.3.4').allowed).to.equal(true);
      expect(policy.judge('10.21.0.1')).to.deep.equal({ allowed: false, range: 'private' });
      expect(policy.judge('fd00::5').allowed).to.equal(true);
      expect(policy.judge('fc00::5')).to.deep.equal({ allowed: false, range: 'unique-local' }); // fc00::/7 but not fd00::/8
      expect(policy.judge('169.254.169.254').allowed).to.equal(true);
      expect(policy.judge('169.254.169.253')).to.deep.equal({ allowed: false, range: 'link-local' });
      expect(policy.judge('::1').allowed).to.equal(true);
      expect(policy.judge('127.0.0.1')).to.deep.equal({ allowed: false, range: 'loopback' });
    });

    it('reads an address written the way a URL may write it (0x7f.1 is 127.0.0.1)', () => {
      const policy = new WebhookDestinationPolicy(['0x7f.1']);
      expect(policy.judge('127.0.0.1').allowed).to.equal(true);
      expect(policy.judge('127.0.0.2').allowed).to.equal(false);
    });

    it('a host name opens that host only, case and a final dot aside; it opens no address', () => {
      const policy = new WebhookDestinationPolicy(['Hooks.Internal', 'localhost.']);
      expect(policy.allowsHost('hooks.internal')).to.equal(true);
      expect(policy.allowsHost('hooks.internal.')).to.equal(true);
      expect(policy.allowsHost('localhost')).to.equal(true);
      expect(policy.allowsHost('sub.hooks.internal')).to.equal(false);
      expect(policy.allowsHost('evilhooks.internal')).to.equal(false);
      expect(policy.judge('127.0.0.1')).to.deep.equal({ allowed: false, range: 'loopback' });
    });

    it('refuses bad entries, all of them in one error', () => {
      const bad = ['10.0.0.0/33', '*.example.com', 'http://hooks/', 'a b', '1.2.3.4/8x', 'host:8080'];
      let error: Error | undefined;
      try {
        new WebhookDestinationPolicy(['10.0.0.0/8', ...bad]);
      } catch (err) {
        error = err as Error;
      }
      expect(error?.message).to.include('OASIS_WEBHOOK_ALLOW');
      for (const entry of bad) expect(error?.message).to.include(JSON.stringify(entry));
      expect(error?.message).not.to.include('"10.0.0.0/8"');
    });
  });
});
