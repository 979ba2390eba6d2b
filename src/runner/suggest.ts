/** Did-you-mean hints for misspelt module names, task keywords and params. */
/** Edit distance counting a swap of neighbours as one typo (debgu → debug). */
function distance(a: string, b: string): number {
  const d: number[][] = Array.from({length: a.length + 1}, (_, i) => [i, ...Array(b.length).fill(0)])
  for (let j = 0; j <= b.length; j++) d[0][j] = j
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1))
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1)
    }
  }
  return d[a.length][b.length]
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
