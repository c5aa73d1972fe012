import { type CatalogResolutions, catalogKey, type NameResolution } from "./bind-elements.ts";
import type { FieldOutcome } from "./field-outcome.ts";
import type { CatalogKind, CatalogPort } from "./pass-deps.ts";

/**
 * Looks the batch's catalog names up (cached per container, one call per name not cached): each
 * kind's names, and the home division when a role wants it. A lookup that fails is the outcome of
 * every name of its kind (`fail` classifies it, and the pass's mode takes its part).
 */
export async function lookUpCatalog(
  port: CatalogPort | undefined,
  wanted: { readonly names: ReadonlyMap<CatalogKind, readonly string[]>; readonly home: boolean },
  signal: AbortSignal,
  fail: (error: unknown) => FieldOutcome,
): Promise<CatalogResolutions> {
  const names = new Map<string, NameResolution>();
  const wired = (): CatalogPort => {
    if (!port)
      throw new Error("changes name skills, languages, queues, roles or locations, but no lookup is wired");
    return port;
  };
  for (const [kind, list] of wanted.names) {
    try {
      const ids = await wired().names[kind].resolve(list, signal);
      for (const name of list) {
        const id = ids.get(name);
        names.set(catalogKey(kind, name), id === undefined ? { kind: "not-found" } : { kind: "found", id });
      }
    } catch (error) {
      const failed: NameResolution = { kind: "failed", outcome: fail(error) };
      for (const name of list) names.set(catalogKey(kind, name), failed);
    }
  }
  if (!wanted.home) return { names };
  try {
    return { names, home: { kind: "found", id: await wired().homeDivision(signal) } };
  } catch (error) {
    return { names, home: { kind: "failed", outcome: fail(error) } };
  }
}
