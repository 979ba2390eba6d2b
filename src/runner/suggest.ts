/** Did-you-mean hints for misspelt module names, task keywords and params. */
function distance(a: string, b: string): number {
  let prev = Array.from({length: b.length + 1}, (_, i) => i)
  for (let i = 1; i <= a.length; i++) {
    const cur = [i]
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1))
    prev = cur
  }
  return prev[b.length]
}

export function suggest(word: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined
  let bestD = Infinity
  for (const c of candidates) {
    const d = distance(word.toLowerCase(), c.toLowerCase())
    if (d < bestD) [best, bestD] = [c, d]
  }
  return bestD <= Math.max(1, Math.floor(word.length / 3)) ? best : undefined
}

export function hint(word: string, candidates: readonly string[]): string {
  const s = suggest(word, candidates)
  return s ? `did you mean "${s}"?` : `expected one of: ${[...candidates].sort().join(', ')}`
}
