/**
 * Reading every page of a Genesys listing whose envelope may leave out `pageCount` (a user's skills,
 * a queue's members: `QueueMemberEntityListing` has neither `pageCount` nor `total`).
 */

/** The parts of a listing's envelope that tell whether another page follows. */
export interface ListingPage<E> {
  readonly entities?: readonly E[] | undefined;
  readonly pageCount?: number | undefined;
  /** The page size the answer says it used (it may cap the one asked for). */
  readonly pageSize?: number | undefined;
  readonly nextUri?: string | null | undefined;
}

/**
 * The entities of `read(1)`, `read(2)`, ... in order. A page is the last when it is empty, when it is
 * `pageCount` (if the answer gives one), or, without `pageCount`, when it has no `nextUri` and holds
 * fewer entities than its page size (the answer's, else `pageSize`). Genesys's Terraform provider
 * reads such listings until a page comes back empty (S35, S36); this stops one call earlier when the
 * envelope tells.
 */
export async function everyPage<E>(
  pageSize: number,
  read: (pageNumber: number) => Promise<ListingPage<E>>,
): Promise<E[]> {
  const { entities, complete } = await firstPages(pageSize, read);
  if (!complete) throw new ListingRepeatedError(entities.length);
  return entities;
}

/** A listing answered the same page for two page numbers: it cannot be read whole by `pageNumber`. */
export class ListingRepeatedError extends Error {
  override readonly name = "ListingRepeatedError";
  /** Entities read before the repeat. */
  readonly entitiesRead: number;
  constructor(entitiesRead: number) {
    super(
      `a Genesys Cloud listing answered the same page for two page numbers after ${entitiesRead} entities: it seems to page by cursor only, which this client does not follow`,
    );
    this.entitiesRead = entitiesRead;
  }
}

/** How far `firstPages` reads. */
interface PagesToRead {
  /** Pages at most. @default Infinity */
  readonly maxPages?: number;
  /**
   * What ends the listing: `envelope`, as `everyPage` says (an empty page, `pageCount`, or a short
   * page without `nextUri`); `empty`, only an empty page, as Genesys's Terraform provider reads a
   * queue's members (S36): for a listing whose pages may come back short before its end, where
   * taking a short page for the last would hide whoever follows. @default "envelope"
   */
  readonly endsOn?: "envelope" | "empty";
}

/**
 * The pages `everyPage` would read, within `options`; `complete` says whether the listing ended
 * within them (false: more may follow).
 */
export async function firstPages<E>(
  pageSize: number,
  read: (pageNumber: number) => Promise<ListingPage<E>>,
  options: PagesToRead = {},
): Promise<{ readonly entities: E[]; readonly complete: boolean }> {
  const { maxPages = Number.POSITIVE_INFINITY, endsOn = "envelope" } = options;
  const all: E[] = [];
  let previous: string | undefined;
  for (let page = 1; page <= maxPages; page++) {
    const listing = await read(page);
    const entities = listing.entities ?? [];
    if (entities.length === 0) return { entities: all, complete: true };
    // The same entities as the page before: the listing ignores `pageNumber` (one that pages by a
    // cursor only would). Reading on would never end; what follows is unknown.
    const seen = JSON.stringify(entities);
    if (seen === previous) return { entities: all, complete: false };
    previous = seen;
    all.push(...entities);
    if (endsOn === "empty") continue;
    if (listing.pageCount !== undefined) {
      if (page >= listing.pageCount) return { entities: all, complete: true };
      continue;
    }
    if (!listing.nextUri && entities.length < (listing.pageSize ?? pageSize))
      return { entities: all, complete: true };
  }
  return { entities: all, complete: false };
}
