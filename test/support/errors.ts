/** A class of error, as `instanceof` sees it. */
export type ErrorClass<E extends Error> = abstract new (...args: never[]) => E;

/**
 * The error of class `type` that `fn` throws. Fails the test when `fn` returns normally, and
 * rethrows any other error, so a test never passes on the wrong kind of failure.
 */
export function thrownBy<E extends Error>(type: ErrorClass<E>, fn: () => unknown): E {
  try {
    fn();
  } catch (error) {
    if (error instanceof type) return error;
    throw error;
  }
  throw new Error(`expected ${type.name} to be thrown, but nothing was`);
}
