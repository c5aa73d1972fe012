import { parseArgs } from "node:util";
import { awsClients, createHandler } from "../../functions/sync.ts";
import { loadConfig } from "../../lib/config.ts";
import { FUNCTION_TIMEOUT_SECONDS, SCHEDULE_BUDGET_SECONDS } from "../../lib/infra/resources.ts";
import { syntheticContext } from "./lambda-context.ts";

export const usage = "run [--budget SECONDS]";
export const summary = "one sync pass here, through the Lambda handler";

export async function run(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { budget: { type: "string" }, help: { type: "boolean", short: "h" } },
    strict: true,
  });
  if (values.help) {
    console.log(
      `usage: genesys-user-sync ${usage}\n\nOne sync pass with the scheduled event as deployed (budgetSeconds ${SCHEDULE_BUDGET_SECONDS}\nunless --budget is given) and the function's timeout, ${FUNCTION_TIMEOUT_SECONDS} s.`,
    );
    return 0;
  }
  const budget = values.budget === undefined ? undefined : Number(values.budget);
  if (budget !== undefined && !(Number.isInteger(budget) && budget >= 1 && budget <= 900)) {
    console.error("--budget must be a whole number of seconds from 1 to 900");
    return 2;
  }
  // The same handler as in Lambda, for the configuration in this process's environment.
  const handler = createHandler({ config: loadConfig(), clients: awsClients() });
  // As deployed: the schedule's input and the function's timeout (which also caps a longer --budget).
  const event = { budgetSeconds: budget ?? SCHEDULE_BUDGET_SECONDS };
  const deadline = Date.now() + FUNCTION_TIMEOUT_SECONDS * 1000;
  const result = await handler(event, syntheticContext("genesys-user-sync-local", deadline));
  console.log(JSON.stringify(result, null, 2));
  return 0;
}
