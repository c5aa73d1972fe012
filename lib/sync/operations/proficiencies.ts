/**
 * Skills and languages: per user, one call for every addition or update of its kind
 * (`PATCH /api/v2/users/{id}/routingskills/bulk`, 50 a call, as Genesys's Terraform provider sends
 * them), and one `DELETE` per removal, the API's only way (S30, S31). An element already in effect
 * (the bulk read's `expand=skills|languages` shows it) was decided a no-op by `planUpdate` and is not
 * here. Run after the profile PATCH: whether an assignment moves the user's version is not documented.
 */
import { elementOf } from "../../contract/routing-elements.ts";
import type { ChangeField } from "../../contract/user-change.ts";
import type { ProficiencyAssignment } from "../../genesys/user-routing-api.ts";
import type { OperationKind, PlanInput, RankedOperation } from "./operation.ts";

type Payload = { readonly assign: readonly ProficiencyAssignment[] } | { readonly remove: string };

const proficiencyKind = (element: "skill" | "language"): OperationKind<Payload> => {
  const kind = `${element}s`;
  const family = element === "skill" ? "routing.skills" : "routing.languages";
  // SDK docs of the user's routingskills and routinglanguages calls (S30, S31).
  const needs =
    element === "skill" ? "routing:skill:assign" : "routing:skill:assign or routing:language:assign";
  return {
    kind,
    plan({ wants, ids }: PlanInput): RankedOperation<Payload>[] {
      const assign: ProficiencyAssignment[] = [];
      const assignFields: ChangeField[] = [];
      const out: RankedOperation<Payload>[] = [];
      for (const [field, value] of wants) {
        const id = ids.get(field);
        if (elementOf(field)?.element !== element || id === undefined) continue;
        if (typeof value === "number") {
          assign.push({ id, proficiency: value });
          assignFields.push(field);
        } else if (value === null) {
          out.push({
            rank: 61,
            operation: { kind, family, fields: [field], batchable: false, payload: { remove: id }, needs },
          });
        }
      }
      if (assign.length > 0)
        out.unshift({
          rank: 60,
          operation: { kind, family, fields: assignFields, batchable: false, payload: { assign }, needs },
        });
      return out;
    },
    run: async (operation, user, context) => {
      const routing = context.routing;
      if (!routing) throw new Error(`${kind} without the routing API wired`);
      const { payload } = operation;
      if ("assign" in payload) {
        if (element === "skill") await routing.assignUserSkills(user.id, payload.assign, context.signal);
        else await routing.assignUserLanguages(user.id, payload.assign, context.signal);
      } else if (element === "skill") await routing.removeUserSkill(user.id, payload.remove, context.signal);
      else await routing.removeUserLanguage(user.id, payload.remove, context.signal);
      return user;
    },
  };
};

export const SKILLS = proficiencyKind("skill");
export const LANGUAGES = proficiencyKind("language");
