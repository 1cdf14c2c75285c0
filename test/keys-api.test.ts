// API key management (issue 18): list, create and revoke keys over HTTP; a revoked key is refused at
// once, also when revoked by another connection or another process sharing the store; keys of other accounts are absent (404); bad
// input is a 422 envelope naming the field. Traffic stays on 127.0.0.1.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { hashApiKey } from '../src/domain/api-keys.js';
import { findKeyHolder, revokeApiKey } from '../src/store/accounts.repository.js';
import { openStore } from '../src/store/db.js';
import { spawnServer, startTestVigil, tempDir, testDatabase, type ServerProcess, type TestVigil } from './helpers.js';

const isPostgres = /^postgres/.test(process.env.VIGIL_TEST_DATABASE_URL ?? '');
const SKIP_MULTI = isPostgres ? false : 'several processes share a store only on PostgreSQL (set VIGIL_TEST_DATABASE_URL)';

/** One request with a key; the status and the parsed body. */
async function call(base: string, key: string, method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: { 'x-api-key': key, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: response.status, json: await response.json() };
}

describe('API keys', () => {
  let vigil: TestVigil;
  before(async () => {
    vigil = await startTestVigil();
  });
  after(async () => {
    await vigil.stop();
  });

  it("lists the account's keys newest first with the current one marked, and never a secret or a hash", async () => {
    const created = await call(vigil.url, vigil.apiKey, 'POST', '/v1/keys', { name: 'ci' });
    assert.equal(created.status, 200);
    assert.match(created.json.key_id, /^key_/);
    assert.match(created.json.key, /^vgl_[A-Za-z0-9_-]{43}$/);
    assert.equal(created.json.prefix, created.json.key.slice(0, 8));
    assert.equal(created.json.name, 'ci');
    assert.ok(!Number.isNaN(Date.parse(created.json.created_at)));
    const plain = await call(vigil.url, vigil.apiKey, 'POST', '/v1/keys', {});
    assert.equal(plain.status, 200);
    assert.equal(plain.json.name, null);

    const listed = await call(vigil.url, created.json.key, 'GET', '/v1/keys');
    assert.equal(listed.status, 200);
    const ids = listed.json.data.map((k: any) => k.key_id);
    assert.deepEqual(ids.slice(0, 2), [plain.json.key_id, created.json.key_id], 'newest first');
    assert.equal(listed.json.data.length, 3, 'the boot key and the two new ones');
    const byId = new Map(listed.json.data.map((k: any) => [k.key_id, k]));
    assert.equal((byId.get(created.json.key_id) as any).current, true, 'the key making the request');
    assert.deepEqual(listed.json.data.filter((k: any) => k.current).length, 1);
    const boot = listed.json.data[2];
    assert.equal(boot.prefix, vigil.apiKey.slice(0, 8));
    assert.deepEqual(Object.keys(boot).sort(), ['created_at', 'current', 'key_id', 'last_used_at', 'name', 'prefix', 'revoked_at']);
    assert.ok(boot.last_used_at, 'a used key records its last use');
    assert.equal(boot.revoked_at, null);
    assert.equal((byId.get(plain.json.key_id) as any).last_used_at, null, 'a key never used has no last use');
    const text = JSON.stringify(listed.json);
    for (const secret of [vigil.apiKey, created.json.key, plain.json.key]) {
      assert.ok(!text.includes(secret) && !text.includes(hashApiKey(secret)), 'no secret or hash in the listing');
    }
  });

  it('documents the key endpoints in /openapi.json', async () => {
    const spec = await (await fetch(`${vigil.url}/openapi.json`)).json();
    assert.ok(spec.paths['/v1/keys']?.get && spec.paths['/v1/keys']?.post, 'GET and POST /v1/keys');
    assert.ok(spec.paths['/v1/keys/{key_id}']?.delete, 'DELETE /v1/keys/{key_id}');
    const listed = spec.paths['/v1/keys'].get.responses['200'].content['application/json'].schema;
    assert.deepEqual(Object.keys(listed.properties.data.items.properties).sort(), [
      'created_at',
      'current',
      'key_id',
      'last_used_at',
      'name',
      'prefix',
      'revoked_at',
    ]);
  });

  it('accepts a POST without a body', async () => {
    const response = await fetch(`${vigil.url}/v1/keys`, { method: 'POST', headers: { 'x-api-key': vigil.apiKey } });
    assert.equal(response.status, 200);
    assert.match((await response.json()).key, /^vgl_/);
  });

  it('refuses a revoked key at once, revokes idempotently, and lets a key revoke itself', async () => {
    const { json: minted } = await call(vigil.url, vigil.apiKey, 'POST', '/v1/keys', {});
    assert.equal((await call(vigil.url, minted.key, 'GET', '/v1/monitors')).status, 200);
    const revoked = await call(vigil.url, vigil.apiKey, 'DELETE', `/v1/keys/${minted.key_id}`);
    assert.equal(revoked.status, 200);
    assert.equal(revoked.json.key_id, minted.key_id);
    assert.equal(revoked.json.current, false);
    assert.ok(revoked.json.revoked_at);
    const refused = await call(vigil.url, minted.key, 'GET', '/v1/monitors');
    assert.equal(refused.status, 401, 'refused on the very next request');
    assert.equal(refused.json.type, 'error');
    const again = await call(vigil.url, vigil.apiKey, 'DELETE', `/v1/keys/${minted.key_id}`);
    assert.equal(again.status, 200);
    assert.equal(again.json.revoked_at, revoked.json.revoked_at, 'the first revocation time stays');
    const listed = await call(vigil.url, vigil.apiKey, 'GET', '/v1/keys');
    assert.equal(listed.json.data.find((k: any) => k.key_id === minted.key_id).revoked_at, revoked.json.revoked_at);

    const { json: own } = await call(vigil.url, vigil.apiKey, 'POST', '/v1/keys', {});
    const self = await call(vigil.url, own.key, 'DELETE', `/v1/keys/${own.key_id}`);
    assert.equal(self.status, 200);
    assert.equal(self.json.current, true);
    assert.equal((await call(vigil.url, own.key, 'GET', '/v1/keys')).status, 401);
  });

  it('refuses at once a key revoked by another connection to the store, however often it was used before', async () => {
    const { json: minted } = await call(vigil.url, vigil.apiKey, 'POST', '/v1/keys', {});
    // Used several times first, so that an answer kept in memory would hold the key as valid.
    for (let i = 0; i < 3; i += 1) assert.equal((await call(vigil.url, minted.key, 'GET', '/v1/monitors')).status, 200);
    // As another process would: its own connection, straight to the table, nothing said to this process.
    const elsewhere = await openStore(vigil.config.databaseUrl);
    try {
      const holder = await findKeyHolder(elsewhere.db, hashApiKey(minted.key));
      assert.ok(holder);
      await revokeApiKey(elsewhere.db, holder.account.id, minted.key_id, Date.now());
    } finally {
      await elsewhere.close();
    }
    assert.equal((await call(vigil.url, minted.key, 'GET', '/v1/monitors')).status, 401, 'refused on the very next request');
    assert.equal((await call(vigil.url, vigil.apiKey, 'GET', '/v1/monitors')).status, 200, 'other keys still work');
  });

  it("treats another account's key as absent", async () => {
    const other = await vigil.other();
    const { json: theirs } = await call(vigil.url, other.apiKey, 'POST', '/v1/keys', {});
    const attempt = await call(vigil.url, vigil.apiKey, 'DELETE', `/v1/keys/${theirs.key_id}`);
    assert.equal(attempt.status, 404);
    assert.equal(attempt.json.error.message, 'API key not found');
    assert.equal((await call(vigil.url, theirs.key, 'GET', '/v1/keys')).status, 200, 'still valid');
    const mine = await call(vigil.url, vigil.apiKey, 'GET', '/v1/keys');
    assert.ok(!mine.json.data.some((k: any) => k.key_id === theirs.key_id), 'not listed to another account');
    assert.equal((await call(vigil.url, vigil.apiKey, 'DELETE', '/v1/keys/key_nothere')).status, 404);
  });

  it('answers bad input with a 422 envelope naming the field, and writes nothing', async () => {
    const count = async () => (await call(vigil.url, vigil.apiKey, 'GET', '/v1/keys')).json.data.length;
    const before = await count();
    for (const [body, field] of [
      [{ name: 5 }, 'name'],
      [{ name: '' }, 'name'],
      [{ name: 'x'.repeat(201) }, 'name'],
      ['[1]', 'body'],
      ['{"name":', 'body'],
    ] as const) {
      const response = await call(vigil.url, vigil.apiKey, 'POST', '/v1/keys', body);
      assert.equal(response.status, 422, `422 for ${JSON.stringify(body)}`);
      assert.equal(response.json.type, 'error');
      assert.match(response.json.error.message, new RegExp(field), `names ${field}: ${response.json.error.message}`);
    }
    assert.equal(await count(), before, 'no key was written');
    assert.equal((await call(vigil.url, 'vgl_wrong', 'GET', '/v1/keys')).status, 401);
  });
});

