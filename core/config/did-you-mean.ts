/** Edit distance (insert, delete, substitute) between two strings. */
export function levenshtein(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min(previous[j]! + 1, current[j - 1]! + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length]!;
}

/**
 * The known key an unknown key most likely meant: edit distance ≤ 2 (and smaller than the key itself, so `x` does not
 * suggest `id`), or one is a prefix of the other (`pluginTimeout` → `pluginTimeoutMs`). Null when nothing is close.
 */
export function didYouMean(unknown: string, known: readonly string[]): string | null {
  let best: { key: string; score: number } | null = null;
  const lower = unknown.toLowerCase();
  for (const key of known) {
    const candidate = key.toLowerCase();
    const distance = levenshtein(lower, candidate);
    const shorter = Math.min(lower.length, candidate.length);
    const isPrefix = shorter >= 3 && (candidate.startsWith(lower) || lower.startsWith(candidate));
    const close = distance <= 2 && distance < lower.length;
    if (!close && !isPrefix) continue;
    if (best === null || distance < best.score) best = { key, score: distance };
  }
  return best?.key ?? null;
}
