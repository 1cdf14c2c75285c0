import { stableWords } from '../normalise.js';

/**
 * SimHash (Charikar 2002) over 64 bits: each feature of a text votes on every bit with its own
 * hash; near-identical texts get fingerprints a few bits apart. Kept as two unsigned 32-bit halves,
 * since plain numbers are an order of magnitude faster than BigInt here.
 */
export interface SimHash {
  hi: number;
  lo: number;
}

/** Texts with fewer words than this get no fingerprint: a one-word change would be a near-duplicate. */
export const MIN_SIMHASH_WORDS = 8;
/**
 * Fingerprints at most this many bits apart are the same story: a word or two changed in 20 or
 * more. Shorter texts move further per word, so they get a tighter bound: measured on random
 * 8–16-word texts, one replaced word stays within 3 bits 4–11% of the time, within 6 bits 15–40%.
 */
export const NEAR_DUPLICATE_BITS = 6;
export const NEAR_DUPLICATE_BITS_SHORT = 3;
const SHORT_TEXT_WORDS = 20;

/**
 * The 64-bit SimHash of a text's stable words, or null for texts too short to judge. Words alone,
 * not word pairs: measured on news-like texts of ~20 words, one inserted word moved pairs-based
 * fingerprints 9 bits and words-based ones 3, while a related but different story stayed ≥ 12 apart.
 */
export function simhash(text: string): SimHash | null {
  return fingerprintOf(stableWords(text))?.hash ?? null;
}

/** A text's SimHash and how many bits from another fingerprint still make it a near-duplicate. */
export function nearDuplicateFingerprint(text: string): { hash: SimHash; maxBits: number } | null {
  return fingerprintOf(stableWords(text));
}

function fingerprintOf(words: string[]): { hash: SimHash; maxBits: number } | null {
  if (words.length < MIN_SIMHASH_WORDS) return null;
  const votes = new Int32Array(64);
  for (let i = 0; i < words.length; i += 1) {
    // Numbers weigh heavily: "version 2.1 released" and "version 2.2 released" are two stories.
    vote(votes, words[i], /\d/.test(words[i]) ? NUMBER_WEIGHT : 1);
  }
  let hi = 0;
  let lo = 0;
  for (let bit = 0; bit < 32; bit += 1) {
    if (votes[bit] > 0) hi |= 1 << bit;
    if (votes[bit + 32] > 0) lo |= 1 << bit;
  }
  const maxBits = words.length < SHORT_TEXT_WORDS ? NEAR_DUPLICATE_BITS_SHORT : NEAR_DUPLICATE_BITS;
  return { hash: { hi: hi >>> 0, lo: lo >>> 0 }, maxBits };
}

const NUMBER_WEIGHT = 8;

function vote(votes: Int32Array, feature: string, weight: number): void {
  const hi = fnv1a(feature, 0x811c9dc5);
  const lo = fnv1a(feature, 0x050c5d1f);
  for (let bit = 0; bit < 32; bit += 1) {
    votes[bit] += (hi >>> bit) & 1 ? weight : -weight;
    votes[bit + 32] += (lo >>> bit) & 1 ? weight : -weight;
  }
}

/** 32-bit FNV-1a with a chosen offset basis (two bases give two independent halves). */
function fnv1a(text: string, basis: number): number {
  let hash = basis;
  for (let i = 0; i < text.length; i += 1) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  // A final avalanche so that short features spread over all bits.
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  return hash >>> 0;
}

/** Number of differing bits. */
export function hamming(a: SimHash, b: SimHash): number {
  return popcount((a.hi ^ b.hi) >>> 0) + popcount((a.lo ^ b.lo) >>> 0);
}

function popcount(x: number): number {
  let v = x - ((x >>> 1) & 0x55555555);
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return Math.imul((v + (v >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24;
}

/** 16 hex digits, as stored. */
export function simhashToHex(h: SimHash): string {
  return h.hi.toString(16).padStart(8, '0') + h.lo.toString(16).padStart(8, '0');
}

/** The inverse of simhashToHex; null for anything else. */
export function simhashFromHex(hex: string): SimHash | null {
  if (!/^[0-9a-f]{16}$/.test(hex)) return null;
  return { hi: parseInt(hex.slice(0, 8), 16), lo: parseInt(hex.slice(8), 16) };
}
