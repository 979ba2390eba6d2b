/** "Did you mean" suggestions for misspelt keys, drivers, hosts and headers. */

/** Edit distance (insert, delete, substitute each cost 1). */
export function levenshtein(a: string, b: string): number {
  let prev = Array.from({length: b.length + 1}, (_, i) => i)
  for (let i = 1; i <= a.length; i++) {
    const cur = [i]
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
    }
    prev = cur
  }
  return prev[b.length]
}

/** The closest candidate, if it is close enough to be a plausible typo. */
export function closest(word: string, candidates: Iterable<string>): string | undefined {
  const w = word.toLowerCase()
  let best: string | undefined
  let bestDist = Infinity
  for (const c of candidates) {
    const d = levenshtein(w, c.toLowerCase())
    if (d < bestDist) [best, bestDist] = [c, d]
  }
  // Allow roughly one typo per three characters, at least one.
  const limit = Math.max(1, Math.floor(Math.max(w.length, 3) / 3))
  return bestDist <= limit ? best : undefined
}

/** Hint text: `did you mean "x"?` or the list of valid choices. */
export function didYouMean(word: string, candidates: readonly string[]): string {
  const best = closest(word, candidates)
  if (best) return `did you mean "${best}"?`
  return `expected one of: ${candidates.join(', ')}`
}
