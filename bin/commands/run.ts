import { parseArgs } from "node:util";
import { syntheticContext } from "./lambda-context.ts";

export const summary = "one sync pass here, through the Lambda handler";

/** Lambda's own limit; the pass stops its safety margin before it. */
const DEFAULT_BUDGET_S = 60;

export async function run(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { budget: { type: "string" }, help: { type: "boolean", short: "h" } },
    strict: true,
  });
  if (values.help) {
    console.log(
      "usage: genesys-user-sync run [--budget SECONDS]\n\nOne sync pass with a synthetic scheduled event.",
    );
    return 0;
  }
  const budget = values.budget === undefined ? undefined : Number(values.budget);
  if (budget !== undefined && !(Number.isInteger(budget) && budget >= 1 && budget <= 900)) {
    console.error("--budget must be a whole number of seconds from 1 to 900");
    return 2;
  }
  // Imported here so that a configuration error is reported by the CLI, not at load.
  const { handler } = await import("../../functions/sync.ts");
  const event =
    budget === undefined
      ? { "detail-type": "Scheduled Event", source: "aws.events", detail: {} }
      : { budgetSeconds: budget };
  const deadline = Date.now() + ((budget ?? DEFAULT_BUDGET_S) + 20) * 1000;
  const summary = await handler(event, syntheticContext("genesys-user-sync-local", deadline));
  console.log(JSON.stringify(summary, null, 2));
  return 0;
}
