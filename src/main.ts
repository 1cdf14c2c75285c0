import { Command, CommanderError } from 'commander';
import { DEFAULT_ACCOUNT, ensureAccount } from './accounts.js';
import { CliFailure, EXIT } from './cli/client.js';
import { connect, type CliContext } from './cli/context.js';
import { registerDeliveryCommands } from './cli/deliveries.js';
import { registerEventCommands } from './cli/events.js';
import type { Io } from './cli/format.js';
import { registerRemoteKeyCommands } from './cli/keys.js';
import { registerMonitorCommands } from './cli/monitors.js';
import { ConfigError, loadConfig, processEnv } from './config.js';
import type { Vigil } from './server.js';

/**
 * The `vigil` command line, for the real process: runs `run`, exits with its code when that is not
 * 0 (`serve` returns 0 and keeps running), and stops `events --follow` cleanly on Ctrl-C.
 */
export async function main(argv: string[]): Promise<void> {
  const controller = new AbortController();
  if (argv[2] !== 'serve') {
    process.once('SIGINT', () => {
      controller.abort();
      // A command waiting on a request ends anyway, as Ctrl-C means.
      setTimeout(() => process.exit(130), 2000).unref();
    });
  }
  const io: Io = {
    out: (text) => process.stdout.write(text),
    err: (text) => process.stderr.write(text),
    env: processEnv(),
    signal: controller.signal,
  };
  const code = await run(argv, { io });
  if (code !== 0) process.exit(code);
}

/**
 * Parses and runs one command line (`argv` as in process.argv) and returns its exit code
 * (README, "The command line"): 0 ok, 1 API error, 2 usage or configuration error, 3 server unreachable.
 */
export async function run(argv: string[], ctx: CliContext): Promise<number> {
  const { io } = ctx;
  const program = new Command('vigil')
    .description('Self-hosted server for web monitors and their events')
    .exitOverride()
    .configureOutput({ writeOut: io.out, writeErr: io.err })
    .option('--url <url>', 'the server, for client commands (VIGIL_URL; default http://127.0.0.1:8080)')
    .option('--key <key>', 'an API key, for client commands (VIGIL_KEY)')
    .option('--json', 'print JSON for scripts instead of tables');

  program
    .command('serve')
    .description('start the API and the background workers')
    .option('--port <port>', 'port to listen on (VIGIL_PORT)')
    .option('--host <host>', 'address to listen on (VIGIL_HOST)')
    .option('--database-url <url>', 'sqlite:<path> or postgres://… (VIGIL_DATABASE_URL)')
    .option('--roles <roles>', 'api, worker or api,worker (VIGIL_ROLES)')
    .action((flags: ServeFlags) => serve(flags, io));

  const keys = program.command('keys').description('manage API keys');
  keys
    .command('create')
    .description('print a new key: in the database directly (bootstrap; --account), or on the server with --url')
    .option('--account <name>', 'account name, created if new (database only)', DEFAULT_ACCOUNT)
    .option('--name <name>', 'a label for people')
    .action((flags: { account: string; name?: string }, command: Command) => createKey(flags, command, ctx));
  registerRemoteKeyCommands(keys, ctx);
  registerMonitorCommands(program, ctx);
  registerEventCommands(program, ctx);
  registerDeliveryCommands(program, ctx);

  try {
    await program.parseAsync(argv);
    return EXIT.ok;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
    if (err instanceof ConfigError) {
      io.err(`vigil: ${err.message}\n`);
      return EXIT.usage;
    }
    if (err instanceof CliFailure) {
      io.err(`vigil: ${err.message}\n`);
      return err.exitCode;
    }
    throw err;
  }
}

/**
 * `vigil keys create`: without `--url` it writes the database (VIGIL_DATABASE_URL) directly, which
 * is how an operator makes a first key or an account; with `--url` it asks that server, as `keys new`.
 */
async function createKey(flags: { account: string; name?: string }, command: Command, ctx: CliContext): Promise<void> {
  const globals = command.optsWithGlobals<{ url?: string; json?: boolean }>();
  if (globals.url !== undefined) {
    if (command.getOptionValueSource('account') === 'cli')
      throw new CliFailure('--account names a database account: leave it out with --url (the key belongs to the account of --key)', EXIT.usage);
    const { api, asJson } = connect(command, ctx);
    const created = await api.request<{ key_id: string; key: string }>('POST', '/v1/keys', { body: flags.name ? { name: flags.name } : {} });
    ctx.io.out(asJson ? JSON.stringify(created, null, 2).concat('\n') : `${created.key}\n`);
    if (!asJson) ctx.io.err(`(key ${created.key_id}; the secret is shown only this once)\n`);
    return;
  }
  // Loaded only here: client commands need neither the store nor the server.
  const [{ mintApiKey }, { openStore }] = await Promise.all([import('./commands/keys.js'), import('./store/db.js')]);
  const store = await openStore(loadConfig(ctx.io.env).databaseUrl);
  try {
    const account = await ensureAccount(store, flags.account);
    const { key, apiKey } = await mintApiKey({ store, clock: Date.now }, account.id, flags.name ?? null);
    ctx.io.out(globals.json ? JSON.stringify({ key_id: apiKey.id, key, account: account.name }, null, 2).concat('\n') : `${key}\n`);
    if (!globals.json) ctx.io.err(`(a new key for account "${account.name}"; it is shown only this once)\n`);
  } finally {
    await store.close();
  }
}

interface ServeFlags {
  port?: string;
  host?: string;
  databaseUrl?: string;
  roles?: string;
}

/** `vigil serve`: validates the configuration, starts Vigil, and stops it cleanly on SIGTERM or SIGINT. */
async function serve(flags: ServeFlags, io: Io): Promise<void> {
  const config = loadConfig({
    ...io.env,
    ...(flags.port && { VIGIL_PORT: flags.port }),
    ...(flags.host && { VIGIL_HOST: flags.host }),
    ...(flags.databaseUrl && { VIGIL_DATABASE_URL: flags.databaseUrl }),
    ...(flags.roles && { VIGIL_ROLES: flags.roles }),
  });
  // Signals are handled before anything starts, and certainly before "listening" is printed:
  // a supervisor may signal as soon as it reads that line, and must get a clean stop.
  // Assigned once started, read by a signal that may come before: hence `let` with an explicit start.
  let vigil: Vigil | undefined = undefined;
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    io.out(`${signal}: stopping\n`);
    // A signal during start-up stops Vigil once it has started (below).
    if (vigil)
      vigil.stop().then(
        () => process.exit(0),
        (err: unknown) => {
          console.error(err);
          process.exit(1);
        },
      );
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
  const { startVigil } = await import('./server.js');
  vigil = await startVigil(config);
  if (stopping) {
    await vigil.stop();
    process.exit(0);
  }
  if (vigil.firstKey) {
    io.out(`\nCreated an API key for the "${DEFAULT_ACCOUNT}" account. It is shown only this once:\n\n  ${vigil.firstKey}\n\n`);
  }
  if (vigil.url) io.out(`Vigil listening on ${vigil.url}\n`);
  const roles = Object.entries(config.roles)
    .filter(([, on]) => on)
    .map(([role]) => role)
    .join(', ');
  io.out(`Vigil started (roles: ${roles})\n`);
}