describe('key revocation across processes', { skip: SKIP_MULTI }, () => {
  it('is seen at once by another process sharing the store', async () => {
    const dir = tempDir();
    const database = await testDatabase(dir.path);
    const env = { VIGIL_DATABASE_URL: database.url, VIGIL_API_KEY: 'boot-key', VIGIL_ROLES: 'api' };
    const servers: ServerProcess[] = [];
    try {
      servers.push(await spawnServer(env));
      servers.push(await spawnServer(env));
      const [a, b] = servers;
      const { json: minted } = await call(a.url, 'boot-key', 'POST', '/v1/keys', { name: 'cross-process' });
      // Used on B first, so that any cache B kept would hold the key as valid.
      for (let i = 0; i < 3; i += 1) assert.equal((await call(b.url, minted.key, 'GET', '/v1/keys')).status, 200);
      assert.equal((await call(a.url, 'boot-key', 'DELETE', `/v1/keys/${minted.key_id}`)).status, 200);
      assert.equal((await call(b.url, minted.key, 'GET', '/v1/keys')).status, 401, 'B refuses it on the next request');
      assert.equal((await call(a.url, minted.key, 'GET', '/v1/keys')).status, 401);
    } finally {
      for (const server of servers) server.child.kill('SIGTERM');
      await Promise.all(servers.map((s) => s.exited));
      await database.drop();
      dir.remove();
    }
  });
});
