import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Nullable } from '../domain/schema-types.js';
import { DeliveryStatus, DeliveryView, EndpointView, KeyMode, NoticeView, Secret } from '../domain/webhook-schemas.js';
import { Type } from 'typebox';
import { enableEndpoint, redeliverOne, redeliverRange, requireAccount, requireDelivery, rotateSecret, setKeyMode } from '../commands/webhooks.js';
import { REQUEST_LIMITS } from '../domain/request-limits.js';
import { invalid } from '../errors.js';
import type { Account } from '../store/accounts.repository.js';
import type { Store } from '../store/db.js';
import { listDeliveries, type Delivery } from '../store/deliveries.repository.js';
import { listEndpoints, listNotices } from '../store/endpoints.repository.js';
import { byCreation, iso, keysetPage } from '../domain/wire.js';
import { splitArrayParams } from './query.js';
import { ErrorResponse } from '../domain/monitor-schemas.js';

const tags = ['Webhooks (Vigil)'];
const errors = { 401: ErrorResponse, 404: ErrorResponse, 422: ErrorResponse };

function wireSecret(account: Account, now: number): Secret {
  const previous = account.previousSecret && account.previousSecret.until > now ? account.previousSecret : null;
  return {
    secret: account.webhookSecret,
    key_mode: account.webhookKeyMode,
    previous_secret: previous?.secret ?? null,
    previous_secret_expires_at: iso(previous?.until ?? null),
  };
}

function wireDelivery(d: Delivery, withBody = false): DeliveryView {
  return {
    delivery_id: d.id,
    resource_type: d.resourceType,
    resource_id: d.resourceId,
    event_type: d.eventType,
    url: d.url,
    status: d.status,
    attempts: d.attempts,
    last_status_code: d.lastStatus,
    last_error: d.lastError,
    next_attempt_at: d.status === 'pending' ? iso(d.nextAttemptAt) : null,
    created_at: iso(d.createdAt),
    delivered_at: iso(d.deliveredAt),
    ...(withBody ? { payload: JSON.parse(d.body) as unknown } : {}),
  };
}

const instant = (value: string | undefined, field: string): number | undefined => {
  if (value === undefined) return undefined;
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw invalid(['body', field], `must be an RFC 3339 date-time; got "${value}"`, 'date_time');
  return ms;
};

/** What the webhook routes need: the store, the clock, and a way to wake the dispatcher. */
interface WebhookRouteOptions {
  store: Store;
  clock: () => number;
  wake: () => void;
}

/**
 * Vigil's additive webhook API: the signing secret (read, rotate, key mode), deliveries (list,
 * inspect, redeliver), endpoint health (list, re-enable) and the account's notices.
 */
export async function webhookRoutes(parent: FastifyInstance, options: WebhookRouteOptions): Promise<void> {
  const app = parent.withTypeProvider<TypeBoxTypeProvider>();
  const { clock } = options;

  app.get('/v1/webhooks/secret', { schema: { tags, summary: "The account's webhook signing secret", response: { 200: Secret, ...errors } } }, async (request) =>
    wireSecret(await requireAccount(options, request.account.id), clock()),
  );

  app.post(
    '/v1/webhooks/secret/rotate',
    {
      schema: {
        tags,
        summary: 'Rotate the signing secret; the old one keeps signing beside the new one for a grace period',
        body: Type.Optional(Type.Object({ grace_period: Type.Optional(Type.String({ description: 'e.g. 24h (default)' })) }, { additionalProperties: false })),
        response: { 200: Secret, ...errors },
      },
    },
    async (request) => {
      const now = clock();
      return wireSecret(await rotateSecret(options, request.account.id, request.body?.grace_period ?? '24h'), now);
    },
  );

  app.post(
    '/v1/webhooks/settings',
    {
      schema: {
        tags,
        summary: 'How the HMAC key is made from the secret',
        body: Type.Object({ key_mode: KeyMode }, { additionalProperties: false }),
        response: { 200: Secret, ...errors },
      },
    },
    async (request) => wireSecret(await setKeyMode(options, request.account.id, request.body.key_mode), clock()),
  );
  deliveryRoutes(parent, options);
  endpointRoutes(parent, options);
}

/** Deliveries: list, inspect, redeliver one or a time range. */
function deliveryRoutes(parent: FastifyInstance, options: WebhookRouteOptions): void {
  const app = parent.withTypeProvider<TypeBoxTypeProvider>();
  const { store } = options;

  deliveryListRoute(parent, store);

  const DeliveryParams = Type.Object({ delivery_id: Type.String() });

  app.get(
    '/v1/webhooks/deliveries/:delivery_id',
    {
      schema: { tags, summary: 'One delivery with its payload', params: DeliveryParams, response: { 200: DeliveryView, ...errors } },
    },
    async (request) => wireDelivery(await requireDelivery(options, request.account.id, request.params.delivery_id), true),
  );

  app.post(
    '/v1/webhooks/deliveries/:delivery_id/redeliver',
    {
      schema: { tags, summary: 'Send a delivery again (same webhook-id)', params: DeliveryParams, response: { 202: DeliveryView, ...errors } },
    },
    async (request, reply) => {
      const delivery = await redeliverOne(options, request.account.id, request.params.delivery_id);
      return reply.status(202).send(wireDelivery(delivery));
    },
  );
  redeliverRangeRoute(parent, options);
}

