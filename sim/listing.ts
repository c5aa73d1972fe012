import { badRequest } from "./errors.ts";

/**
 * The envelope of Genesys's paged listings (`UserEntityListing`, `AuthzDivisionEntityListing`, …):
 * one page of `matches`, with the URIs of the first, this, last, next and previous pages built from
 * the request's own query.
 */
export interface PagedListing<T> {
  entities: T[];
  pageSize: number;
  pageNumber: number;
  total: number;
  firstUri: string;
  selfUri: string;
  lastUri: string;
  nextUri?: string;
  previousUri?: string;
  pageCount: number;
}

export function pagedListing<T>(
  matches: readonly T[],
  path: string,
  params: URLSearchParams,
  pageNumber: number,
  pageSize: number,
): PagedListing<T> {
  const total = matches.length;
  const pageCount = Math.ceil(total / pageSize);
  const uri = (page: number): string => {
    const q = new URLSearchParams(params);
    q.set("pageSize", String(pageSize));
    q.set("pageNumber", String(page));
    return `${path}?${q}`;
  };
  const listing: PagedListing<T> = {
    entities: matches.slice((pageNumber - 1) * pageSize, pageNumber * pageSize),
    pageSize,
    pageNumber,
    total,
    firstUri: uri(1),
    selfUri: uri(pageNumber),
    lastUri: uri(Math.max(1, pageCount)),
    pageCount,
  };
  if (pageNumber < pageCount) listing.nextUri = uri(pageNumber + 1);
  if (pageNumber > 1) listing.previousUri = uri(pageNumber - 1);
  return listing;
}

/** An integer query parameter (`pageSize`, `pageNumber`), `fallback` when absent; 400 when not one. */
export function intParam(value: string | null, name: string, fallback: number): number {
  if (value === null || value === "") return fallback;
  if (!/^-?\d+$/.test(value)) throw badRequest(`${name} must be an integer.`, { fieldName: name });
  return Number(value);
}
