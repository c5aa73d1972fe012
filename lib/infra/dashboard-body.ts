import { z } from "zod";

/**
 * Reads a dashboard's `DashboardBody` back from a template: the JSON string, or the `Fn::Join` that
 * `dashboard.ts` writes around CloudFormation intrinsics. Each intrinsic becomes a placeholder in
 * Fn::Sub's notation (`${AWS::Region}`, `${SyncQueue.QueueName}`), so that what a widget names can be
 * checked against the template (test/integration/template.test.ts) and drawn (scripts/render-dashboard.ts).
 */

/** A metric a widget plots, its dimensions by name. */
export interface PlottedMetric {
  readonly namespace: string;
  readonly name: string;
  readonly dimensions: Readonly<Record<string, string>>;
  readonly stat: string | undefined;
  readonly label: string | undefined;
  readonly color: string | undefined;
}

export interface DashboardWidget {
  readonly type: string;
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
  readonly title: string;
  readonly region: string | undefined;
  /** The left axis' label. */
  readonly unit: string | undefined;
  readonly metrics: readonly PlottedMetric[];
  readonly thresholds: readonly { readonly label?: string | undefined; readonly value: number }[];
}

const options = z.object({
  stat: z.string().optional(),
  label: z.string().optional(),
  color: z.string().optional(),
});

const widgetSchema = z.object({
  type: z.string(),
  x: z.number().int().min(0),
  y: z.number().int().min(0),
  width: z.number().int().min(1).max(24),
  height: z.number().int().min(1),
  properties: z.object({
    title: z.string(),
    region: z.string().optional(),
    stat: z.string().optional(),
    // `[namespace, name, dimension, value, ..., options?]`.
    metrics: z.array(z.array(z.union([z.string(), options]))).optional(),
    yAxis: z.object({ left: z.object({ label: z.string().optional() }).optional() }).optional(),
    annotations: z
      .object({ horizontal: z.array(z.object({ label: z.string().optional(), value: z.number() })) })
      .optional(),
  }),
});

const bodySchema = z.object({ widgets: z.array(widgetSchema) });

/** The widgets of a `DashboardBody` as a template holds it. Throws on anything else. */
export function readDashboardBody(body: unknown): DashboardWidget[] {
  const parsed = bodySchema.parse(JSON.parse(bodyText(body)));
  return parsed.widgets.map((w) => ({
    type: w.type,
    x: w.x,
    y: w.y,
    width: w.width,
    height: w.height,
    title: w.properties.title,
    region: w.properties.region,
    unit: w.properties.yAxis?.left?.label,
    metrics: (w.properties.metrics ?? []).map((row) => plotted(row, w.properties.stat)),
    thresholds: w.properties.annotations?.horizontal ?? [],
  }));
}

function plotted(row: readonly (string | z.infer<typeof options>)[], widgetStat: string | undefined) {
  const last = row[row.length - 1];
  const opts = typeof last === "object" ? last : {};
  const names = row.filter((part): part is string => typeof part === "string");
  const [namespace, name, ...pairs] = names;
  if (namespace === undefined || name === undefined || pairs.length % 2 !== 0 || names.includes(".")) {
    // "." and "..." repeat the row above: never written by dashboard.ts, so not read either.
    throw new Error(`not a metric row this reader understands: ${JSON.stringify(row)}`);
  }
  const dimensions: Record<string, string> = {};
  for (let i = 0; i < pairs.length; i += 2) dimensions[pairs[i] as string] = pairs[i + 1] as string;
  return {
    namespace,
    name,
    dimensions,
    stat: opts.stat ?? widgetStat,
    label: opts.label,
    color: opts.color,
  } satisfies PlottedMetric;
}

const templateSchema = z.object({
  Resources: z.record(z.string(), z.object({ Type: z.string(), Properties: z.unknown() })),
});

/** The widgets of the one dashboard in a CloudFormation template. Throws unless there is exactly one. */
export function templateDashboard(template: unknown): DashboardWidget[] {
  const dashboards = Object.values(templateSchema.parse(template).Resources).filter(
    (r) => r.Type === "AWS::CloudWatch::Dashboard",
  );
  const [dashboard] = dashboards;
  if (dashboard === undefined || dashboards.length > 1) {
    throw new Error(`expected one AWS::CloudWatch::Dashboard, found ${dashboards.length}`);
  }
  return readDashboardBody(
    z.object({ DashboardBody: z.unknown() }).parse(dashboard.Properties).DashboardBody,
  );
}

const intrinsic = z.union([
  z.object({ Ref: z.string() }).strict(),
  z.object({ "Fn::GetAtt": z.tuple([z.string(), z.string()]) }).strict(),
]);
const joined = z.object({ "Fn::Join": z.tuple([z.literal(""), z.array(z.union([z.string(), intrinsic]))]) });

/** The body's JSON text, intrinsics as `${...}` placeholders. */
function bodyText(body: unknown): string {
  if (typeof body === "string") return body;
  const [, parts] = joined.parse(body)["Fn::Join"];
  return parts
    .map((part) => {
      if (typeof part === "string") return part;
      if ("Ref" in part) return `\${${part.Ref}}`;
      return `\${${part["Fn::GetAtt"].join(".")}}`;
    })
    .join("");
}
