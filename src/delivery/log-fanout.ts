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
export interface LogRow {
  readonly seq: number;
}

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
  /**
   * Resolves when the subscriber has taken what it was handed. A backlog is replayed a page at a
   * time, each after the last has drained: a client resuming from far back is paced, not dropped.
   */
  drained?(): Promise<void>;
}

/** A subscriber's handle: close it when its client goes away. */
export interface Subscription {
  close(): void;
}

/** Counters, for tests and benchmarks. */
export interface FanoutStats {
  tails: number;
  subscribers: number;
  /** Subscribers that have caught up and follow a tail (the others are replaying their backlog). */
  following: number;
  reads: number;
}

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

type Row = LogRow;

interface Member {
  sink: LogSink<Row>;
  position: number;
  closed: boolean;
  tail?: Tail;
}

/** The one reader of a (log, scope) in this process. */
interface Tail {
  key: string;
  source: LogSource<Row>;
  scope: string;
  position: number;
  members: Set<Member>;
  /** Set by a hint that came while reading: read again before sleeping. */
  dirty: boolean;
  done: boolean;
  wake?: () => void;
}

/** Creates a fan-out; it listens to `hints` from its first start. */
export function createLogFanout(options: FanoutOptions): LogFanout {
  return new Fanout(options);
}

class Fanout implements LogFanout {
  private readonly page: number;
  private readonly pollMs: number;
  private readonly onError: (err: unknown) => void;
  private readonly tails = new Map<string, Tail>();
  private readonly members = new Set<Member>();
  private readonly running = new Set<Promise<void>>();
  private listening = false;
  private stopped = false;
  private reads = 0;

  constructor(private readonly options: FanoutOptions) {
    this.page = options.page ?? 500;
    this.pollMs = options.pollMs ?? 1000;
    this.onError = options.onError ?? (() => {});
  }

  subscribe<R extends LogRow>(source: LogSource<R>, scope: string, afterSeq: number, sink: LogSink<R>): Subscription {
    const member: Member = { sink: sink, position: afterSeq, closed: false };
    if (this.stopped) {
      member.closed = true;
      queueMicrotask(() => sink.end('stopped'));
      return { close: () => {} };
    }
    this.start();
    this.members.add(member);
    const general = source as unknown as LogSource<Row>;
    const key = logTopic(source.name, scope);
    const tail = this.tails.get(key);
    // At the head of a live tail it joins at once; otherwise it replays its backlog first, paced.
    if (tail && afterSeq >= tail.position) this.join(tail, member);
    else this.track(this.catchUp(general, scope, member));
    return { close: () => this.leave(member) };
  }

