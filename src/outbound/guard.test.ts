// Pure decisions only: nothing here opens a socket, so addresses beyond loopback may appear freely.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { OutboundError } from './errors.js';
import { checkUrlAddress, checkUrlScheme, createAddressPolicy, describeAddress } from './guard.js';

const REFUSED_BY_DEFAULT = [
  '127.0.0.1',
  '127.255.255.254', // loopback
  '10.0.0.1',
  '172.16.0.1',
  '172.31.255.255',
  '192.168.1.1', // private
  '169.254.169.254',
  '169.254.0.1', // link-local, metadata
  '100.64.0.1',
  '100.127.255.254', // CGNAT
  '0.0.0.0',
  '0.1.2.3',
  '255.255.255.255',
  '224.0.0.1',
  '239.255.255.250', // unspecified, broadcast, multicast
  '240.0.0.1',
  '192.0.2.1',
  '198.51.100.7',
  '203.0.113.9',
  '198.18.0.1',
  '192.0.0.8', // reserved
  '::1',
  '::',
  'fe80::1',
  'febf::1',
  'fc00::1',
  'fd12:3456::1',
  'ff02::1',
  'fec0::1',
  '2001:db8::1',
  '::ffff:127.0.0.1',
  '::ffff:10.0.0.1',
  '::ffff:169.254.169.254',
  '::ffff:7f00:1',
  '::ffff:0.0.0.0',
  '::10.0.0.1',
  '::127.0.0.1', // IPv4-compatible, deprecated
  '64:ff9b::a00:1',
  '2002:a00:1::1',
  '2001:0:a00:1::1', // NAT64, 6to4, Teredo wrapping other hosts
  'fe80::1%eth0',
];

const ALLOWED_BY_DEFAULT = [
  '8.8.8.8',
  '1.1.1.1',
  '93.184.216.34',
  '11.0.0.1',
  '172.15.255.255',
  '172.32.0.1',
  '100.63.255.255',
  '100.128.0.1',
  '169.253.255.255',
  '192.169.0.1',
  '223.255.255.254',
  '2606:4700:4700::1111',
  '2a00:1450:4001::200e',
  '::ffff:8.8.8.8',
];

describe('createAddressPolicy with no allow entries', () => {
  const policy = createAddressPolicy([]);

  for (const ip of REFUSED_BY_DEFAULT) {
    it(`refuses ${ip}`, () => assert.equal(policy.isAllowed(ip), false));
  }
  for (const ip of ALLOWED_BY_DEFAULT) {
    it(`allows public ${ip}`, () => assert.equal(policy.isAllowed(ip), true));
  }

  it('refuses what is not an IP address, including legacy IPv4 spellings', () => {
    for (const ip of ['', 'localhost', 'example.com', '0x7f.1', '2130706433', '127.1', '1.2.3.4.5', '[::1']) {
      assert.equal(policy.isAllowed(ip), false, ip);
    }
  });

  it('accepts a bracketed IPv6 literal as URLs spell it', () => {
    assert.equal(policy.isAllowed('[::1]'), false);
    assert.equal(policy.isAllowed('[2606:4700:4700::1111]'), true);
  });

  it('is not swayed by a host name that no entry names', () => {
    assert.equal(policy.isAllowed('127.0.0.1', 'localhost'), false);
    assert.equal(policy.isAllowed('8.8.8.8', 'dns.google'), true);
  });
});

describe('createAddressPolicy with CIDR and IP entries', () => {
  it('allows an IPv4 CIDR, in IPv4 and IPv4-mapped IPv6 form, and nothing beside it', () => {
    const policy = createAddressPolicy(['127.0.0.0/8']);
    assert.equal(policy.isAllowed('127.0.0.1'), true);
    assert.equal(policy.isAllowed('127.255.255.254'), true);
    assert.equal(policy.isAllowed('::ffff:127.0.0.1'), true);
    assert.equal(policy.isAllowed('::1'), false);
    assert.equal(policy.isAllowed('10.0.0.1'), false);
    assert.equal(policy.isAllowed('169.254.169.254'), false);
  });

  it('allows an IPv6 CIDR without allowing IPv4 loopback', () => {
    const policy = createAddressPolicy(['::1/128']);
    assert.equal(policy.isAllowed('::1'), true);
    assert.equal(policy.isAllowed('127.0.0.1'), false);
  });

  it('allows a bare IP exactly', () => {
    const policy = createAddressPolicy(['10.1.2.3', 'fd00::5']);
    assert.equal(policy.isAllowed('10.1.2.3'), true);
    assert.equal(policy.isAllowed('::ffff:10.1.2.3'), true);
    assert.equal(policy.isAllowed('10.1.2.4'), false);
    assert.equal(policy.isAllowed('fd00::5'), true);
    assert.equal(policy.isAllowed('fd00::6'), false);
  });

  it('reads an IPv4-mapped IPv6 CIDR as the IPv4 range it maps', () => {
    const policy = createAddressPolicy(['::ffff:10.0.0.0/104']);
    assert.equal(policy.isAllowed('10.2.3.4'), true);
    assert.equal(policy.isAllowed('11.2.3.4'), true); // public anyway
    assert.equal(policy.isAllowed('192.168.0.1'), false);
  });

  it('ignores blank entries and tolerates spaces around entries', () => {
    const policy = createAddressPolicy(['', '  ', ' 192.168.0.0/16 ']);
    assert.equal(policy.isAllowed('192.168.4.4'), true);
    assert.equal(policy.isAllowed('10.0.0.1'), false);
  });

  it('rejects malformed entries with a message naming them', () => {
    for (const entry of ['10.0.0.0/33', '300.1.1.1/8', '::1/129', '300.1.1.1', 'bad host!', 'a..b', '*.']) {
      assert.throws(
        () => createAddressPolicy([entry]),
        (err: unknown) => {
          assert.ok(err instanceof TypeError);
          assert.match(err.message, /VIGIL_ALLOW_NETWORKS/);
          assert.ok(err.message.includes(`"${entry}"`), err.message);
          return true;
        },
      );
    }
  });
});

