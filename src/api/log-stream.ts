import type { FastifyReply, FastifyRequest } from 'fastify';
import type { LogFanout, LogRow, LogSink, LogSource } from '../delivery/log-fanout.js';
import { openSse, type SseStream } from './sse.js';

/**
 * A subscriber whose socket holds this many unsent bytes is dropped (its connection closed) rather
 * than buffered without end; its client resumes from the last `event_id` it received.
 */
export const MAX_BUFFERED_BYTES = 256 * 1024;
/** A comment line goes out after this long without an event, so proxies keep the stream open. */
export const PING_MS = 15_000;
/** A stream without `timeout` closes after an hour; clients resume with the last `event_id`. */
export const DEFAULT_STREAM_S = 3600;
// Timers overflow past 2^31 - 1 ms (24.8 days) and would fire at once.
const MAX_TIMER_MS = 2 ** 31 - 1;

/** What one stream serves: a scope of a log, from after a position, each row as its SSE frame. */
export interface LogStreamSpec<R extends LogRow> {
  fanout: LogFanout;
  source: LogSource<R>;
  scope: string;
  afterSeq: number;
  /** The row's frame (see `memoFrames`), or undefined for a row this stream does not show. */
  frame(row: R): Buffer | undefined;
  /** Seconds after which the stream ends; the default is DEFAULT_STREAM_S. */
  timeoutS?: number;
  /** A per-stream look at the log's owner: whether to end now, and a heartbeat while idle. */
  watch?: StreamWatch<R>;
}

/**
 * What a stream whose log can finish (a FindAll run's) asks of its owner. `check` runs at the start,
 * after each row that `mayEnd` picks out, and after `idleMs` without a frame (then `idle` is true);
 * `position` is the last row handed to this stream. It answers whether everything is sent and the
 * stream should end, and may give a frame to send (a heartbeat, dropped if rows came meanwhile). Checks are per stream, so they are
 * kept rare: the rows themselves still come from the shared fan-out.
 */
export interface StreamWatch<R> {
  idleMs: number;
  mayEnd(row: R): boolean;
  check(position: number, idle: boolean): Promise<{ end: boolean; frame?: Buffer }>;
}

/**
 * Serves a log over SSE through the process's fan-out: every row after the resume position, then
 * live ones, until the client goes away, `timeout` passes, the process stops, or the client reads
 * too slowly (dropped). Resolves when the stream has ended.
 */
export function serveLogStream<R extends LogRow>(reply: FastifyReply, spec: LogStreamSpec<R>): Promise<void> {
  const stream = openSse(reply);
  return new Promise((resolve) => {
    // A replay waiting for the socket to drain must not outlive the stream (a stop ends a stalled one).
    let onFinish!: () => void;
    const ended = new Promise<void>((r) => {
      onFinish = r;
    });
    const served: Served<R> = {
      spec,
      stream,
      activity: { lastWrite: Date.now() },
      finished: false,
      position: spec.afterSeq,
      idleTimer: undefined,
      stop: () => {},
      settle: () => {
        onFinish();
        resolve();
      },
    };
    const timer = setTimeout(() => finish(served, false), Math.min((spec.timeoutS ?? DEFAULT_STREAM_S) * 1000, MAX_TIMER_MS));
    const pinger = startPinger(stream, served.activity);
    const subscription = spec.fanout.subscribe(spec.source, spec.scope, spec.afterSeq, sinkOf(served, ended));
    served.stop = () => {
      clearTimeout(timer);
      clearInterval(pinger);
      clearTimeout(served.idleTimer);
      subscription.close();
    };
    if (stream.closed.aborted) finish(served, false);
    else stream.closed.addEventListener('abort', () => finish(served, false), { once: true });
    ask(served, false);
    const watch = spec.watch;
    if (watch) served.idleTimer = setTimeout(() => idleRound(served), watch.idleMs);
  });
}