  start(): void {
    this.stopped = false;
    if (this.listening) return;
    this.listening = true;
    this.options.hints.subscribe((topic) => {
      if (!this.stopped) this.onHint(topic);
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const member of [...this.members]) this.expel(member, 'stopped');
    for (const tail of this.tails.values()) {
      tail.done = true;
      tail.wake?.();
    }
    this.tails.clear();
    await Promise.allSettled([...this.running]);
  }

  stats(): FanoutStats {
    let following = 0;
    for (const tail of this.tails.values()) following += tail.members.size;
    return { tails: this.tails.size, subscribers: this.members.size, following, reads: this.reads };
  }

  private onHint(topic: string): void {
    if (topic === '') for (const tail of this.tails.values()) this.wake(tail);
    else {
      const tail = this.tails.get(topic);
      if (tail) this.wake(tail);
    }
  }

  private wake(tail: Tail): void {
    tail.dirty = true;
    tail.wake?.();
  }

  private track(work: Promise<void>): void {
    const settled = work.catch(this.onError).finally(() => this.running.delete(settled));
    this.running.add(settled);
  }

  private async read(source: LogSource<Row>, scope: string, after: number): Promise<Row[] | undefined> {
    try {
      this.reads += 1;
      return await source.read(scope, after, this.page);
    } catch (err) {
      this.onError(err);
      return undefined;
    }
  }

  /** Ends a member's subscription, told by the fan-out (not by the subscriber). */
  private expel(member: Member, reason: EndReason): void {
    this.leave(member);
    member.sink.end(reason);
  }

  /**
   * Hands rows to a member past its position; false when it was dropped or has left. A live member
   * whose buffer is full is dropped; one replaying its backlog is paced by `drained` instead.
   */
  private hand(member: Member, rows: readonly Row[], backlog = false): boolean {
    for (const row of rows) {
      if (member.closed) return false;
      if (row.seq <= member.position) continue;
      member.position = row.seq;
      let keeps: boolean;
      try {
        keeps = member.sink.push(row);
      } catch (err) {
        // A subscriber that fails is dropped like a slow one; it must not stop the tail.
        this.onError(err);
        keeps = false;
      }
      if (!keeps && !(backlog && member.sink.drained)) {
        this.expel(member, 'dropped');
        return false;
      }
    }
    return true;
  }

  private leave(member: Member): void {
    if (member.closed) return;
    member.closed = true;
    this.members.delete(member);
    const tail = member.tail;
    if (!tail) return;
    tail.members.delete(member);
    if (tail.members.size > 0) return;
    // The tail ends now; a subscriber arriving later starts a new one.
    tail.done = true;
    if (this.tails.get(tail.key) === tail) this.tails.delete(tail.key);
    tail.wake?.();
  }

  private sleep(tail: Tail, ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        tail.wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      tail.wake = done;
    });
  }

  private startTail(source: LogSource<Row>, scope: string, position: number): Tail {
    const tail: Tail = { key: logTopic(source.name, scope), source, scope, position, members: new Set(), dirty: false, done: false };
    this.tails.set(tail.key, tail);
    this.track(this.follow(tail));
    return tail;
  }

  private join(tail: Tail, member: Member): void {
    member.tail = tail;
    tail.members.add(member);
  }

  /** The tail's loop: read once for every member, hand the rows out, sleep until woken. */
  private async follow(tail: Tail): Promise<void> {
    let failures = 0;
    while (!tail.done) {
      tail.dirty = false;
      const rows = await this.read(tail.source, tail.scope, tail.position);
      if (tail.done) break;
      if (rows === undefined) {
        failures += 1;
        await this.sleep(tail, Math.min(this.pollMs * 2 ** failures, 30_000) * (0.5 + Math.random() / 2));
        continue;
      }
      failures = 0;
      if (rows.length > 0) {
        tail.position = rows[rows.length - 1].seq;
        for (const member of [...tail.members]) this.hand(member, rows);
      }
      if (rows.length === this.page || tail.dirty) continue;
      await this.sleep(tail, this.pollMs);
    }
  }

  /**
   * A member behind the tail (or with no tail yet) reads its backlog itself, a page at a time, each
   * after the last has drained, then joins the tail (starting it at its own position when there is
   * none). A short read has seen every row committed before it started, so every row the tail had
   * read by then: the member counts as being at least where the tail was (rows pruned meanwhile
   * cannot hold it back).
   */
  private async catchUp(source: LogSource<Row>, scope: string, member: Member): Promise<void> {
    const key = logTopic(source.name, scope);
    let failures = 0;
    while (!member.closed) {
      const tail = this.tails.get(key);
      if (tail && member.position >= tail.position) {
        this.join(tail, member);
        return;
      }
      const target = tail?.position;
      const rows = await this.read(source, scope, member.position);
      if (rows === undefined) {
        failures += 1;
        // Short: stop() waits for this loop.
        await new Promise((resolve) => setTimeout(resolve, Math.min(this.pollMs * failures, 5_000)));
        continue;
      }
      failures = 0;
      if (!this.hand(member, rows, true)) return;
      await member.sink.drained?.();
      if (rows.length === this.page || member.closed) continue;
      if (target !== undefined) member.position = Math.max(member.position, target);
      else if (!this.tails.has(key)) {
        this.join(this.startTail(source, scope, member.position), member);
        return;
      }
    }
  }
}
