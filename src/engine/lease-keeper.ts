import { setMaxListeners } from 'node:events';
import type { FastifyBaseLogger } from 'fastify';

/** How long a lease lasts and how often this process renews the leases it holds. */
export interface LeaseSettings {
  leaseMs: number;
  heartbeatMs: number;
}

/**
 * The heartbeat for a lease: a quarter of it. With the default 12 s lease (VIGIL_LEASE_DURATION),
 * renewed every 3 s, a process that dies (kill -9) holds its work at most 12 s, so another process,
 * or the same one restarted, resumes it within about 13 s (lease plus a poll), while a live process
 * may miss two heartbeats (a stalled event loop, a busy database) before it lets go.
 */
export function leaseSettings(leaseMs: number): LeaseSettings {
  return { leaseMs, heartbeatMs: Math.max(50, Math.floor(leaseMs / 4)) };
}

/** The lease was lost (it ran out, or another worker took the item over); nothing is committed. */
export class LeaseLostError extends Error {}

/** One item this process holds a lease on. */
export interface Held<T> {
  readonly item: T;
  readonly id: string;
  /** Aborted at the timeout, at stop, or when the lease is lost (the reason says which). */
  readonly controller: AbortController;
  /** Set while the result commits: the commit checks the lease itself, so a late loss is not acted on. */
  committing: boolean;
  /** Forgets the item: no more heartbeats for it. */
  drop(): void;
}

/** The heartbeat of one runner: renews the leases of everything it holds, and stops what it lost. */
export interface LeaseKeeper<T> {
  hold(item: T, id: string, sentAt: number): Held<T>;
  start(): void;
  stop(): void;
}

interface Slot<T> extends Held<T> {
  watchdog: NodeJS.Timeout | undefined;
  startedAt: number;
}

/** Stops an item's work because its lease is lost, unless it is already committing or stopped so. */
function loseLease<T>(slot: Slot<T>, message: string): void {
  if (slot.committing || slot.controller.signal.reason instanceof LeaseLostError) return;
  // A timed-out or stopping item holds on to nothing it could still commit either: the loss wins.
  slot.controller.abort(new LeaseLostError(message));
}

/** The kind of item a keeper holds leases on: its name in messages, and how its leases are renewed. */
interface LeaseKind {
  noun: string;
  renew(ids: string[], now: number, leaseUntil: number): Promise<string[]>;
}

interface KeeperDeps {
  clock: () => number;
  log: FastifyBaseLogger;
  lease: LeaseSettings;
  maxHoldMs: number;
}

function lose<T>(kind: LeaseKind, slot: Slot<T>, why: string): void {
  loseLease(slot, `${kind.noun} ${slot.id}: ${why}`);
}

/** (Re-)arms an item's watchdog: it fires one heartbeat before the lease renewed at `sentAt` runs out. */
function arm<T>(kind: LeaseKind, lease: LeaseSettings, slot: Slot<T>, sentAt: number): void {
  clearTimeout(slot.watchdog);
  const left = sentAt + lease.leaseMs - lease.heartbeatMs - Date.now();
  slot.watchdog = setTimeout(() => lose(kind, slot, 'its lease ran out before a heartbeat could renew it'), Math.max(0, left));
}

/** One heartbeat: renews the leases of the live slots, re-arms those still held and stops the lost. */
async function beat<T>(kind: LeaseKind, deps: KeeperDeps, slots: Set<Slot<T>>): Promise<void> {
  const live = [...slots].filter((s) => !(s.controller.signal.reason instanceof LeaseLostError) && Date.now() - s.startedAt < deps.maxHoldMs);
  if (live.length === 0) return;
  const sentAt = Date.now();
  const now = deps.clock();
  let held: Set<string>;
  try {
    held = new Set(await kind.renew([...new Set(live.map((s) => s.id))], now, now + deps.lease.leaseMs));
  } catch (err) {
    // The watchdogs stop the work if renewals keep failing until the leases run out.
    deps.log.warn({ err }, `${kind.noun} leases could not be renewed; retrying at the next heartbeat`);
    return;
  }
  for (const slot of live) {
    if (!slots.has(slot)) continue;
    if (held.has(slot.id)) arm(kind, deps.lease, slot, sentAt);
    else lose(kind, slot, 'another worker holds its lease now');
  }
}

/**
 * Renews held leases every `heartbeatMs` in one statement per kind. Each item also has a watchdog
 * timer, re-armed by every renewal, that aborts it one heartbeat before the store's lease would run
 * out: a process that was frozen (a long GC pause, SIGSTOP) or cut off from its database stops its
 * work before anyone else may claim it. The timers are held and cleared explicitly: an
 * `AbortSignal.timeout()` composed with `AbortSignal.any()` can be garbage-collected before it
 * fires (nodejs/node#57736), which let executions run far past their timeout and leases.
 */
export function createLeaseKeeper<T>(kind: LeaseKind, deps: KeeperDeps): LeaseKeeper<T> {
  const { heartbeatMs } = deps.lease;
  const slots = new Set<Slot<T>>();
  let interval: NodeJS.Timeout | undefined;
  let beating = false;

  return {
    hold(item, id, sentAt) {
      const slot: Slot<T> = {
        item,
        id,
        controller: new AbortController(),
        committing: false,
        watchdog: undefined,
        startedAt: Date.now(),
        drop: () => {
          clearTimeout(slot.watchdog);
          slots.delete(slot);
        },
      };
      // Every request and host-gate wait of the work listens to this signal: thousands are legitimate.
      setMaxListeners(0, slot.controller.signal);
      arm(kind, deps.lease, slot, sentAt);
      slots.add(slot);
      return slot;
    },
    start() {
      interval ??= setInterval(() => {
        if (beating) return;
        beating = true;
        void beat(kind, deps, slots).finally(() => {
          beating = false;
        });
      }, heartbeatMs);
    },
    stop() {
      clearInterval(interval);
      interval = undefined;
    },
  };
}