/** The deliveries list, newest first, filtered by status, resource and event type. */
function deliveryListRoute(parent: FastifyInstance, store: Store): void {
  const app = parent.withTypeProvider<TypeBoxTypeProvider>();
  app.get(
    '/v1/webhooks/deliveries',
    {
      schema: {
        tags,
        summary: 'Webhook deliveries, newest first',
        querystring: Type.Object({
          status: Type.Optional(Type.Array(DeliveryStatus)),
          resource_id: Type.Optional(Type.String()),
          event_type: Type.Optional(Type.String()),
          cursor: Type.Optional(Type.String()),
          limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
        }),
        response: { 200: Type.Object({ deliveries: Type.Array(DeliveryView), next_cursor: Nullable(Type.String()) }), ...errors },
      },
      preValidation: splitArrayParams(['status']),
    },
    async (request) => {
      const { status, resource_id: resourceId, event_type: eventType, cursor, limit } = request.query;
      const page = await keysetPage(byCreation, cursor, limit, (after, n) =>
        listDeliveries(store.lists, {
          accountId: request.account.id,
          statuses: status,
          resourceId,
          eventType,
          limit: n,
          after,
        }),
      );
      return { deliveries: page.rows.map((d) => wireDelivery(d)), next_cursor: page.nextCursor };
    },
  );
}

/** Redeliver every delivery of a time range (failed ones by default). */
function redeliverRangeRoute(parent: FastifyInstance, options: WebhookRouteOptions): void {
  const app = parent.withTypeProvider<TypeBoxTypeProvider>();
  app.post(
    '/v1/webhooks/deliveries/redeliver',
    {
      schema: {
        tags,
        summary: 'Send again every delivery in a time range (failed ones by default)',
        body: Type.Object(
          {
            status: Type.Optional(Type.Array(Type.Union([Type.Literal('delivered'), Type.Literal('failed')]))),
            since: Type.Optional(Type.String({ description: 'RFC 3339; deliveries created at or after' })),
            until: Type.Optional(Type.String({ description: 'RFC 3339; deliveries created before' })),
          },
          { additionalProperties: false },
        ),
        response: { 202: Type.Object({ redelivered: Type.Integer() }), ...errors },
      },
    },
    async (request, reply) => {
      const count = await redeliverRange(options, request.account.id, {
        statuses: request.body.status ?? ['failed'],
        since: instant(request.body.since, 'since'),
        until: instant(request.body.until, 'until'),
      });
      return reply.status(202).send({ redelivered: count });
    },
  );
}

/** Endpoint health (list, re-enable) and the account's notices. */
function endpointRoutes(parent: FastifyInstance, options: WebhookRouteOptions): void {
  const app = parent.withTypeProvider<TypeBoxTypeProvider>();
  const db = options.store.db;

  app.get(
    '/v1/webhooks/endpoints',
    {
      schema: { tags, summary: 'Health of each webhook URL', response: { 200: Type.Object({ endpoints: Type.Array(EndpointView) }), ...errors } },
    },
    async (request) => ({
      endpoints: (await listEndpoints(db, request.account.id)).map((e) => ({
        url: e.url,
        status: e.status,
        failing_since: iso(e.failingSince),
        last_success_at: iso(e.lastSuccessAt),
        disabled_reason: e.disabledReason,
      })),
    }),
  );

  app.post(
    '/v1/webhooks/endpoints/enable',
    {
      schema: {
        tags,
        summary: 'Re-enable a disabled endpoint',
        body: Type.Object({ url: Type.String({ minLength: 1, maxLength: REQUEST_LIMITS.urlChars }) }, { additionalProperties: false }),
        response: { 200: EndpointView, ...errors },
      },
    },
    async (request) => {
      const endpoint = await enableEndpoint(options, request.account.id, request.body.url);
      return { url: endpoint.url, status: endpoint.status, failing_since: null, last_success_at: iso(endpoint.lastSuccessAt), disabled_reason: null };
    },
  );

  app.get(
    '/v1/account/notices',
    {
      schema: {
        tags,
        summary: 'Notices to the account (e.g. a disabled webhook endpoint), newest first',
        querystring: Type.Object({ limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }) }),
        response: { 200: Type.Object({ notices: Type.Array(NoticeView) }), ...errors },
      },
    },
    async (request) => ({
      notices: (await listNotices(db, request.account.id, request.query.limit)).map((n) => ({
        notice_id: n.id,
        kind: n.kind,
        message: n.message,
        detail: n.detail,
        created_at: iso(n.createdAt),
      })),
    }),
  );
}
