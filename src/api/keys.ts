import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { listKeys, mintApiKey, revokeKey, type KeyCommandDeps } from '../commands/keys.js';
import { KEY_NAME_MAX, type ApiKey } from '../domain/api-keys.js';
import { Nullable } from './nullable.js';
import { ErrorResponse } from './parallel/monitor-schemas.js';

const tags = ['API keys (Vigil)'];
const errors = { 401: ErrorResponse, 422: ErrorResponse };
const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
const Time = Type.String({ format: 'date-time' });

const KeyView = Type.Object({
  key_id: Type.String({ description: 'key_…' }),
  prefix: Type.String({ description: 'The key\'s first 8 characters' }),
  name: Nullable(Type.String()),
  created_at: Time,
  last_used_at: Nullable(Type.String({ format: 'date-time', description: 'Recorded at most once a minute' })),
  revoked_at: Nullable(Time),
  current: Type.Boolean({ description: 'Whether this is the key making the request' }),
});
const CreatedKey = Type.Object({
  key_id: Type.String(),
  key: Type.String({ description: 'The secret: shown only in this response, only its hash is kept' }),
  prefix: Type.String(),
  name: Nullable(Type.String()),
  created_at: Time,
});

function wireKey(key: ApiKey, currentId: string) {
  return {
    key_id: key.id, prefix: key.prefix, name: key.name, created_at: iso(key.createdAt) as string,
    last_used_at: iso(key.lastUsedAt), revoked_at: iso(key.revokedAt), current: key.id === currentId,
  };
}

/** Vigil's additive API key management: list the account's keys, mint one, revoke one. */
export async function keyRoutes(parent: FastifyInstance, options: { deps: KeyCommandDeps }): Promise<void> {
  const app = parent.withTypeProvider<TypeBoxTypeProvider>();
  const { deps } = options;

  app.get('/v1/keys', {
    schema: {
      tags, summary: 'The account\'s API keys, newest first (never their secrets)',
      response: { 200: Type.Object({ data: Type.Array(KeyView) }), ...errors },
    },
  }, async (request) => ({ data: (await listKeys(deps, request.account.id)).map((k) => wireKey(k, request.apiKeyId)) }));

  app.post('/v1/keys', {
    schema: {
      tags, summary: 'Create an API key for the account; its secret is in this response only',
      body: Type.Optional(Type.Object({
        name: Type.Optional(Type.String({ minLength: 1, maxLength: KEY_NAME_MAX, description: 'A label for people' })),
      }, { additionalProperties: false })),
      response: { 200: CreatedKey, ...errors },
    },
    // No body at all (no content-type, nothing sent) means no name; a body that is sent must be an object.
    preValidation: async (request) => {
      if (request.body == null && request.headers['content-type'] === undefined) request.body = {};
    },
  }, async (request) => {
    const { key, apiKey } = await mintApiKey(deps, request.account.id, request.body?.name ?? null);
    return { key_id: apiKey.id, key, prefix: apiKey.prefix, name: apiKey.name, created_at: iso(apiKey.createdAt) as string };
  });

  app.delete('/v1/keys/:key_id', {
    schema: {
      tags, summary: 'Revoke a key: every process refuses it at once (idempotent)',
      params: Type.Object({ key_id: Type.String() }),
      response: { 200: KeyView, 404: ErrorResponse, ...errors },
    },
  }, async (request) => wireKey(await revokeKey(deps, request.account.id, request.params.key_id), request.apiKeyId));
}
