#!/usr/bin/env node
/**
 * The `genesys-user-sync` CLI. Each command lives in `bin/commands/<name>.ts` and exports
 * `run(argv: string[]): Promise<number>` (the exit code) and a one-line `summary`.
 */
import { ConfigError } from "../lib/config.ts";

const COMMANDS = {
  run: () => import("./commands/run.ts"),
  provision: () => import("./commands/provision.ts"),
  enqueue: () => import("./commands/enqueue.ts"),
  status: () => import("./commands/status.ts"),
  dlq: () => import("./commands/dlq.ts"),
  demo: () => import("./commands/demo.ts"),
} as const;

type CommandName = keyof typeof COMMANDS;

const USAGE = `usage: genesys-user-sync <command> [options]

commands:
  run [--budget SECONDS]     one sync pass here, through the Lambda handler
  provision                  create the queue, DLQ and state table the configuration names
  enqueue FILE               validate a JSON array or NDJSON file of changes and send them
  status                     the shared rate limiter's state and the queue depths
  dlq list|replay|purge      inspect and replay dead letters (see 'dlq --help')
  demo                       the whole thing locally: emulators, simulator, sample changes (npm start)

configuration comes from the environment; see README.md.`;

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    console.log(USAGE);
    return name === undefined ? 2 : 0;
  }
  if (!(name in COMMANDS)) {
    console.error(`unknown command: ${name}\n\n${USAGE}`);
    return 2;
  }
  const command = await COMMANDS[name as CommandName]();
  return command.run(rest);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof ConfigError) console.error(error.message);
    else console.error(error instanceof Error ? `${error.name}: ${error.message}` : String(error));
    process.exitCode = 1;
  },
);
