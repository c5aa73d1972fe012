/** The AWS services the pass depends on besides Genesys Cloud. */
export type Dependency = "DynamoDB" | "SQS";

/**
 * A call to DynamoDB or SQS failed (after the SDK's own retries): the pass cannot go on safely. The
 * message names the dependency and what the pass was doing, so the log says what is down.
 */
export class DependencyError extends Error {
  override readonly name = "DependencyError";
  readonly dependency: Dependency;
  /** What the pass was doing, e.g. `claim high-water marks`. */
  readonly operation: string;
  constructor(dependency: Dependency, operation: string, cause: unknown) {
    super(`${dependency} failed while the sync tried to ${operation}: ${describe(cause)}`, { cause });
    this.dependency = dependency;
    this.operation = operation;
  }
}

/** Runs `call`, turning any failure into a `DependencyError` naming `dependency` (kept if it already is one). */
export async function onDependency<T>(
  dependency: Dependency,
  operation: string,
  call: () => Promise<T>,
): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof DependencyError) throw error;
    throw new DependencyError(dependency, operation, error);
  }
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as { code?: unknown }).code ?? (error.cause as { code?: unknown } | undefined)?.code;
  return `${error.name}: ${error.message}${typeof code === "string" && !error.message.includes(code) ? ` (${code})` : ""}`;
}
