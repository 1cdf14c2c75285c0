import { Type, type Static } from 'typebox';
import { KEY_NAME_MAX } from './api-keys.js';
import { Nullable } from './schema-types.js';

/** Wire schemas of Vigil's additive API key management (`/v1/keys`). */
const Time = Type.String({ format: 'date-time' });

export const KeyView = Type.Object({
  key_id: Type.String({ description: 'key_…' }),
  prefix: Type.String({ description: "The key's first 8 characters" }),
  name: Nullable(Type.String()),
  created_at: Time,
  last_used_at: Nullable(Type.String({ format: 'date-time', description: 'Recorded at most once a minute' })),
  revoked_at: Nullable(Time),
  current: Type.Boolean({ description: 'Whether this is the key making the request' }),
});
export type KeyView = Static<typeof KeyView>;

export const CreateKeyBody = Type.Optional(
  Type.Object(
    {
      name: Type.Optional(Type.String({ minLength: 1, maxLength: KEY_NAME_MAX, description: 'A label for people' })),
    },
    { additionalProperties: false },
  ),
);

export const CreatedKey = Type.Object({
  key_id: Type.String(),
  key: Type.String({ description: 'The secret: shown only in this response, only its hash is kept' }),
  prefix: Type.String(),
  name: Nullable(Type.String()),
  created_at: Time,
});
export type CreatedKey = Static<typeof CreatedKey>;
