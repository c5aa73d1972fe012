/**
 * The Genesys Cloud simulator in a process of its own (`sim-process.ts`), as Genesys is a server of
 * its own. In the bench's process it shared one event loop with the rows' 16 invocations: a call's
 * arrival was stamped when that loop got to it, up to 80 ms after the call was sent, which crowded
 * calls sent a pacing interval apart into one window (a 429 no server would give). The methods are
 * the simulator's, each answered over IPC (so asynchronous); `close` stops the process.
 */
import { fork } from "node:child_process";
import type { GenesysSimulator } from "../sim/genesys-simulator.ts";

type Method = {
  [K in keyof GenesysSimulator]: GenesysSimulator[K] extends (...args: never[]) => unknown ? K : never;
}[keyof GenesysSimulator];

/** The simulator's methods, each as a promise of its answer; its URLs as they are. */
export type RemoteSimulator = {
  readonly [K in Method]: GenesysSimulator[K] extends (...args: infer A) => infer R
    ? (...args: A) => Promise<Awaited<R>>
    : never;
} & Pick<GenesysSimulator, "apiUrl" | "loginUrl" | "port">;

interface Answer {
  readonly id?: number;
  readonly result?: unknown;
  readonly error?: string;
  readonly ready?: Pick<GenesysSimulator, "apiUrl" | "loginUrl" | "port">;
}

const CHILD = new URL("./sim-process.ts", import.meta.url).pathname;

export async function startRemoteSimulator(): Promise<RemoteSimulator> {
  const child = fork(CHILD, [], {
    serialization: "advanced",
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const pending = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();
  let nextId = 0;
  const ready = new Promise<NonNullable<Answer["ready"]>>((resolve, reject) => {
    child.once("error", reject);
    child.once("exit", (code) => reject(new Error(`simulator process exited (${code}) before it was ready`)));
    child.on("message", (answer: Answer) => {
      if (answer.ready !== undefined) {
        resolve(answer.ready);
        return;
      }
      const waiting = answer.id === undefined ? undefined : pending.get(answer.id);
      if (waiting === undefined || answer.id === undefined) return;
      pending.delete(answer.id);
      if (answer.error !== undefined) waiting.reject(new Error(`simulator: ${answer.error}`));
      else waiting.resolve(answer.result);
    });
  });
  const urls = await ready;
  child.on("exit", (code) => {
    for (const waiting of pending.values()) waiting.reject(new Error(`simulator process exited (${code})`));
    pending.clear();
  });
  const call = (method: string, args: unknown[]): Promise<unknown> =>
    new Promise((resolve, reject) => {
      const id = nextId++;
      pending.set(id, { resolve, reject });
      child.send({ id, method, args });
    });
  const remote = new Proxy(urls, {
    get(target, key) {
      if (key === "apiUrl" || key === "loginUrl" || key === "port") return target[key];
      if (key === "close")
        return async () => {
          await call("close", []);
          const exited = new Promise((resolve) => child.once("exit", resolve));
          child.disconnect();
          await exited;
        };
      if (typeof key !== "string" || key === "then") return undefined;
      return (...args: unknown[]) => call(key, args);
    },
  });
  return remote as unknown as RemoteSimulator;
}
