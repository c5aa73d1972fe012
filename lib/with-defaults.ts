/** `O` with the keys `K` filled in (never undefined). */
export type WithDefaults<O, K extends keyof O> = Omit<O, K> & {
  readonly [P in K]-?: Exclude<O[P], undefined>;
};

/**
 * `{ ...defaults, ...options }`, except that an option given as `undefined` keeps its default (callers
 * pass optional values through, e.g. `fetch: deps.fetch`).
 */
export function withDefaults<O extends object, K extends keyof O>(
  defaults: { readonly [P in K]-?: Exclude<O[P], undefined> },
  options: O,
): WithDefaults<O, K> {
  const out: Record<string, unknown> = { ...defaults };
  for (const [key, value] of Object.entries(options)) if (value !== undefined) out[key] = value;
  return out as WithDefaults<O, K>;
}
