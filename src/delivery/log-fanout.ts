// The live fan-out of the event log to stream subscribers (SSE). Each (log, scope) that has
// subscribers — one monitor's events, one evaluation monitor's log, one FindAll run — gets ONE tail
// per process: it reads new rows once and hands them to every subscriber, then sleeps until a hint
// says the scope was appended to (in this process, or in another through PostgreSQL NOTIFY), or a
// slow fallback poll comes round. Hints are never the truth: a tail always reads from its position,
// so a missed hint only delays. A subscriber behind the tail reads its backlog itself, page by page,
// and joins the tail once it has caught up; a subscriber that cannot keep up is dropped (the client
// resumes from the last event it saw), so no socket holds the others back.
import type { HintChannel } from '../store/dialect.js';

/** One entry of a log: its position, strictly increasing within its scope. */
export interface LogRow { readonly seq: number }

/** A log the fan-out can follow: its name (the prefix of its hint topics) and how to read it. */
export interface LogSource<R extends LogRow> {
  readonly name: string;
  /**
   * Entries of `scope` after position `afterSeq`, oldest first, at most `limit`. It must never return
   * a row while a lower position of the scope may still commit (invariant 3): the logs serialise
   * their appends per scope, or a source reads below a visibility watermark.
   */
  read(scope: string, afterSeq: number, limit: number): Promise<R[]>;
}

/** The hint topic of one scope of one log: what an appender notifies after its commit. */
export const logTopic = (log: string, scope: string): string => `${log}:${scope}`;

/** Why a subscription ended without its subscriber closing it. */
export type EndReason = 'stopped' | 'dropped';

/** What a subscriber supplies: where rows go and how it hears of its end. */
export interface LogSink<R> {
  /** Takes the next row (in log order, each once); false when its buffer is full: it is then dropped. */
  push(row: R): boolean;
  /** The fan-out ended the subscription: it stopped, or the subscriber could not keep up. */
  end(reason: EndReason): void;
}

/** A subscriber's handle: close it when its client goes away. */
export interface Subscription { close(): void }

/** Counters, for tests and benchmarks. */
export interface FanoutStats { tails: number; subscribers: number; reads: number }

/** One process's fan-out of its logs to live subscribers. */
export interface LogFanout {
  /** Follows `scope` of `source` from after `afterSeq`: every later row, in order, no gap, no repeat. */
  subscribe<R extends LogRow>(source: LogSource<R>, scope: string, afterSeq: number, sink: LogSink<R>): Subscription;
  start(): void;
  /** Ends every subscription ('stopped') and waits for reads in flight. */
  stop(): Promise<void>;
  stats(): FanoutStats;
}

/** How a fan-out reads and waits. */
export interface FanoutOptions {
  hints: HintChannel;
  /** Rows per read (tail and backlog). */
  page?: number;
  /** The fallback poll: how long a tail sleeps when no hint comes. */
  pollMs?: number;
  onError?: (err: unknown) => void;
}

interface Member<R> { sink: LogSink<R>; position: number; closed: boolean; tail?: Tail<R> }

interface Tail<R> {
  key: string;
  position: number;
  members: Set<Member<R>>;
  /** Set by a hint that came while reading: read again before sleeping. */
  dirty: boolean;
  done: boolean;
  wake?: () => void;
}

