import { levenshtein } from "../config/did-you-mean.js";

/**
 * The candidate `input` was most likely meant to be: one that starts with it (a dropped suffix such as `_seconds`),
 * else the closest by edit distance when that is close enough to be a typo.
 */
export function closestKey(input: string, candidates: readonly string[]): string | undefined {
  const needle = input.trim().toLowerCase();
  if (needle.length >= 5) {
    const extended = candidates.filter((key) => key.startsWith(needle));
    if (extended.length === 1) return extended[0];
  }
  let best: { key: string; distance: number } | undefined;
  for (const key of candidates) {
    const distance = levenshtein(needle, key);
    if (!best || distance < best.distance) best = { key, distance };
  }
  const tolerance = Math.max(2, Math.floor(needle.length / 4));
  return best && best.distance <= tolerance ? best.key : undefined;
}
