import type { FeedItem } from './feed.js';

/** A feed item (or a page block, or a JSON element, read as one) with the source it came from. */
export interface SourcedItem extends FeedItem {
  feedUrl: string;
  feedTitle: string | null;
  /** Absent for feed items. */
  origin?: 'page' | 'json';
  /** An identity the extractor fixed (page blocks, keyless JSON elements), replacing guid → link → text. */
  identity?: string;
  /** The heading a page block or entry sits under. */
  section?: string | null;
  /**
   * The same content read in a page's other form (its blocks when it is read as a listing, its
   * entries when read as blocks): its keys are recorded as seen, it is never reported itself.
   */
  shadow?: boolean;
  /** How the item is known, worked out by the parse worker that read it (detect/item-identity.ts). */
  basis?: ItemBasis;
}

/**
 * What an item's identity rests on, each part of it read from this item alone: work of a few tens
 * of microseconds an item (normalising, fingerprinting, hashing), done off the event loop beside
 * the parse. Which of the keys apply depends on the other items read with it (detect decides).
 */
export interface ItemBasis {
  /** The stable text of the title and summary. */
  text: string;
  /** The link, normalised; null without one. */
  link: string | null;
  /** The near-duplicate fingerprint (SimHash) and its bound in bits; null when too short or never compared. */
  near: { hash: { hi: number; lo: number }; maxBits: number } | null;
  /** The hashed keys the item may be known by: its fixed identity's alone, or its guid's, link's and text's. */
  keys: { identity: string } | { guid?: string; link?: string; text: string };
}
