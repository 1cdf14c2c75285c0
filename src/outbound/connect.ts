import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';
import { Agent, buildConnector } from 'undici';
import { OutboundError } from './errors.js';
import { describeAddress, type AddressPolicy } from './guard.js';

/** Resolves a host name to all its addresses; injectable so tests can map names to loopback. */
export type Resolver = (hostname: string) => Promise<readonly LookupAddress[]>;

/** The system resolver (getaddrinfo, honours /etc/hosts), as Node's own connect would use. */
export const systemResolver: Resolver = (hostname) =>
  new Promise((resolve, reject) => {
    dnsLookup(hostname, { all: true, order: 'verbatim' }, (err, addresses) => (err ? reject(err) : resolve(addresses)));
  });

function refusal(ip: string, hostname?: string): OutboundError {
  return new OutboundError('address_refused', '', { address: ip, range: describeAddress(ip), hostname });
}

/**
 * A `lookup` for net/tls.connect that resolves the name and hands back only allowed addresses, so the
 * socket connects to exactly what was checked (no second resolution that DNS rebinding could change).
 */
export function createGuardedLookup(policy: AddressPolicy, resolve: Resolver): LookupFunction {
  return (hostname, options, callback) => {
    resolve(hostname).then(
      (all) => {
        const family = options.family === 'IPv4' ? 4 : options.family === 'IPv6' ? 6 : options.family;
        const candidates = family === 4 || family === 6 ? all.filter((a) => a.family === family) : all;
        if (candidates.length === 0) {
          callback(new OutboundError('dns_failed', '', { hostname, reason: 'no address' }), '');
          return;
        }
        // Refused addresses are dropped rather than failing the whole name: connecting only to the
        // checked ones is as safe, and "localhost" may still reach 127.0.0.1 when ::1 is not allowed.
        const allowed = candidates.filter((a) => policy.isAllowed(a.address, hostname));
        if (allowed.length === 0) callback(refusal(candidates[0].address, hostname), '');
        else if (options.all)
          callback(
            null,
            allowed.map((a) => ({ address: a.address, family: a.family })),
          );
        else callback(null, allowed[0].address, allowed[0].family);
      },
      (err: unknown) => {
        const { code, message } = err as NodeJS.ErrnoException;
        callback(new OutboundError('dns_failed', '', { hostname, reason: code ?? message, cause: err }), '');
      },
    );
  };
}

/** Settings of the guarded agent. */
export interface GuardedAgentOptions {
  connectTimeoutMs: number;
  resolve?: Resolver;
}

/**
 * An undici Agent whose every new connection is checked: names through the guarded lookup, IP
 * literals before connecting (Node skips `lookup` for them), and the peer address once connected.
 */
export function createGuardedAgent(policy: AddressPolicy, options: GuardedAgentOptions): Agent {
  const lookup = createGuardedLookup(policy, options.resolve ?? systemResolver);
  const base = buildConnector({ timeout: options.connectTimeoutMs, lookup });
  const connect: buildConnector.connector = (opts, callback) => {
    if (isIP(opts.hostname) !== 0 && !policy.isAllowed(opts.hostname)) {
      callback(refusal(opts.hostname), null);
      return;
    }
    base(opts, (...args) => {
      const [err, socket] = args;
      if (err !== null) {
        callback(err, null);
        return;
      }
      // Last line of defence: whatever path led here, the peer must be an allowed address.
      const peer = socket.remoteAddress;
      const viaName = isIP(opts.hostname) === 0 ? opts.hostname : undefined;
      if (peer === undefined || !policy.isAllowed(peer, viaName)) {
        socket.destroy();
        callback(refusal(peer ?? opts.hostname, viaName), null);
        return;
      }
      callback(null, socket);
    });
  };
  return new Agent({ connect });
}
