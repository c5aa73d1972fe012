/**
 * Division names to ids, cached in the container: a batch of joiners bound for a few divisions costs
 * one lookup per division name, not one per joiner. A name that finds no division is cached only
 * briefly, so that a division created meanwhile is found.
 */
import type { GenesysDivision } from "../genesys/types.ts";

export interface DivisionLookupPort {
  /** The division with this name (exact, else the only one that matches without regard to case). */
  findDivisionByName(name: string, signal: AbortSignal): Promise<GenesysDivision | undefined>;
}

export interface DivisionNamesOptions {
  readonly lookup: DivisionLookupPort;
  /** How long a found name is trusted, ms. @default 600_000 (10 minutes) */
  readonly ttlMs?: number;
  /** How long a name that found nothing is, ms. @default 60_000 */
  readonly missTtlMs?: number;
  /** @default Date.now */
  readonly now?: () => number;
}

const DEFAULTS = { ttlMs: 600_000, missTtlMs: 60_000, now: Date.now };

export class DivisionNames {
  readonly #o: Required<DivisionNamesOptions>;
  readonly #cache = new Map<string, { readonly id: string | undefined; readonly until: number }>();

  constructor(options: DivisionNamesOptions) {
    this.#o = { ...DEFAULTS, ...options };
  }

  /** Each name's division id, or undefined when no division has the name. Rejects when a lookup fails. */
  async resolve(names: readonly string[], signal: AbortSignal): Promise<Map<string, string | undefined>> {
    const out = new Map<string, string | undefined>();
    for (const name of new Set(names)) {
      const now = this.#o.now();
      const cached = this.#cache.get(name);
      if (cached && cached.until > now) {
        out.set(name, cached.id);
        continue;
      }
      const id = (await this.#o.lookup.findDivisionByName(name, signal))?.id;
      this.#cache.set(name, { id, until: now + (id === undefined ? this.#o.missTtlMs : this.#o.ttlMs) });
      out.set(name, id);
    }
    return out;
  }
}
