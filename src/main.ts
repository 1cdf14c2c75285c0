import { Command } from 'commander';
import { createApiKey, DEFAULT_ACCOUNT } from './accounts.js';
import { ConfigError, loadConfig } from './config.js';
import { startVigil, type Vigil } from './server.js';
import { openStore } from './store/db.js';

/** The `vigil` command line: `vigil serve`, `vigil keys create`. */
export async function main(argv: string[]): Promise<void> {
  const program = new Command('vigil').description('Self-hosted server for web monitors and their events');

  program.command('serve').description('start the API and the background workers')
    .option('--port <port>', 'port to listen on (VIGIL_PORT)')
    .option('--host <host>', 'address to listen on (VIGIL_HOST)')
    .option('--database-url <url>', 'sqlite:<path> or postgres://… (VIGIL_DATABASE_URL)')
    .option('--roles <roles>', 'api, worker or api,worker (VIGIL_ROLES)')
    .action(serve);

  const keys = program.command('keys').description('manage API keys');
  keys.command('create').description('print a new API key for an account (created if new)')
    .option('--account <name>', 'account name', DEFAULT_ACCOUNT)
    .action(async (flags: { account: string }) => {
      const store = await openStore(loadConfig().databaseUrl);
      try {
        const { key, account } = await createApiKey(store, flags.account);
        process.stdout.write(`${key}\n`);
        process.stderr.write(`(a new key for account "${account.name}"; it is shown only this once)\n`);
      } finally {
        await store.close();
      }
    });

  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`vigil: ${err.message}`);
      process.exit(2);
    }
    throw err;
  }
}

interface ServeFlags { port?: string; host?: string; databaseUrl?: string; roles?: string }

/** `vigil serve`: validates the configuration, starts Vigil, and stops it cleanly on SIGTERM or SIGINT. */
async function serve(flags: ServeFlags): Promise<void> {
  const config = loadConfig({
    ...process.env,
    ...(flags.port && { VIGIL_PORT: flags.port }),
    ...(flags.host && { VIGIL_HOST: flags.host }),
    ...(flags.databaseUrl && { VIGIL_DATABASE_URL: flags.databaseUrl }),
    ...(flags.roles && { VIGIL_ROLES: flags.roles }),
  });
  // Signals are handled before anything starts, and certainly before "listening" is printed:
  // a supervisor may signal as soon as it reads that line, and must get a clean stop.
  let vigil: Vigil | undefined;
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`${signal}: stopping\n`);
    // A signal during start-up stops Vigil once it has started (below).
    if (vigil) vigil.stop().then(() => process.exit(0), (err) => { console.error(err); process.exit(1); });
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
  vigil = await startVigil(config);
  if (stopping) {
    await vigil.stop();
    process.exit(0);
  }
  if (vigil.firstKey) {
    process.stdout.write(`\nCreated an API key for the "${DEFAULT_ACCOUNT}" account. It is shown only this once:\n\n  ${vigil.firstKey}\n\n`);
  }
  if (vigil.url) process.stdout.write(`Vigil listening on ${vigil.url}\n`);
  const roles = Object.entries(config.roles).filter(([, on]) => on).map(([role]) => role).join(', ');
  process.stdout.write(`Vigil started (roles: ${roles})\n`);
}
