/**
 * The indices (into `values`) of one longest strictly increasing subsequence. A binding uses it to tell
 * which cells kept their relative order and which ones were moved.
 */
export function longestIncreasingSubsequence(values: readonly number[]): Set<number> {
  const tails: number[] = []; // tails[k]: index of the smallest tail of an increasing run of length k+1
  const previous = new Array<number>(values.length).fill(-1);
  for (let i = 0; i < values.length; i++) {
    const value = values[i]!;
    let low = 0;
    let high = tails.length;
    while (low < high) {
      const mid = (low + high) >> 1;
      if (values[tails[mid]!]! < value) low = mid + 1;
      else high = mid;
    }
    if (low > 0) previous[i] = tails[low - 1]!;
    tails[low] = i;
  }
  const result = new Set<number>();
  for (let i = tails.length > 0 ? tails[tails.length - 1]! : -1; i >= 0; i = previous[i]!) result.add(i);
  return result;
}
