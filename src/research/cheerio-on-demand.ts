// Cheerio for the server process, required on first use instead of imported. Page parsing happens
// in the parse workers; the server only checks `x-selector` hints and reads uploaded HTML files,
// and importing cheerio's module graph would add tens of MB to every process for those rare calls
// (the architecture test keeps page parsers out of the server's module graph).
import { createRequire } from 'node:module';

const requireHere = createRequire(import.meta.url);

/** The cheerio module, loaded the first time it is asked for. */
export function cheerioOnDemand(): typeof import('cheerio') {
  return requireHere('cheerio') as typeof import('cheerio');
}
