import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';
import { OutboundError } from './errors.js';

/** Decides whether an outbound connection may reach an address (invariant 7). */
export interface AddressPolicy {
  /** True when `ip` may be connected to; `hostname` is the name it was resolved from, if any. */
  isAllowed(ip: string, hostname?: string): boolean;
}

type Address = ipaddr.IPv4 | ipaddr.IPv6;
type Cidr = [Address, number];
interface HostEntry {
  name: string;
  subdomains: boolean;
}

// Range names from ipaddr.js, as a user reads them in an error message.
const RANGE_LABELS: Record<string, string> = {
  unspecified: 'unspecified',
  broadcast: 'broadcast',
  multicast: 'multicast',
  linkLocal: 'link-local',
  loopback: 'loopback',
  carrierGradeNat: 'carrier-grade NAT',
  private: 'private',
  uniqueLocal: 'unique-local',
  reserved: 'reserved',
  deprecatedSiteLocal: 'site-local',
  rfc6052: 'NAT64',
  rfc6145: 'IPv4-translated',
  '6to4': '6to4',
  teredo: 'Teredo',
  discard: 'discard-only',
  unicast: 'public',
};

// IPv4-compatible IPv6 (::a.b.c.d, RFC 4291, deprecated) is not in ipaddr.js's table, so ipaddr.js
// would call ::10.0.0.1 "unicast"; some stacks still tunnel it to the embedded IPv4 address.
const IPV4_COMPATIBLE: Cidr = ipaddr.parseCIDR('::/96');
const METADATA = ipaddr.parse('169.254.169.254');
const HOST_NAME = /^[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?(\.[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?)*$/;

/** Parses an IP literal (brackets, zone ids and IPv4-mapped IPv6 allowed) into the address it really names. */
function parseAddress(ip: string): Address | undefined {
  const bare = ip.startsWith('[') && ip.endsWith(']') ? ip.slice(1, -1) : ip;
  // isIP first: ipaddr.js also accepts legacy forms such as "0x7f.1" that are not what a socket reports.
  const family = isIP(bare);
  if (family === 0) return undefined;
  // process() turns ::ffff:127.0.0.1 into 127.0.0.1 so that it is judged as what it reaches.
  return ipaddr.process(family === 6 ? canonicalIPv6(bare) : bare);
}

/**
 * The hex spelling of an IPv6 address, without zone id. ipaddr.js reads any dotted tail as
 * IPv4-mapped ("::10.0.0.1" as ::ffff:a00:1), which is not the address a socket would reach.
 */
function canonicalIPv6(ip: string): string {
  const noZone = ip.split('%')[0];
  return new URL(`http://[${noZone}]/`).hostname.slice(1, -1);
}

/** The range an address belongs to, by the name ipaddr.js gives it (plus `reserved` for ::/96). */
function rangeOf(addr: Address): string {
  if (addr.kind() === 'ipv6' && addr.match(IPV4_COMPATIBLE) && addr.range() === 'unicast') return 'reserved';
  return addr.range();
}

/** A human label for the range of `ip`, e.g. `loopback` or `link-local, cloud metadata`. */
export function describeAddress(ip: string): string {
  const addr = parseAddress(ip);
  if (addr === undefined) return 'not an IP address';
  if (addr.kind() === 'ipv4' && addr.toString() === METADATA.toString()) return 'link-local, cloud metadata';
  const range = rangeOf(addr);
  return RANGE_LABELS[range] ?? range;
}

function normaliseHost(name: string): string {
  return name.trim().toLowerCase().replace(/\.$/, '');
}

function parseCidr(entry: string): Cidr {
  const slash = entry.indexOf('/');
  const ip = entry.slice(0, slash);
  const [addr, bits] = ipaddr.parseCIDR(isIP(ip) === 6 ? `${canonicalIPv6(ip)}${entry.slice(slash)}` : entry);
  // Let "::ffff:10.0.0.0/104" allow 10.0.0.0/8, since addresses are compared after process().
  if (addr.kind() === 'ipv6' && bits >= 96 && (addr as ipaddr.IPv6).isIPv4MappedAddress()) {
    return [(addr as ipaddr.IPv6).toIPv4Address(), bits - 96];
  }
  return [addr, bits];
}

function parseEntry(raw: string): Cidr | HostEntry {
  const entry = raw.trim();
  try {
    if (entry.includes('/')) return parseCidr(entry);
    const addr = parseAddress(entry);
    if (addr !== undefined) return [addr, addr.kind() === 'ipv4' ? 32 : 128];
  } catch (err) {
    throw new TypeError(`invalid VIGIL_ALLOW_NETWORKS entry "${entry}": ${(err as Error).message}`);
  }
  const wildcard = /^\*?\./.exec(entry);
  const name = normaliseHost(wildcard ? entry.slice(wildcard[0].length) : entry);
  // An all-numeric "name" is a mistyped address (300.1.1.1), never a host the operator meant.
  if (!HOST_NAME.test(name) || /^[\d.]+$/.test(name)) {
    throw new TypeError(`invalid VIGIL_ALLOW_NETWORKS entry "${entry}": expected a CIDR (10.0.0.0/8), an IP or a host name (*.example.com)`);
  }
  return { name, subdomains: wildcard !== null };
}

function hostMatches(entry: HostEntry, host: string): boolean {
  return entry.subdomains ? host.endsWith(`.${entry.name}`) : host === entry.name;
}

/**
 * Builds the policy from allow entries: CIDRs, bare IPs, or host names (exact, case-insensitive;
 * a leading `.` or `*.` means any subdomain, not the name itself). Only public unicast addresses
 * are allowed unless an entry matches. Throws a TypeError naming a malformed entry.
 */
export function createAddressPolicy(allow: readonly string[]): AddressPolicy {
  const cidrs: Cidr[] = [];
  const hosts: HostEntry[] = [];
  for (const raw of allow) {
    if (raw.trim() === '') continue;
    const entry = parseEntry(raw);
    if (Array.isArray(entry)) cidrs.push(entry);
    else hosts.push(entry);
  }
  return {
    isAllowed(ip: string, hostname?: string): boolean {
      const addr = parseAddress(ip);
      if (addr === undefined) return false;
      if (cidrs.some(([net, bits]) => net.kind() === addr.kind() && addr.match(net, bits))) return true;
      if (hostname !== undefined && hosts.length > 0) {
        const host = normaliseHost(hostname);
        if (hosts.some((h) => hostMatches(h, host))) return true;
      }
      return rangeOf(addr) === 'unicast';
    },
  };
}

/** Throws OutboundError('scheme_refused') unless `url` is http: or https:. */
export function checkUrlScheme(url: URL): void {
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new OutboundError('scheme_refused', url.href, { scheme: url.protocol });
  }
}

/** Throws OutboundError('address_refused') when `url` names an IP literal the policy refuses; names are checked at connect time. */
export function checkUrlAddress(policy: AddressPolicy, url: URL): void {
  const addr = parseAddress(url.hostname);
  if (addr === undefined) return;
  const ip = addr.toString();
  if (!policy.isAllowed(ip)) {
    throw new OutboundError('address_refused', url.href, { address: ip, range: describeAddress(ip) });
  }
}
