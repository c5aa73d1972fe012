/** Reading a Genesys listing page by page (pure): where it ends, and what proves it whole. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  everyPage,
  firstPages,
  type ListingPage,
  ListingRepeatedError,
} from "../../../lib/genesys/paging.ts";

/** A listing of `total` numbers in pages of `size`, as `shape` renders each page; the page numbers read. */
function listing(
  total: number,
  size: number,
  shape: (page: number, entities: number[]) => ListingPage<number>,
) {
  const asked: number[] = [];
  const read = async (page: number): Promise<ListingPage<number>> => {
    asked.push(page);
    const entities = Array.from({ length: total }, (_, i) => i).slice((page - 1) * size, page * size);
    return shape(page, entities);
  };
  return { read, asked };
}

describe("firstPages and everyPage", () => {
  it("pageCount ends the listing; without it, a short page without nextUri does", async () => {
    const counted = listing(250, 100, (_, entities) => ({ entities, pageCount: 3 }));
    assert.equal((await everyPage(100, counted.read)).length, 250);
    assert.deepEqual(counted.asked, [1, 2, 3]);
    const uncounted = listing(250, 100, (page, entities) => ({
      entities,
      ...(page < 3 ? { nextUri: `?pageNumber=${page + 1}` } : {}),
    }));
    assert.equal((await everyPage(100, uncounted.read)).length, 250);
    assert.deepEqual(uncounted.asked, [1, 2, 3]);
  });

  it("untilEmpty: a short page is not the last; only an empty page proves the listing whole", async () => {
    const short = listing(250, 99, (_, entities) => ({ entities }));
    const read = await firstPages(100, short.read, { endsOn: "empty" });
    assert.deepEqual([read.entities.length, read.complete], [250, true]);
    assert.deepEqual(short.asked, [1, 2, 3, 4]);
    const capped = await firstPages(100, listing(250, 99, (_, entities) => ({ entities })).read, {
      maxPages: 2,
      endsOn: "empty",
    });
    assert.deepEqual([capped.entities.length, capped.complete], [198, false]);
  });

  it("a listing that answers the same page for every page number stops at the repeat, not whole", async () => {
    const cursorOnly = listing(250, 100, (_, entities) => ({ entities, nextUri: "?cursor=abc" }));
    const first = async (): Promise<ListingPage<number>> => cursorOnly.read(1);
    const read = await firstPages(100, first, { endsOn: "empty" });
    assert.deepEqual([read.entities.length, read.complete], [100, false]);
    await assert.rejects(everyPage(100, first), ListingRepeatedError);
  });
});
