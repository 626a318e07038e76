/**
 * Assertions for the suite inside VS Code's web worker, where Node's `assert` does not exist. Failures
 * carry both values, so mocha's report says what differed.
 */
class AssertionError extends Error {
  override readonly name = 'AssertionError';
  constructor(
    message: string,
    readonly actual?: unknown,
    readonly expected?: unknown,
  ) {
    super(message);
  }
}

function show(value: unknown): string {
  const text = JSON.stringify(value);
  return text === undefined ? String(value) : text.length > 2000 ? `${text.slice(0, 2000)}...` : text;
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const keysA = Object.keys(a).filter((k) => (a as Record<string, unknown>)[k] !== undefined);
  const keysB = Object.keys(b).filter((k) => (b as Record<string, unknown>)[k] !== undefined);
  if (keysA.length !== keysB.length) return false;
  return keysA.every((key) => deepEqual((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key]));
}

export function ok(value: unknown, message = 'expected a truthy value'): asserts value {
  if (!value) throw new AssertionError(message, value, true);
}

export function strictEqual<T>(actual: T, expected: T, message?: string): void {
  if (!Object.is(actual, expected))
    throw new AssertionError(message ?? `${show(actual)} !== ${show(expected)}`, actual, expected);
}

export function deepStrictEqual(actual: unknown, expected: unknown, message?: string): void {
  if (!deepEqual(actual, expected)) {
    throw new AssertionError(
      message ?? `not deep-equal:\n  actual:   ${show(actual)}\n  expected: ${show(expected)}`,
      actual,
      expected,
    );
  }
}

export function match(actual: string, pattern: RegExp, message?: string): void {
  if (!pattern.test(actual))
    throw new AssertionError(message ?? `${show(actual)} does not match ${pattern}`, actual, String(pattern));
}

export async function rejects(promise: Promise<unknown>, pattern: RegExp): Promise<void> {
  try {
    await promise;
  } catch (error) {
    match(error instanceof Error ? error.message : String(error), pattern);
    return;
  }
  throw new AssertionError(`expected a rejection matching ${pattern}`);
}
