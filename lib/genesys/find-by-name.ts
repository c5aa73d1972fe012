/**
 * Finding one object by its name through a listing whose `name` filter is not an exact match (a prefix
 * for skills, a search term for divisions, undocumented for languages and roles, a pattern with
 * asterisks for queues): every page of the filtered listing is read until the exact name turns up,
 * then the exact name wins, else the only name that differs in case only. Genesys's Terraform provider
 * filters by name and then compares the names itself for every one of these (notes S25, S38).
 */
import type { z } from "zod";
import type { GenesysHttp } from "./http-client.ts";

/** One page of a listing filtered by name. */
export interface NamedPage<T> {
  readonly entities: readonly T[];
  /** Absent when the answer leaves it out: pages are then read until one comes back empty. */
  readonly pageCount: number | undefined;
}

/**
 * The object named `name`: `readPage(1)`, `readPage(2)`, ... until a page holds the exact name, comes
 * back empty, or is the last (`pageCount`). Undefined when no object has the name exactly and none or
 * several have it in another case.
 */
export async function findByName<T extends { readonly id: string; readonly name: string }>(
  name: string,
  readPage: (pageNumber: number) => Promise<NamedPage<T>>,
): Promise<T | undefined> {
  // By id: pages that shift under the reader may show one object twice.
  const folded = new Map<string, T>();
  const lower = name.toLowerCase();
  for (let page = 1; ; page++) {
    const { entities, pageCount } = await readPage(page);
    const exact = entities.find((e) => e.name === name);
    if (exact) return exact;
    for (const e of entities) if (e.name.toLowerCase() === lower) folded.set(e.id, e);
    if (entities.length === 0 || (pageCount !== undefined && page >= pageCount)) break;
  }
  return folded.size === 1 ? [...folded.values()][0] : undefined;
}

/** A listing with a `name` filter: `GET <path>?pageSize=&pageNumber=&name=` (operation `GET <path>`). */
export interface NamedListing<E> {
  readonly path: string;
  readonly schema: z.ZodType<{ entities?: E[] | undefined; pageCount?: number | undefined }>;
  /** Objects asked for a page. */
  readonly pageSize: number;
}

/** The object named `name` in `listing`, as `findByName` finds it. */
export function findInListing<E extends { readonly id: string; readonly name: string }>(
  http: GenesysHttp,
  listing: NamedListing<E>,
  name: string,
  signal: AbortSignal,
): Promise<E | undefined> {
  const { path, schema, pageSize } = listing;
  return findByName(name, async (pageNumber) => {
    const params = new URLSearchParams([
      ["pageSize", String(pageSize)],
      ["pageNumber", String(pageNumber)],
      ["name", name],
    ]);
    const page = await http.request("GET", `${path}?${params}`, `GET ${path}`, schema, { signal });
    return { entities: page.entities ?? [], pageCount: page.pageCount };
  });
}
