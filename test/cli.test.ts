import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { sdkClient, tempDir, waitFor } from './helpers.js';

const VIGIL = join(import.meta.dirname, '..', 'bin', 'vigil.js');
const PROBE = join(import.meta.dirname, 'fixtures', 'serve-probe.ts');

/** Runs `vigil serve` until `until` sees its output, then stops it with SIGTERM; returns stdout and the exit code. */
async function serveOnce(env: Record<string, string>, until: (stdout: string) => Promise<void>) {
  const child = spawn(process.execPath, [VIGIL, 'serve'], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  child.stdout.on('data', (chunk) => {
    stdout += chunk;
  });
  child.stderr.on('data', (chunk) => {
    stdout += chunk;
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  try {
    await waitFor(() => /Vigil listening on/.test(stdout), 20_000, `the server to listen; output: ${stdout}`);
    await until(stdout);
  } finally {
    child.kill('SIGTERM');
  }
  return { stdout, code: await exited };
}

describe('the vigil command', () => {
  it('prints a key once on a first start without VIGIL_API_KEY, and never again', async () => {
    const dir = tempDir();
    try {
      const env = { VIGIL_DATABASE_URL: `sqlite:${join(dir.path, 'v.db')}`, VIGIL_PORT: '0', VIGIL_LOG_LEVEL: 'warn', VIGIL_API_KEY: '' };
      const first = await serveOnce(env, async (stdout) => {
        const key = /\n {2}(vgl_\S+)\n/.exec(stdout)?.[1];
        assert.ok(key, `a key is printed: ${stdout}`);
        const url = /Vigil listening on (\S+)/.exec(stdout)![1];
        const page = await sdkClient(url, key).monitor.list();
        assert.deepEqual(page.monitors, []);
      });
      assert.equal(first.code, 0, 'SIGTERM stops cleanly');
      const second = await serveOnce(env, async () => {});
      assert.doesNotMatch(second.stdout, /vgl_/, 'the second start prints no key');
      assert.equal(second.code, 0);
    } finally {
      dir.remove();
    }
  });

  it('creates keys for new and existing accounts with `vigil keys create --account NAME`', async () => {
    const dir = tempDir();
    try {
      const env = { ...process.env, VIGIL_DATABASE_URL: `sqlite:${join(dir.path, 'v.db')}`, VIGIL_API_KEY: '' };
      const create = (account: string) => {
        const result = spawnSync(process.execPath, [VIGIL, 'keys', 'create', '--account', account], { env, encoding: 'utf8' });
        assert.equal(result.status, 0, result.stderr);
        return result.stdout.trim();
      };
      const acme1 = create('acme');
      const acme2 = create('acme');
      const globex = create('globex');
      assert.match(acme1, /^vgl_[A-Za-z0-9_-]{43}$/);
      assert.notEqual(acme1, acme2);
      await serveOnce({ VIGIL_DATABASE_URL: env.VIGIL_DATABASE_URL, VIGIL_PORT: '0', VIGIL_LOG_LEVEL: 'warn', VIGIL_API_KEY: '' }, async (stdout) => {
        assert.doesNotMatch(stdout, /vgl_/, 'keys exist, so none is printed');
        const url = /Vigil listening on (\S+)/.exec(stdout)![1];
        const monitor = await sdkClient(url, acme1).monitor.create({
          type: 'event_stream',
          frequency: '1d',
          settings: { query: 'x', sources: ['http://127.0.0.1:1/feed'] } as any,
        });
        assert.equal((await sdkClient(url, acme2).monitor.retrieve(monitor.monitor_id)).monitor_id, monitor.monitor_id, 'same account');
        await assert.rejects(sdkClient(url, globex).monitor.retrieve(monitor.monitor_id), (err: any) => err.status === 404);
      });
    } finally {
      dir.remove();
    }
  });

  it('refuses a bad configuration with a message naming the variable', () => {
    const result = spawnSync(process.execPath, [VIGIL, 'serve'], {
      env: { ...process.env, VIGIL_MIN_FREQUENCY: 'often' },
      encoding: 'utf8',
    });
    assert.equal(result.status, 2);
    assert.match(result.stderr, /VIGIL_MIN_FREQUENCY must be a duration such as 500ms, 30s, 5m, 1h or 1d; got "often"/);
  });

  it('refuses every bad value the README lists as a variable with exit 2 naming it, not a stack', () => {
    for (const [name, value] of [
      ['VIGIL_LOG_LEVEL', 'loud'],
      ['VIGIL_HOST', 'not a host'],
      ['VIGIL_WEBHOOK_SECRET', 'abc'],
    ] as const) {
      const result = spawnSync(process.execPath, [VIGIL, 'serve'], {
        env: { ...process.env, VIGIL_DATABASE_URL: 'sqlite::memory:', VIGIL_PORT: '0', [name]: value },
        encoding: 'utf8',
        timeout: 20_000,
      });
      assert.equal(result.status, 2, `exit 2 for ${name}=${value}: ${result.stdout}${result.stderr}`);
      assert.match(result.stderr, new RegExp(`^vigil: ${name} must be`));
    }
  });

  it('refuses a bad VIGIL_ALLOW_NETWORKS entry with exit 2 naming it, before opening the database', () => {
    const dir = tempDir();
    try {
      const db = join(dir.path, 'v.db');
      for (const entry of ['300.1.1.1', '10.0.0.0/33', 'bad host!']) {
        const result = spawnSync(process.execPath, [VIGIL, 'serve'], {
          env: { ...process.env, VIGIL_DATABASE_URL: `sqlite:${db}`, VIGIL_PORT: '0', VIGIL_ALLOW_NETWORKS: `127.0.0.0/8, ${entry}` },
          encoding: 'utf8',
        });
        assert.equal(result.status, 2, `exit 2 for "${entry}": ${result.stderr}`);
        assert.match(result.stderr, new RegExp(`^vigil: invalid VIGIL_ALLOW_NETWORKS entry "${entry.replace(/[.*/]/g, '\\$&')}"`));
        assert.doesNotMatch(result.stderr, /TypeError|\n\s+at /, 'a message, not a stack');
        assert.equal(existsSync(db), false, 'nothing was opened');
      }
    } finally {
      dir.remove();
    }
  });

  it('handles SIGTERM before it prints "Vigil listening on", and stops cleanly when signalled at that line', async () => {
    const dir = tempDir();
    try {
      const child = spawn(process.execPath, ['--import', 'tsx', PROBE, 'serve'], {
        env: { ...process.env, VIGIL_DATABASE_URL: `sqlite:${join(dir.path, 'v.db')}`, VIGIL_PORT: '0', VIGIL_LOG_LEVEL: 'warn', VIGIL_API_KEY: 'vgl_probe' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      // Signalled in the very callback that sees the line, as a supervisor would.
      let signalled = false;
      const onData = (chunk: Buffer) => {
        output += chunk;
        if (!signalled && /Vigil listening on/.test(output)) signalled = child.kill('SIGTERM');
      };
      child.stdout.on('data', onData);
      child.stderr.on('data', (chunk) => {
        output += chunk;
      });
      const code = await exited;
      assert.match(output, /\[probe\] listeners at "listening": SIGTERM=1 SIGINT=1/, output);
      assert.equal(code, 0, `a clean stop: ${output}`);
      assert.match(output, /SIGTERM: stopping/);
    } finally {
      dir.remove();
    }
  });
});
