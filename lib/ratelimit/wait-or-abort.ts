/**
 * Waits for `shared`, a promise another caller owns (a store write or read in flight), or rejects
 * with `signal`'s reason as soon as it aborts; the request itself goes on for its owner. Without it,
 * a caller past its deadline waited out someone else's round trip, however long the store took.
 * `shared`'s own outcome is passed on (its value dropped).
 */
export async function waitOrAbort(shared: Promise<unknown>, signal: AbortSignal | undefined): Promise<void> {
  if (signal === undefined) {
    await shared;
    return;
  }
  signal.throwIfAborted();
  let onAbort = (): void => undefined;
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
  });
  try {
    await Promise.race([shared, aborted]);
  } finally {
    signal.removeEventListener("abort", onAbort);
  }
}
