import { InvalidArgumentError, type Command } from 'commander';
import { loadClientConfig } from '../config.js';
import { createApiClient, type ApiClient } from './client.js';
import type { Io } from './format.js';

/** What every client command gets: where to write and how to reach the server. */
export interface CliContext {
  io: Io;
  /** The fetch requests go through (the global one unless a test passes its own). */
  fetch?: typeof fetch;
}

/** The options every client command takes (declared on the program, so they may come before or after the command). */
export interface GlobalFlags {
  url?: string;
  key?: string;
  json?: boolean;
}

/** The client a command's flags (or VIGIL_URL/VIGIL_KEY) name, and whether to print JSON. */
export function connect(command: Command, ctx: CliContext): { api: ApiClient; asJson: boolean } {
  const flags = command.optsWithGlobals<GlobalFlags>();
  const config = loadClientConfig({ url: flags.url, key: flags.key }, ctx.io.env);
  return { api: createApiClient(config, ctx.fetch), asJson: flags.json === true };
}

/** Commander argument parser for a positive integer option (`--limit 20`). */
export function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`must be a positive integer; got "${value}"`);
  return n;
}

/** Commander argument parser that collects a repeatable option into a list (`--source a --source b`). */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** Commander argument parser for `name=value` pairs (`--metadata team=news`). */
export function pairs(value: string, previous: Record<string, string> = {}): Record<string, string> {
  const at = value.indexOf('=');
  if (at < 1) throw new InvalidArgumentError(`must be name=value; got "${value}"`);
  return { ...previous, [value.slice(0, at)]: value.slice(at + 1) };
}
