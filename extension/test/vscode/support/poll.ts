/** Waits until `check` stops throwing (or returns true), retrying; the last failure is reported. */
export async function eventually<T>(check: () => T | Promise<T>, timeoutMs = 15_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const result = await check();
      if (result !== false) return result;
      lastError = new Error(`${what} is still false`);
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) throw lastError instanceof Error ? lastError : new Error(String(lastError));
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
