/** `NameIds`: names to ids (here divisions), cached per container; a miss is cached briefly. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { NameIds } from "../../../lib/directory/name-ids.ts";
import type { GenesysDivision } from "../../../lib/genesys/types.ts";

const signal = AbortSignal.timeout(5_000);

/** The division listing in memory: the lookups it was asked for, and divisions that can be added later. */
class FakeLookup {
  readonly asked: string[] = [];
  readonly divisions = new Map<string, string>([["EMEA Support", "d-emea"]]);
  fail: Error | undefined;
  async findDivisionByName(name: string): Promise<GenesysDivision | undefined> {
    this.asked.push(name);
    if (this.fail) throw this.fail;
    const id = this.divisions.get(name);
    return id === undefined ? undefined : { id, name };
  }
}

const setup = (options: { ttlMs?: number; missTtlMs?: number } = {}) => {
  const lookup = new FakeLookup();
  let now = 1_000_000;
  const names = new NameIds({ find: (name) => lookup.findDivisionByName(name), now: () => now, ...options });
  return {
    lookup,
    names,
    at: (ms: number) => {
      now = 1_000_000 + ms;
    },
  };
};

describe("NameIds", () => {
  it("a found name is looked up once, then served from the cache until ttlMs", async () => {
    const { lookup, names, at } = setup({ ttlMs: 10_000 });
    assert.deepEqual(
      await names.resolve(["EMEA Support", "EMEA Support"], signal),
      new Map([["EMEA Support", "d-emea"]]),
    );
    at(9_999);
    assert.equal((await names.resolve(["EMEA Support"], signal)).get("EMEA Support"), "d-emea");
    assert.deepEqual(lookup.asked, ["EMEA Support"], "one lookup for the name, however often it is asked");
    at(10_000);
    await names.resolve(["EMEA Support"], signal);
    assert.deepEqual(
      lookup.asked,
      ["EMEA Support", "EMEA Support"],
      "looked up again once trusted no longer",
    );
  });

  it("a name no division has is cached for missTtlMs only, so a division created meanwhile is found", async () => {
    const { lookup, names, at } = setup();
    assert.deepEqual(await names.resolve(["Atlantis"], signal), new Map([["Atlantis", undefined]]));
    lookup.divisions.set("Atlantis", "d-atl");
    at(59_999); // the default missTtlMs is 60 s
    assert.equal((await names.resolve(["Atlantis"], signal)).get("Atlantis"), undefined, "the miss, cached");
    assert.equal(lookup.asked.length, 1);
    at(60_000);
    assert.equal((await names.resolve(["Atlantis"], signal)).get("Atlantis"), "d-atl");
    assert.equal(lookup.asked.length, 2);
    at(60_000 + 599_999); // found: trusted for the default ttlMs, 10 minutes
    await names.resolve(["Atlantis"], signal);
    assert.equal(lookup.asked.length, 2);
  });

  it("several names: each looked up once, hits and misses side by side", async () => {
    const { lookup, names } = setup();
    await names.resolve(["EMEA Support"], signal);
    const out = await names.resolve(["EMEA Support", "Atlantis", "Atlantis"], signal);
    assert.deepEqual(
      [...out],
      [
        ["EMEA Support", "d-emea"],
        ["Atlantis", undefined],
      ],
    );
    assert.deepEqual(lookup.asked, ["EMEA Support", "Atlantis"]);
  });

  it("a lookup that fails rejects, and caches nothing", async () => {
    const { lookup, names } = setup();
    lookup.fail = new Error("503");
    await assert.rejects(names.resolve(["EMEA Support"], signal), /503/);
    lookup.fail = undefined;
    assert.equal((await names.resolve(["EMEA Support"], signal)).get("EMEA Support"), "d-emea");
    assert.equal(lookup.asked.length, 2);
  });
});