/** One stream while it runs: the state that `serveLogStream` and the functions below share. */
interface Served<R extends LogRow> {
  spec: LogStreamSpec<R>;
  stream: SseStream;
  activity: { lastWrite: number };
  finished: boolean;
  /** The last row handed to this stream. */
  position: number;
  idleTimer: NodeJS.Timeout | undefined;
  /** Clears the stream's timers and closes its subscription (set once they exist). */
  stop: () => void;
  /** Resolves the stream's promise, and the `ended` that a waiting replay races. */
  settle: () => void;
}

/** What the stream gives the fan-out: where its rows go, how it ends, and when it has drained. */
function sinkOf<R extends LogRow>(served: Served<R>, ended: Promise<void>): LogSink<R> {
  return {
    push: (row) => {
      served.position = row.seq;
      if (served.spec.watch?.mayEnd(row)) ask(served, false);
      const frame = served.spec.frame(row);
      if (frame === undefined) return true;
      served.activity.lastWrite = Date.now();
      return served.stream.write(frame) <= MAX_BUFFERED_BYTES;
    },
    end: (reason) => finish(served, reason === 'dropped'),
    drained: () => Promise.race([served.stream.drained(), ended]),
  };
}

/** Ends the stream once: closed, or destroyed when `drop` (a subscriber too slow to keep up). */
function finish<R extends LogRow>(served: Served<R>, drop: boolean): void {
  if (served.finished) return;
  served.finished = true;
  served.stop();
  if (drop) served.stream.destroy();
  else served.stream.end();
  served.settle();
}

/** Runs the watch's check; a failed check is retried at the next idle round. */
function ask<R extends LogRow>(served: Served<R>, idle: boolean): void {
  const watch = served.spec.watch;
  if (!watch || served.finished) return;
  const at = served.position;
  watch.check(at, idle).then(
    (answer) => {
      if (served.finished) return;
      // A frame built for an older position would go out after newer rows: it is dropped.
      if (answer.frame !== undefined && served.position === at) {
        served.stream.write(answer.frame);
        served.activity.lastWrite = Date.now();
      }
      if (answer.end) finish(served, false);
    },
    () => {},
  );
}

/** Wakes when the stream has been idle `idleMs`, checks, and sleeps again. */
function idleRound<R extends LogRow>(served: Served<R>): void {
  const watch = served.spec.watch;
  if (!watch || served.finished) return;
  const due = served.activity.lastWrite + watch.idleMs - Date.now();
  if (due > 0) {
    served.idleTimer = setTimeout(() => idleRound(served), due);
    return;
  }
  ask(served, true);
  served.idleTimer = setTimeout(() => idleRound(served), watch.idleMs);
}

/**
 * Builds each row's frame once, however many subscribers receive it: the fan-out hands the same
 * row object to all of them.
 */
export function memoFrames<R extends object>(build: (row: R) => Buffer): (row: R) => Buffer {
  const frames = new WeakMap<R, Buffer>();
  return (row) => {
    let frame = frames.get(row);
    if (frame === undefined) {
      frame = build(row);
      frames.set(row, frame);
    }
    return frame;
  };
}

/** The resume point a client sent: `last_event_id` (query) first, else the standard `Last-Event-ID` header. */
export function lastEventIdOf(request: FastifyRequest): { value: string; via: 'query' | 'header' } | undefined {
  const query = request.query as { last_event_id?: string | null };
  if (query.last_event_id !== undefined && query.last_event_id !== null && query.last_event_id !== '') {
    return { value: query.last_event_id, via: 'query' };
  }
  const header = request.headers['last-event-id'];
  return typeof header === 'string' && header !== '' ? { value: header, via: 'header' } : undefined;
}

/** Pings a stream that has written nothing for half of PING_MS, so that proxies and clients keep it open. */
function startPinger(stream: { ping(): void }, activity: { lastWrite: number }): NodeJS.Timeout {
  return setInterval(() => {
    if (Date.now() - activity.lastWrite < PING_MS / 2) return;
    stream.ping();
    activity.lastWrite = Date.now();
  }, PING_MS);
}