describe('createAddressPolicy with host name entries', () => {
  it('matches an exact name case-insensitively, with or without a trailing dot', () => {
    const policy = createAddressPolicy(['Feeds.Internal']);
    assert.equal(policy.isAllowed('10.0.0.5', 'feeds.internal'), true);
    assert.equal(policy.isAllowed('10.0.0.5', 'FEEDS.INTERNAL.'), true);
    assert.equal(policy.isAllowed('10.0.0.5', 'x.feeds.internal'), false);
    assert.equal(policy.isAllowed('10.0.0.5', 'feeds.internal.evil.test'), false);
    assert.equal(policy.isAllowed('10.0.0.5'), false);
  });

  for (const entry of ['*.corp.example', '.corp.example']) {
    it(`treats ${entry} as any subdomain, not the name itself`, () => {
      const policy = createAddressPolicy([entry]);
      assert.equal(policy.isAllowed('10.0.0.5', 'a.corp.example'), true);
      assert.equal(policy.isAllowed('10.0.0.5', 'a.b.CORP.example'), true);
      assert.equal(policy.isAllowed('10.0.0.5', 'corp.example'), false);
      assert.equal(policy.isAllowed('10.0.0.5', 'evilcorp.example'), false);
    });
  }

  it('never lets a name entry allow an address reached without that name', () => {
    const policy = createAddressPolicy(['localhost']);
    assert.equal(policy.isAllowed('127.0.0.1', 'localhost'), true);
    assert.equal(policy.isAllowed('127.0.0.1'), false);
    assert.equal(policy.isAllowed('127.0.0.1', '127.0.0.1'), false);
  });
});

describe('describeAddress', () => {
  it('names ranges the way an error message should', () => {
    assert.equal(describeAddress('127.0.0.1'), 'loopback');
    assert.equal(describeAddress('::ffff:127.0.0.1'), 'loopback');
    assert.equal(describeAddress('10.0.0.1'), 'private');
    assert.equal(describeAddress('169.254.169.254'), 'link-local, cloud metadata');
    assert.equal(describeAddress('fe80::1'), 'link-local');
    assert.equal(describeAddress('fd00::1'), 'unique-local');
    assert.equal(describeAddress('100.64.0.1'), 'carrier-grade NAT');
    assert.equal(describeAddress('::10.0.0.1'), 'reserved');
    assert.equal(describeAddress('8.8.8.8'), 'public');
  });
});

describe('checkUrlScheme', () => {
  it('accepts http and https', () => {
    checkUrlScheme(new URL('http://example.com/'));
    checkUrlScheme(new URL('HTTPS://example.com/'));
  });

  for (const url of ['file:///etc/passwd', 'ftp://example.com/', 'gopher://example.com/', 'data:text/plain,hi', 'javascript:alert(1)', 'ws://example.com/']) {
    it(`refuses ${url}`, () => {
      assert.throws(
        () => checkUrlScheme(new URL(url)),
        (err: unknown) => {
          assert.ok(err instanceof OutboundError);
          assert.equal(err.code, 'scheme_refused');
          assert.equal(err.url, new URL(url).href);
          assert.match(err.message, /only http: and https:/);
          return true;
        },
      );
    });
  }
});

describe('checkUrlAddress', () => {
  const policy = createAddressPolicy([]);

  it('refuses IP-literal hosts the policy refuses, naming the address as reached', () => {
    for (const [url, ip] of [
      ['http://127.0.0.1:8080/feed', '127.0.0.1'],
      ['http://[::1]/', '::1'],
      ['http://[::ffff:127.0.0.1]/', '127.0.0.1'],
      ['http://0x7f.1/', '127.0.0.1'], // WHATWG URL normalises legacy forms before we see them
      ['http://2852039166/latest/meta-data/', '169.254.169.254'],
    ]) {
      assert.throws(
        () => checkUrlAddress(policy, new URL(url)),
        (err: unknown) => {
          assert.ok(err instanceof OutboundError);
          assert.equal(err.code, 'address_refused');
          assert.ok(err.message.startsWith(`refused to connect to ${ip} (`), err.message);
          assert.match(err.message, /VIGIL_ALLOW_NETWORKS/);
          return true;
        },
      );
    }
  });

  it('leaves names to the connect-time check and lets public literals through', () => {
    checkUrlAddress(policy, new URL('http://localhost/'));
    checkUrlAddress(policy, new URL('http://8.8.8.8/'));
    checkUrlAddress(policy, new URL('http://[2606:4700:4700::1111]/'));
  });
});
