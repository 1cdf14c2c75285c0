import { checkWebhookUrl } from '../domain/monitor-rules.js';
import { checkGracePeriod, checkRedeliverable } from '../domain/webhook-rules.js';
import { newWebhookSecret } from '../domain/webhook-secret.js';
import { AppError, validationError } from '../errors.js';
import { findAccountById, rotateWebhookSecret, setWebhookKeyMode, type Account, type WebhookKeyMode } from '../store/accounts.repository.js';
import type { Store } from '../store/db.js';
import { findDelivery, redeliver, type Delivery, type DeliveryStatus } from '../store/deliveries.repository.js';
import { findEndpoint, saveEndpoint, type Endpoint } from '../store/endpoints.repository.js';

/** What webhook commands need: the store, a clock and a wake-up for the dispatcher. */
export interface WebhookCommandDeps {
  store: Store;
  clock: () => number;
  wake: () => void;
}

/** The caller's account; a key whose account is gone is as good as no key. */
export async function requireAccount(deps: WebhookCommandDeps, accountId: string): Promise<Account> {
  const found = await findAccountById(deps.store.db, accountId);
  if (!found) throw new AppError('UNAUTHORIZED');
  return found;
}

/** The account's delivery, or a 404 as if it did not exist. */
export async function requireDelivery(deps: WebhookCommandDeps, accountId: string, id: string): Promise<Delivery> {
  const delivery = await findDelivery(deps.store.db, accountId, id);
  if (!delivery) throw new AppError('DELIVERY_NOT_FOUND');
  return delivery;
}

/** Rotates the signing secret; the old one keeps signing for the grace period (e.g. `24h`). */
export async function rotateSecret(deps: WebhookCommandDeps, accountId: string, gracePeriod: string): Promise<Account> {
  // Checked before anything is written: an unbounded grace period once saved a date no response could show.
  const grace = checkGracePeriod(gracePeriod, ['body', 'grace_period']);
  if ('problem' in grace) throw validationError([grace.problem]);
  await rotateWebhookSecret(deps.store.db, accountId, newWebhookSecret(), deps.clock() + grace.seconds * 1000);
  return requireAccount(deps, accountId);
}

/** Sets how the HMAC key is made from the secret. */
export async function setKeyMode(deps: WebhookCommandDeps, accountId: string, mode: WebhookKeyMode): Promise<Account> {
  await setWebhookKeyMode(deps.store.db, accountId, mode);
  return requireAccount(deps, accountId);
}

/** Sends one delivered or failed delivery again, with the same webhook-id; returns it as now queued. */
export async function redeliverOne(deps: WebhookCommandDeps, accountId: string, id: string): Promise<Delivery> {
  const delivery = await requireDelivery(deps, accountId, id);
  const problems = checkRedeliverable(delivery.status, ['path', 'delivery_id']);
  if (problems.length > 0) throw validationError(problems);
  await redeliver(deps.store.db, { accountId, ids: [id], now: deps.clock() });
  deps.wake();
  return requireDelivery(deps, accountId, id);
}

/** Sends again every delivery of those statuses created in [since, until); returns how many. */
export async function redeliverRange(
  deps: WebhookCommandDeps,
  accountId: string,
  q: { statuses: Exclude<DeliveryStatus, 'pending'>[]; since?: number; until?: number },
): Promise<number> {
  const count = await redeliver(deps.store.db, { accountId, ...q, now: deps.clock() });
  deps.wake();
  return count;
}

/** Re-enables a webhook URL; one already healthy (or never seen) is returned without a write. */
export async function enableEndpoint(deps: WebhookCommandDeps, accountId: string, url: string): Promise<Endpoint> {
  const problems = checkWebhookUrl(url, ['body', 'url']);
  if (problems.length > 0) throw validationError(problems);
  const found = await findEndpoint(deps.store.db, accountId, url);
  const endpoint = { ...found, status: 'active' as const, failingSince: null, disabledReason: null };
  if (found.status !== 'active' || found.failingSince !== null) await saveEndpoint(deps.store.db, accountId, endpoint, deps.clock());
  return endpoint;
}
