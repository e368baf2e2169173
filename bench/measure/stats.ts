export interface Summary {
  readonly n: number;
  readonly median: number;
  readonly min: number;
  readonly max: number;
  readonly p99: number;
  readonly mean: number;
}

/** Nearest-rank percentile of sorted values (p in 0..100). */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

export function summarize(values: readonly number[]): Summary {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length / 2;
  const median = sorted.length === 0 ? Number.NaN : sorted.length % 2 ? sorted[Math.floor(mid)]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return {
    n: sorted.length,
    median,
    min: sorted[0] ?? Number.NaN,
    max: sorted[sorted.length - 1] ?? Number.NaN,
    p99: percentile(sorted, 99),
    mean: sorted.reduce((a, b) => a + b, 0) / (sorted.length || 1),
  };
}

/** Ratios of paired samples (run i against run i), so drift over the run cancels out of each pair. */
export function pairRatios(numerators: readonly number[], denominators: readonly number[]): number[] {
  const n = Math.min(numerators.length, denominators.length);
  return Array.from({ length: n }, (_, i) => numerators[i]! / denominators[i]!);
}

/** `a` rotated left by `k`: each run starts with a different candidate, so order effects spread evenly. */
export function rotate<T>(a: readonly T[], k: number): T[] {
  if (a.length === 0) return [];
  const s = k % a.length;
  return [...a.slice(s), ...a.slice(0, s)];
}
