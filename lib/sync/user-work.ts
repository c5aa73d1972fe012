import type { ChangeField } from "../contract/user-change.ts";
import type { GenesysUser } from "../genesys/types.ts";
import type { FieldWant } from "./coalesce.ts";

/** One user's work in a batch. */
export interface UserWork {
  readonly userId: string;
  user: GenesysUser;
  /** Fields not yet decided, with the winning change. */
  readonly pending: Map<ChangeField, FieldWant>;
  /** Whether the pending fields' marks were claimed (after the bulk read, before the first PATCH). */
  claimed: boolean;
  /** The user changed since it was read (a conflict met while freeing its extension): read it again. */
  reread: boolean;
}
