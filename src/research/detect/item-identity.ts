import { hash as digest } from 'node:crypto';
import { normaliseLink, stableText } from '../normalise.js';
import { hamming, nearDuplicateFingerprint, simhashFromHex, simhashToHex, type SimHash } from './simhash.js';
import type { ItemBasis, SourcedItem } from '../items/sourced-item.js';

/** An item with every key it is known by and its near-duplicate fingerprint (with its bound in bits). */
export interface KeyedItem {
  item: SourcedItem;
  keys: string[];
  fingerprint: SimHash | null;
  maxBits: number;
}

const hash = (identity: string) => digest('sha256', identity, 'hex').slice(0, 40);

/**
 * What each item's identity rests on (see ItemBasis), from this item alone. The parse worker that
 * reads a body works it out for its items; items read elsewhere get theirs here.
 */
export function itemBasis(item: SourcedItem): ItemBasis {
  const text = stableText(`${item.title ?? ''}\n${item.summary ?? ''}`);
  const link = item.link ? normaliseLink(item.link) : null;
  // A page block is identified by its stable text already; near-duplicate blocks of a page (two
  // similar changelog lines) are distinct content, not one story told twice. A shadow is never
  // compared as a near-duplicate (see novelItems).
  const block = item.identity?.startsWith('block:') ?? false;
  const near = block || item.shadow ? null : nearDuplicateFingerprint(`${item.title ?? ''} ${item.summary ?? ''}`);
  if (item.identity) return { text, link, near, keys: { identity: hash(item.identity) } };
  const keys: ItemBasis['keys'] = { text: hash(`text:${text}`) };
  if (item.guid) keys.guid = hash(`guid:${item.guid}`);
  if (link) keys.link = hash(`link:${link}`);
  return { text, link, near, keys };
}

/**
 * The keys of each item. Identity degrades from the guid to the normalised link to a fingerprint
 * of the stable text: a guid several different items of one source share is no identity there,
 * nor is a link several different items share or a link to the source itself. An item keeps both
 * its guid and its link key, so that the same story reached through another source (another guid,
 * the same link) is recognised.
 */
export function keyItems(items: SourcedItem[]): KeyedItem[] {
  const bases = new Map(items.map((item) => [item, item.basis ?? itemBasis(item)]));
  const sourceLinks = new Map([...new Set(items.map((item) => item.feedUrl))].map((url) => [url, normaliseLink(url)]));
  const entries = items.filter((item) => !item.identity);
  const brokenGuids = ambiguous(entries, bases, (item) => item.guid);
  const brokenLinks = ambiguous(entries, bases, (item) => bases.get(item)!.link);
  return items.map((item) => {
    const { link, near, keys: known } = bases.get(item)!;
    const fingerprint = near?.hash ?? null;
    const maxBits = near?.maxBits ?? 0;
    if ('identity' in known) return { item, keys: [known.identity], fingerprint, maxBits };
    const keys: string[] = [];
    if (known.guid && !brokenGuids.has(`${item.feedUrl}\n${item.guid}`)) keys.push(known.guid);
    if (known.link && link !== sourceLinks.get(item.feedUrl) && !brokenLinks.has(`${item.feedUrl}\n${link}`)) keys.push(known.link);
    if (keys.length === 0) keys.push(known.text);
    return { item, keys, fingerprint, maxBits };
  });
}

/** `source\nvalue` pairs carried by two or more items of one source with different text. */
function ambiguous(items: SourcedItem[], bases: Map<SourcedItem, ItemBasis>, valueOf: (item: SourcedItem) => string | null): Set<string> {
  const firstText = new Map<string, string>();
  const broken = new Set<string>();
  for (const item of items) {
    const value = valueOf(item);
    if (!value) continue;
    const id = `${item.feedUrl}\n${value}`;
    const text = bases.get(item)!.text;
    const earlier = firstText.get(id);
    if (earlier === undefined) firstText.set(id, text);
    else if (earlier !== text) broken.add(id);
  }
  return broken;
}

/** The new items of an execution and the state to remember about all of them. */
export interface Novelty {
  fresh: SourcedItem[];
  /** Every key of every item read that is not recorded as seen yet. */
  seenKeys: string[];
  /** Fingerprints of the items seen for the first time. */
  fingerprints: { key: string; simhash: string }[];
}

/**
 * Which items are new: none of their keys was seen before or earlier in this execution, and their
 * text is no near-duplicate (SimHash within the item's maxBits) of an item seen before or earlier
 * in this execution. Items keep their order; the first of several duplicates is the one kept.
 */
export function novelItems(keyed: KeyedItem[], seen: Set<string>, pastFingerprints: string[]): Novelty {
  const known = new Set<string>();
  const prints: SimHash[] = pastFingerprints.map(simhashFromHex).filter((p): p is SimHash => p !== null);
  const fresh: SourcedItem[] = [];
  const fingerprints: Novelty['fingerprints'] = [];
  const isSeen = (k: KeyedItem) => k.keys.some((key) => seen.has(key));
  // Shadows (a page's other form) only leave their keys behind: they decide nothing here.
  const read = keyed.filter((k) => !k.item.shadow);
  // Items seen before come first so that a re-published copy meets its original whatever the order.
  for (const k of read.filter(isSeen)) {
    for (const key of k.keys) known.add(key);
    if (k.fingerprint) prints.push(k.fingerprint);
  }
  for (const k of read) {
    if (isSeen(k)) continue;
    const duplicate = k.keys.some((key) => known.has(key)) || (k.fingerprint !== null && prints.some((p) => hamming(p, k.fingerprint!) <= k.maxBits));
    for (const key of k.keys) known.add(key);
    if (k.fingerprint) {
      prints.push(k.fingerprint);
      fingerprints.push({ key: k.keys[0], simhash: simhashToHex(k.fingerprint) });
    }
    if (!duplicate) fresh.push(k.item);
  }
  // Keys seen before are already recorded: only the others need writing (shadows' keys included).
  const seenKeys = [...new Set(keyed.flatMap((k) => k.keys))].filter((key) => !seen.has(key));
  return { fresh, seenKeys, fingerprints };
}
