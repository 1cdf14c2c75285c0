import { randomBytes } from 'node:crypto';

/** A webhook signing secret in the documented `whsec_` format. */
export function newWebhookSecret(): string {
  return `whsec_${randomBytes(24).toString('base64')}`;
}
