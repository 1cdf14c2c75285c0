import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { listKeys, mintApiKey, revokeKey, type KeyCommandDeps } from '../commands/keys.js';
import { CreateKeyBody, CreatedKey, KeyView } from '../domain/key-schemas.js';
import { ErrorResponse } from '../domain/monitor-schemas.js';
import { createdKeyRecord, keyRecord } from '../domain/wire.js';

const tags = ['API keys (Vigil)'];
const errors = { 401: ErrorResponse, 422: ErrorResponse };

/** Vigil's additive API key management: list the account's keys, mint one, revoke one. */
export async function keyRoutes(parent: FastifyInstance, options: { deps: KeyCommandDeps }): Promise<void> {
  const app = parent.withTypeProvider<TypeBoxTypeProvider>();
  const { deps } = options;

  app.get(
    '/v1/keys',
    {
      schema: {
        tags,
        summary: "The account's API keys, newest first (never their secrets)",
        response: { 200: Type.Object({ data: Type.Array(KeyView) }), ...errors },
      },
    },
    async (request) => ({ data: (await listKeys(deps, request.account.id)).map((k) => keyRecord(k, request.apiKeyId)) }),
  );

  app.post(
    '/v1/keys',
    {
      schema: {
        tags,
        summary: 'Create an API key for the account; its secret is in this response only',
        body: CreateKeyBody,
        response: { 200: CreatedKey, ...errors },
      },
      // No body at all (no content-type, nothing sent) means no name; a body that is sent must be an object.
      preValidation: async (request) => {
        if (request.body == null && request.headers['content-type'] === undefined) request.body = {};
      },
    },
    async (request) => {
      const { key, apiKey } = await mintApiKey(deps, request.account.id, request.body?.name ?? null);
      return createdKeyRecord(key, apiKey);
    },
  );

  app.delete(
    '/v1/keys/:key_id',
    {
      schema: {
        tags,
        summary: 'Revoke a key: every process refuses it at once (idempotent)',
        params: Type.Object({ key_id: Type.String() }),
        response: { 200: KeyView, 404: ErrorResponse, ...errors },
      },
    },
    async (request) => keyRecord(await revokeKey(deps, request.account.id, request.params.key_id), request.apiKeyId),
  );
}
