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
}
