/**
 * Names of one kind of Genesys object (divisions, skills, languages, queues, roles, locations) to
 * ids, cached in the container: a batch of joiners bound for a few divisions, or of agents gaining a
 * few skills, costs one lookup per name, not one per user. A name that finds nothing is cached only
 * briefly, so that an object created meanwhile is found.
 */

/** The object with this name (exact, else the only one that matches without regard to case). */
export type FindByName = (name: string, signal: AbortSignal) => Promise<{ readonly id: string } | undefined>;

export interface NameIdsOptions {
  readonly find: FindByName;
  /** How long a found name is trusted, ms. @default 600_000 (10 minutes) */
  readonly ttlMs?: number;
  /** How long a name that found nothing is, ms. @default 60_000 */
  readonly missTtlMs?: number;
  /** @default Date.now */
  readonly now?: () => number;
}

const DEFAULTS = { ttlMs: 600_000, missTtlMs: 60_000, now: Date.now };

export class NameIds {
  readonly #o: Required<NameIdsOptions>;
  readonly #cache = new Map<string, { readonly id: string | undefined; readonly until: number }>();

  constructor(options: NameIdsOptions) {
    this.#o = { ...DEFAULTS, ...options };
  }

  /** Each name's id, or undefined when nothing has the name. Rejects when a lookup fails. */
  async resolve(names: readonly string[], signal: AbortSignal): Promise<Map<string, string | undefined>> {
    const out = new Map<string, string | undefined>();
    for (const name of new Set(names)) {
      const now = this.#o.now();
      const cached = this.#cache.get(name);
      if (cached && cached.until > now) {
        out.set(name, cached.id);
        continue;
      }
      const id = (await this.#o.find(name, signal))?.id;
      this.#cache.set(name, { id, until: now + (id === undefined ? this.#o.missTtlMs : this.#o.ttlMs) });
      out.set(name, id);
    }
    return out;
  }
}
