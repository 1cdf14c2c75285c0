import { Type, type Static } from 'typebox';
import { Nullable } from './schema-types.js';

/** Wire schemas of Vigil's additive webhook API (`/v1/webhooks…`, `/v1/account/notices`). */
export const KeyMode = Type.Union([Type.Literal('raw'), Type.Literal('standard')]);
export const DeliveryStatus = Type.Union([Type.Literal('pending'), Type.Literal('delivered'), Type.Literal('failed')]);
const Time = Nullable(Type.String({ format: 'date-time' }));
export const Secret = Type.Object({
  secret: Type.String(),
  key_mode: KeyMode,
  previous_secret: Nullable(Type.String()),
  previous_secret_expires_at: Time,
});
export const DeliveryView = Type.Object({
  delivery_id: Type.String({ description: 'The webhook-id header of every attempt' }),
  resource_type: Type.String(),
  resource_id: Type.String(),
  event_type: Type.String(),
  url: Type.String(),
  status: DeliveryStatus,
  attempts: Type.Integer(),
  last_status_code: Nullable(Type.Integer()),
  last_error: Nullable(Type.String()),
  next_attempt_at: Time,
  created_at: Time,
  delivered_at: Time,
  payload: Type.Optional(Type.Unknown()),
});
export const EndpointView = Type.Object({
  url: Type.String(),
  status: Type.Union([Type.Literal('active'), Type.Literal('disabled')]),
  failing_since: Time,
  last_success_at: Time,
  disabled_reason: Nullable(Type.String()),
});
export const NoticeView = Type.Object({
  notice_id: Type.String(),
  kind: Type.String(),
  message: Type.String(),
  detail: Type.Unknown(),
  created_at: Time,
});
export type Secret = Static<typeof Secret>;
export type DeliveryView = Static<typeof DeliveryView>;
export type EndpointView = Static<typeof EndpointView>;
export type NoticeView = Static<typeof NoticeView>;