/** Creates a fan-out; it listens to `hints` from its first start. */
export function createLogFanout(options: FanoutOptions): LogFanout {
  const page = options.page ?? 500;
  const pollMs = options.pollMs ?? 1000;
  const onError = options.onError ?? (() => {});
  const tails = new Map<string, Tail<LogRow>>();
  const members = new Set<Member<LogRow>>();
  const running = new Set<Promise<void>>();
  let listening = false;
  let stopped = false;
  let reads = 0;

  const wake = (tail: Tail<LogRow>) => { tail.dirty = true; tail.wake?.(); };
  const onHint = (topic: string) => {
    if (topic === '') for (const tail of tails.values()) wake(tail);
    else { const tail = tails.get(topic); if (tail) wake(tail); }
  };
  const track = (work: Promise<void>) => {
    const settled = work.catch(onError).finally(() => running.delete(settled));
    running.add(settled);
  };

  const readRows = async <R extends LogRow>(source: LogSource<R>, scope: string, after: number): Promise<R[] | undefined> => {
    try {
      reads += 1;
      return await source.read(scope, after, page);
    } catch (err) {
      onError(err);
      return undefined;
    }
  };

  /** Ends a member's subscription, told by the fan-out (not by the subscriber). */
  const expel = (member: Member<LogRow>, reason: EndReason) => {
    leave(member);
    member.sink.end(reason);
  };

  /** Hands rows to a member past its position; false when it was dropped. */
  const hand = (member: Member<LogRow>, rows: readonly LogRow[]): boolean => {
    for (const row of rows) {
      if (member.closed) return false;
      if (row.seq <= member.position) continue;
      member.position = row.seq;
      let keeps: boolean;
      try {
        keeps = member.sink.push(row);
      } catch (err) {
        // A subscriber that fails is dropped like a slow one; it must not stop the tail.
        onError(err);
        keeps = false;
      }
      if (!keeps) { expel(member, 'dropped'); return false; }
    }
    return true;
  };

  const leave = (member: Member<LogRow>) => {
    if (member.closed) return;
    member.closed = true;
    members.delete(member);
    const tail = member.tail;
    if (!tail) return;
    tail.members.delete(member);
    if (tail.members.size === 0) {
      // The tail ends now; a subscriber arriving later starts a new one.
      tail.done = true;
      if (tails.get(tail.key) === tail) tails.delete(tail.key);
      tail.wake?.();
    }
  };

  const sleep = (tail: Tail<LogRow>, ms: number) => new Promise<void>((resolve) => {
    const done = () => { clearTimeout(timer); tail.wake = undefined; resolve(); };
    const timer = setTimeout(done, ms);
    tail.wake = done;
  });

  /** The tail's loop: read once for every member, hand the rows out, sleep until woken. */
  const follow = async (source: LogSource<LogRow>, scope: string, tail: Tail<LogRow>) => {
    let failures = 0;
    while (!tail.done) {
      tail.dirty = false;
      const rows = await readRows(source, scope, tail.position);
      if (tail.done) break;
      if (rows === undefined) {
        failures += 1;
        await sleep(tail, Math.min(pollMs * 2 ** failures, 30_000) * (0.5 + Math.random() / 2));
        continue;
      }
      failures = 0;
      if (rows.length > 0) {
        tail.position = rows[rows.length - 1].seq;
        for (const member of [...tail.members]) hand(member, rows);
      }
      if (rows.length === page || tail.dirty) continue;
      await sleep(tail, pollMs);
    }
  };

  const startTail = (source: LogSource<LogRow>, scope: string, key: string, position: number): Tail<LogRow> => {
    const tail: Tail<LogRow> = { key, position, members: new Set(), dirty: false, done: false };
    tails.set(key, tail);
    track(follow(source, scope, tail));
    return tail;
  };

  const join = (tail: Tail<LogRow>, member: Member<LogRow>) => {
    member.tail = tail;
    tail.members.add(member);
  };

  /**
   * A member behind the tail reads its backlog itself, then joins. A short read has seen every row
   * committed before it started, so every row the tail had read by then: the member counts as being
   * at least where the tail was (rows pruned meanwhile cannot hold it back).
   */
  const catchUp = async (source: LogSource<LogRow>, scope: string, key: string, member: Member<LogRow>) => {
    let failures = 0;
    while (!member.closed) {
      const tail = tails.get(key);
      if (!tail) { join(startTail(source, scope, key, member.position), member); return; }
      if (member.position >= tail.position) { join(tail, member); return; }
      const target = tail.position;
      const rows = await readRows(source, scope, member.position);
      if (rows === undefined) {
        failures += 1;
        // Short: stop() waits for this loop.
        await new Promise((resolve) => setTimeout(resolve, Math.min(pollMs * failures, 5_000)));
        continue;
      }
      failures = 0;
      if (!hand(member, rows)) return;
      if (rows.length < page) member.position = Math.max(member.position, target);
    }
  };

  const fanout: LogFanout = {
    subscribe<R extends LogRow>(source: LogSource<R>, scope: string, afterSeq: number, sink: LogSink<R>): Subscription {
      const member = { sink, position: afterSeq, closed: false } as Member<LogRow>;
      if (stopped) {
        member.closed = true;
        queueMicrotask(() => sink.end('stopped'));
        return { close: () => {} };
      }
      fanout.start();
      members.add(member);
      const key = logTopic(source.name, scope);
      const general = source as unknown as LogSource<LogRow>;
      const tail = tails.get(key);
      if (!tail) join(startTail(general, scope, key, afterSeq), member);
      else if (afterSeq >= tail.position) join(tail, member);
      else track(catchUp(general, scope, key, member));
      return { close: () => leave(member) };
    },
    start() {
      stopped = false;
      if (listening) return;
      listening = true;
      options.hints.subscribe((topic) => { if (!stopped) onHint(topic); });
    },
    async stop() {
      stopped = true;
      for (const member of [...members]) expel(member, 'stopped');
      for (const tail of tails.values()) { tail.done = true; tail.wake?.(); }
      tails.clear();
      await Promise.allSettled([...running]);
    },
    stats: () => ({ tails: tails.size, subscribers: members.size, reads }),
  };
  return fanout;
}
