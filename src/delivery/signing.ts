import { createHmac, createSecretKey, type KeyObject } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import type { Account, WebhookKeyMode } from '../store/accounts.repository.js';

/**
 * The HMAC key a secret stands for. `raw`: the secret string's UTF-8 bytes, as Parallel's docs and
 * samples verify; `standard`: Standard Webhooks' base64 after the `whsec_` prefix (api.md §3.2).
 */
export function signingKey(secret: string, mode: WebhookKeyMode): Buffer {
  if (mode === 'standard' && secret.startsWith('whsec_')) return Buffer.from(secret.slice('whsec_'.length), 'base64');
  return Buffer.from(secret, 'utf8');
}

// Key objects by mode and secret: decoding and importing a key for every message cost as much as
// the HMAC itself. Accounts have one or two live secrets, so the cache stays small.
const keyObjects = new LRUCache<string, KeyObject>({ max: 1000 });

function keyObject(secret: string, mode: WebhookKeyMode): KeyObject {
  const cacheKey = `${mode} ${secret}`;
  let key = keyObjects.get(cacheKey);
  if (!key) {
    key = createSecretKey(signingKey(secret, mode));
    keyObjects.set(cacheKey, key);
  }
  return key;
}

/** `v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<body>">`: one Standard Webhooks signature. */
export function signature(key: Buffer | KeyObject, id: string, timestamp: number, body: string): string {
  return `v1,${createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64')}`;
}

/**
 * The signing headers of one attempt: a fresh timestamp (receivers reject old ones), and one
 * signature per live secret, so receivers verify during a rotation with either secret.
 */
export function signatureHeaders(account: Account, id: string, body: string, now: number): Record<string, string> {
  const timestamp = Math.floor(now / 1000);
  const mode = account.webhookKeyMode;
  let signatures = signature(keyObject(account.webhookSecret, mode), id, timestamp, body);
  if (account.previousSecret && account.previousSecret.until > now) {
    signatures += ` ${signature(keyObject(account.previousSecret.secret, mode), id, timestamp, body)}`;
  }
  return { 'webhook-id': id, 'webhook-timestamp': String(timestamp), 'webhook-signature': signatures };
}
