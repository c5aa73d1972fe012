import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { type ExtensionMove, orderSteps, type Step } from "../../../lib/sync/extension-order.ts";

const apply = (userId: string): Step => ({ kind: "apply", userId });
const clear = (userId: string): Step => ({ kind: "clear-extension", userId });
const move = (userId: string, from: string | null, to: string | null): ExtensionMove => ({
  userId,
  from,
  to,
});

/**
 * Plays the steps on a map extension → holder, starting from `from` of every move (plus `others`: holders
 * outside the moves). Throws when a step would give an extension to a second user; returns the final map.
 */
function simulate(
  moves: readonly ExtensionMove[],
  steps: readonly Step[],
  others: ReadonlyMap<string, string> = new Map(),
): Map<string, string> {
  const holderOf = new Map(others);
  const extOf = new Map<string, string | null>();
  for (const m of moves) {
    extOf.set(m.userId, m.from);
    if (m.from !== null) {
      assert.ok(!holderOf.has(m.from), `bad fixture: ${m.from} held twice`);
      holderOf.set(m.from, m.userId);
    }
  }
  const target = new Map(moves.map((m) => [m.userId, m.to]));
  for (const step of steps) {
    const current = extOf.get(step.userId) ?? null;
    const next =
      step.kind === "clear-extension"
        ? null
        : target.has(step.userId)
          ? (target.get(step.userId) ?? null)
          : current;
    if (next !== null && next !== current) {
      const holder = holderOf.get(next);
      assert.equal(holder, undefined, `${step.userId} takes ${next} while ${holder} still holds it`);
    }
    if (current !== null && next !== current) holderOf.delete(current);
    if (next !== null) holderOf.set(next, step.userId);
    extOf.set(step.userId, next);
  }
  return holderOf;
}

describe("orderSteps", () => {
  it("users without extension moves keep the given order, as plain applies", () => {
    assert.deepEqual(orderSteps(["a", "b", "c"], []), [apply("a"), apply("b"), apply("c")]);
  });

  it("a move to the same extension is not a move", () => {
    assert.deepEqual(orderSteps(["a"], [move("a", "1", "1")]), [apply("a")]);
  });

  it("a swap of two → clear one, apply the other, then apply the cleared one", () => {
    const moves = [move("a", "100", "200"), move("b", "200", "100")];
    const steps = orderSteps(["a", "b"], moves);
    assert.deepEqual(steps, [clear("a"), apply("b"), apply("a")]);
    assert.deepEqual(Object.fromEntries(simulate(moves, steps)), { "100": "b", "200": "a" });
  });

  it("a 3-cycle → one clear, then three applies in holder-first order", () => {
    const moves = [move("a", "1", "2"), move("b", "2", "3"), move("c", "3", "1")];
    const steps = orderSteps(["a", "b", "c"], moves);
    assert.equal(steps.filter((s) => s.kind === "clear-extension").length, 1);
    assert.equal(steps.filter((s) => s.kind === "apply").length, 3);
    assert.deepEqual(Object.fromEntries(simulate(moves, steps)), { "1": "c", "2": "a", "3": "b" });
  });

  it("a chain without a cycle is ordered holder-first, with no clear", () => {
    // a wants b's, b wants c's, c moves to a free extension
    const moves = [move("a", "1", "2"), move("b", "2", "3"), move("c", "3", "4")];
    const steps = orderSteps(["a", "b", "c"], moves);
    assert.deepEqual(steps, [apply("c"), apply("b"), apply("a")]);
    assert.deepEqual(Object.fromEntries(simulate(moves, steps)), { "2": "a", "3": "b", "4": "c" });
  });

  it("a removal frees the extension before the user who takes it", () => {
    const moves = [move("taker", null, "7"), move("leaver", "7", null)];
    assert.deepEqual(orderSteps(["taker", "leaver"], moves), [apply("leaver"), apply("taker")]);
  });

  it("non-moving users come first; every user gets exactly one apply", () => {
    const steps = orderSteps(["x", "a", "y", "b"], [move("a", "1", "2"), move("b", "2", "1")]);
    assert.deepEqual(steps.slice(0, 2), [apply("x"), apply("y")]);
    const applies = steps.filter((s) => s.kind === "apply").map((s) => s.userId);
    assert.deepEqual([...applies].sort(), ["a", "b", "x", "y"]);
  });

  it("the step simulator used below rejects a wrong order (so the property can fail)", () => {
    const moves = [move("a", "100", "200"), move("b", "200", "100")];
    assert.throws(() => simulate(moves, [apply("a"), apply("b")]), /a takes 200 while b still holds it/);
    const chain = [move("a", "1", "2"), move("b", "2", "3")];
    assert.throws(() => simulate(chain, [apply("a"), apply("b")]), /a takes 2 while b still holds it/);
  });

  it("property: a random permutation of extensions never gives one extension to two users at once", () => {
    const scenario = fc
      .record({
        users: fc.integer({ min: 1, max: 9 }),
        extra: fc.integer({ min: 0, max: 4 }),
        seed: fc.infiniteStream(fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true })),
        nullFrom: fc.array(fc.boolean(), { minLength: 9, maxLength: 9 }),
        nullTo: fc.array(fc.boolean(), { minLength: 9, maxLength: 9 }),
        bystanders: fc.integer({ min: 0, max: 3 }),
      })
      .map(({ users, extra, seed, nullFrom, nullTo, bystanders }) => {
        const rng = seed[Symbol.iterator]();
        const next = () => rng.next().value as number;
        const shuffle = <T>(xs: T[]): T[] => {
          const out = [...xs];
          for (let i = out.length - 1; i > 0; i--) {
            const j = Math.floor(next() * (i + 1));
            [out[i], out[j]] = [out[j] as T, out[i] as T];
          }
          return out;
        };
        const ids = Array.from({ length: users }, (_, i) => `u${i}`);
        const pool = Array.from({ length: users + extra }, (_, i) => String(1000 + i));
        const froms = shuffle(pool).slice(0, users);
        const tos = shuffle(pool).slice(0, users);
        const moves = ids.map((id, i) =>
          move(id, nullFrom[i] ? null : (froms[i] as string), nullTo[i] ? null : (tos[i] as string)),
        );
        const order = shuffle([...ids, ...Array.from({ length: bystanders }, (_, i) => `b${i}`)]);
        return { moves, order };
      });
    fc.assert(
      fc.property(scenario, ({ moves, order }) => {
        const steps = orderSteps(order, moves);
        const final = simulate(moves, steps);
        // Everyone ends where the batch wants them, and every user is applied exactly once.
        for (const m of moves) {
          if (m.to !== null) assert.equal(final.get(m.to), m.userId);
        }
        const applies = steps.filter((s) => s.kind === "apply").map((s) => s.userId);
        assert.deepEqual([...applies].sort(), [...order].sort());
        // A clear is only ever done before that user's own apply.
        for (const [i, s] of steps.entries()) {
          if (s.kind === "clear-extension") {
            assert.ok(steps.slice(i + 1).some((t) => t.kind === "apply" && t.userId === s.userId));
          }
        }
      }),
      { numRuns: 500 },
    );
  });
});
