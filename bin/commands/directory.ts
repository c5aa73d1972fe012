import { parseArgs } from "node:util";
import { awsClients, createHandler } from "../../functions/sync.ts";
import { loadConfig } from "../../lib/config.ts";
import { FUNCTION_TIMEOUT_SECONDS } from "../../lib/infra/resources.ts";
import { syntheticContext } from "./lambda-context.ts";

export const usage = "directory refresh";
export const summary = "rebuild the index of employee ids and emails from a listing of every user";

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: { help: { type: "boolean", short: "h" } },
    allowPositionals: true,
    strict: true,
  });
  if (values.help || positionals[0] !== "refresh" || positionals.length !== 1) {
    console.log(
      `usage: genesys-user-sync ${usage}\n\nLists every user (expand=employerInfo, paced by the shared budget) and writes each employee id and\nemail to the state table, where changes that name users by them resolve (the daily schedule does the same).`,
    );
    return values.help ? 0 : 2;
  }
  // The same handler as in Lambda, with the daily schedule's input.
  const handler = createHandler({ config: loadConfig(), clients: awsClients() });
  const deadline = Date.now() + FUNCTION_TIMEOUT_SECONDS * 1000;
  const result = await handler(
    { task: "directory-refresh" },
    syntheticContext("genesys-user-sync-local", deadline),
  );
  console.log(JSON.stringify(result, null, 2));
  return 0;
}
