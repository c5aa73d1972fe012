import type { UserKey } from "../contract/user-change.ts";
import type { GenesysUser } from "../genesys/types.ts";
import { employerInfoKnown } from "../sync/plan-update.ts";

/**
 * The org's users as one listing brought them (active and inactive; deleted users are not listed),
 * indexed by the names a snapshot uses: id, email (without regard to case) and employee id. Only
 * what a reconcile compares is kept of each user.
 */
export class Population {
  readonly #byId = new Map<string, GenesysUser>();
  readonly #byEmail = new Map<string, string[]>();
  readonly #byEmployeeId = new Map<string, string[]>();
  /** Users listed without their employer info (an expansion is best effort): their employee id is unknown. */
  readonly #employerUnknown = new Set<string>();

  add(users: Iterable<GenesysUser>): void {
    for (const user of users) {
      if (user.state === "deleted" || this.#byId.has(user.id)) continue;
      this.#byId.set(user.id, user);
      if (user.email) push(this.#byEmail, user.email.trim().toLowerCase(), user.id);
      if (!employerInfoKnown(user)) this.#employerUnknown.add(user.id);
      const employeeId = user.employerInfo?.employeeId?.trim();
      if (employeeId) push(this.#byEmployeeId, employeeId, user.id);
    }
  }

  /** A user read again (with its employer info), replacing what the listing brought. */
  replace(user: GenesysUser): void {
    const known = this.#byId.get(user.id);
    if (known === undefined || !employerInfoKnown(user)) return;
    this.#byId.set(user.id, user);
    this.#employerUnknown.delete(user.id);
    const employeeId = user.employerInfo?.employeeId?.trim();
    if (employeeId) push(this.#byEmployeeId, employeeId, user.id);
  }

  get size(): number {
    return this.#byId.size;
  }

  /** Ids of the users listed without their employer info. */
  get employerUnknown(): readonly string[] {
    return [...this.#employerUnknown];
  }

  users(): IterableIterator<GenesysUser> {
    return this.#byId.values();
  }

  /** The users a key names (one, none, or several when the name is ambiguous). */
  find(key: UserKey): readonly GenesysUser[] {
    if (key.by === "id") {
      const user = this.#byId.get(key.value);
      return user === undefined ? [] : [user];
    }
    const index = key.by === "email" ? this.#byEmail : this.#byEmployeeId;
    const value = key.by === "email" ? key.value.toLowerCase() : key.value;
    return (index.get(value) ?? []).flatMap((id) => this.#byId.get(id) ?? []);
  }

  /** The id of the one user a key names, else undefined (nobody, or ambiguous). */
  idOf(key: UserKey): string | undefined {
    const found = this.find(key);
    return found.length === 1 ? found[0]?.id : undefined;
  }
}

function push(index: Map<string, string[]>, key: string, id: string): void {
  const ids = index.get(key);
  if (ids === undefined) index.set(key, [id]);
  else if (!ids.includes(id)) ids.push(id);
}
