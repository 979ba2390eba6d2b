const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB']

/** Bytes in binary units for progress lines and reports: `2.0 KiB`, `512.0 MiB`. */
export function formatBytes(n: number): string {
  let i = 0
  while (n >= 1024 && i < UNITS.length - 1) (n /= 1024, i++)
  return `${i === 0 ? n : n.toFixed(1)} ${UNITS[i]}`
}
