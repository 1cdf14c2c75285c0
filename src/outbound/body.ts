import { pipeline, type Readable, type Transform } from 'node:stream';
import zlib from 'node:zlib';
import { OutboundError } from './errors.js';

/** The body as the caller sees it, and whether a content-encoding was removed from it. */
export interface DecodedBody {
  body: Buffer;
  decoded: boolean;
}

// Lenient flushing, as browsers and undici's fetch do: a body cut short at the end still yields
// what was decoded instead of failing the whole response.
const LENIENT = { flush: zlib.constants.Z_SYNC_FLUSH, finishFlush: zlib.constants.Z_SYNC_FLUSH };
const LENIENT_BR = {
  flush: zlib.constants.BROTLI_OPERATION_FLUSH,
  finishFlush: zlib.constants.BROTLI_OPERATION_FLUSH,
};

function decoderFor(coding: string): Transform | undefined {
  switch (coding) {
    case 'gzip':
    case 'x-gzip':
      return zlib.createGunzip(LENIENT);
    case 'deflate':
      // Unzip accepts both zlib-wrapped deflate (the standard) and gzip mislabelled as deflate.
      return zlib.createUnzip(LENIENT);
    case 'br':
      return zlib.createBrotliDecompress(LENIENT_BR);
    default:
      return undefined;
  }
}

/** The decoders for a content-encoding header, outermost first; undefined when one is unknown. */
function decodersFor(contentEncoding: string | undefined): Transform[] | undefined {
  const codings = (contentEncoding ?? '')
    .split(',')
    .map((c) => c.trim().toLowerCase())
    .filter((c) => c !== '' && c !== 'identity')
    .reverse();
  const decoders = codings.map(decoderFor);
  return decoders.every((d) => d !== undefined) ? decoders : undefined;
}

/**
 * Reads `raw` to the end, decoding its content-encoding, and fails with too_large (or, with
 * `truncate`, stops and keeps the first `maxBytes`) as soon as the decoded bytes pass `maxBytes`, so a small compressed bomb cannot fill memory. An unknown
 * encoding is returned undecoded (and reported so). Compressed input is not buffered, and its
 * length is bounded by the request deadline rather than by a second cap.
 */
export async function readBody(raw: Readable, contentEncoding: string | undefined, maxBytes: number, url: string, truncate = false): Promise<DecodedBody> {
  const decoders = decodersFor(contentEncoding) ?? [];
  // pipeline() destroys the whole chain when any part fails or the reader stops early; errors
  // surface through the iteration below, so its own callback has nothing left to do.
  if (decoders.length > 0) pipeline([raw, ...decoders], () => {});
  const source: Readable = decoders.length === 0 ? raw : decoders[decoders.length - 1];
  const chunks: Buffer[] = [];
  let total = 0;
  try {
    for await (const chunk of source as AsyncIterable<Buffer>) {
      if (total + chunk.length > maxBytes) {
        if (!truncate) throw new OutboundError('too_large', url, { limit: maxBytes });
        chunks.push(chunk.subarray(0, maxBytes - total));
        total = maxBytes;
        break;
      }
      total += chunk.length;
      chunks.push(chunk);
    }
  } catch (err) {
    if (isDecodeError(err)) {
      throw new OutboundError('http_error', url, {
        reason: `the ${contentEncoding} body could not be decoded (${(err as Error).message})`,
        cause: err,
      });
    }
    throw err;
  } finally {
    // Leaving early (too large, error) must not leave the connection half-read.
    if (!raw.readableEnded) discard(raw);
  }
  return { body: Buffer.concat(chunks, total), decoded: decoders.length > 0 };
}

function isDecodeError(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === 'string' && (code.startsWith('Z_') || code.startsWith('ERR_BROTLI') || code.startsWith('ERR__'));
}

/** Destroys a body nobody will read; undici's body emits an abort error then, which is expected here. */
export function discard(stream: Readable): void {
  stream.on('error', () => {});
  stream.destroy();
}
