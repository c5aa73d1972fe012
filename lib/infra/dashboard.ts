import { METRICS_NAMESPACE, type PassMetricName, SERVICE_NAME } from "../sync/pass-metrics.ts";
import { ALARM_DEFAULTS } from "./alarms.ts";
import { type Json, LOGICAL_IDS, stackScopedName } from "./resources.ts";

/**
 * The stack's CloudWatch dashboard: a sync's minute at a glance, beside the alarms (README,
 * "Operations runbook"). Pure data for serverless.yml's `resources`.
 *
 * Every metric it plots is one the function publishes (`PASS_METRICS`, EMF with the `service`
 * dimension) or an SQS metric of the stack's queues; test/integration/template.test.ts checks the
 * packaged template for it, and that docs/dashboard.svg (`npm run dashboard`) shows this layout.
 */

type Stat = "Sum" | "Maximum" | "Minimum";

/** One line of a graph: a metric of ours, or an SQS metric of one of the stack's queues. */
type Line = {
  readonly label: string;
  readonly stat: Stat;
  /** CloudWatch's own palette when absent. */
  readonly color?: string;
} & (
  | { readonly metric: PassMetricName }
  | {
      readonly sqs: "ApproximateNumberOfMessagesVisible" | "ApproximateAgeOfOldestMessage";
      readonly queue: "queue" | "deadLetterQueue";
    }
);

interface Graph {
  readonly title: string;
  /** Grid columns (the grid is 24 wide). */
  readonly width: number;
  readonly lines: readonly Line[];
  /** The left axis' label. */
  readonly unit: string;
  /** A horizontal line across the graph (an alarm's threshold). */
  readonly threshold?: { readonly label: string; readonly value: number };
}

/** Grid rows this high (CloudWatch's default graph height). */
const ROW_HEIGHT = 6;

/** Seconds per datapoint: "per minute". */
const PERIOD_SECONDS = 60;

const COLOR = { good: "#2ca02c", neutral: "#7f7f7f", pale: "#bcbd22", retry: "#ff7f0e", bad: "#d62728" };

/** Top to bottom; the widths of each row add up to 24. */
const ROWS: readonly (readonly Graph[])[] = [
  [
    {
      title: "Changes per minute",
      width: 12,
      unit: "changes",
      lines: [
        { metric: "Applied", stat: "Sum", label: "applied", color: COLOR.good },
        { metric: "SkippedNoop", stat: "Sum", label: "skipped: already in effect", color: COLOR.neutral },
        { metric: "SkippedStale", stat: "Sum", label: "skipped: stale", color: COLOR.pale },
        { metric: "Requeued", stat: "Sum", label: "re-queued", color: COLOR.retry },
        { metric: "DeadLettered", stat: "Sum", label: "dead-lettered", color: COLOR.bad },
      ],
    },
    {
      title: "Genesys 429s per minute",
      width: 6,
      unit: "429 answers",
      lines: [{ metric: "RateLimited", stat: "Sum", label: "429s", color: COLOR.bad }],
    },
    {
      title: "Budget wait per minute",
      width: 6,
      unit: "ms (summed over calls)",
      lines: [{ metric: "BudgetWait", stat: "Sum", label: "waited for the shared budget" }],
    },
  ],
  [
    {
      title: "Queue depth",
      width: 8,
      unit: "messages",
      lines: [
        { sqs: "ApproximateNumberOfMessagesVisible", queue: "queue", stat: "Maximum", label: "visible" },
      ],
    },
    {
      title: "Age of the oldest message",
      width: 8,
      unit: "seconds",
      lines: [{ sqs: "ApproximateAgeOfOldestMessage", queue: "queue", stat: "Maximum", label: "oldest" }],
      threshold: { label: "queue-lag alarm", value: ALARM_DEFAULTS.oldestMessageAgeSeconds },
    },
    {
      title: "Dead-letter queue depth",
      width: 8,
      unit: "messages",
      lines: [
        {
          sqs: "ApproximateNumberOfMessagesVisible",
          queue: "deadLetterQueue",
          stat: "Maximum",
          label: "dead letters",
          color: COLOR.bad,
        },
      ],
    },
  ],
  [
    {
      title: "Tokens in the pool",
      width: 12,
      unit: "tokens",
      lines: [{ metric: "TokensInPool", stat: "Maximum", label: "tokens in use" }],
    },
    {
      title: "Learned and binding limit",
      width: 12,
      unit: "calls/min",
      lines: [
        { metric: "LearnedLimit", stat: "Minimum", label: "learned from 429s", color: COLOR.bad },
        { metric: "BindingLimit", stat: "Minimum", label: "binding (paced below it)", color: COLOR.good },
      ],
    },
  ],
];

/** `[namespace, name, dimension, value, options]`, as a dashboard body names a metric. */
function metricRow(line: Line): Json[] {
  const options: Record<string, Json> = { stat: line.stat, label: line.label };
  if (line.color !== undefined) options.color = line.color;
  if ("metric" in line) return [METRICS_NAMESPACE, line.metric, "service", SERVICE_NAME, options];
  const queueName = { "Fn::GetAtt": [LOGICAL_IDS[line.queue], "QueueName"] };
  return ["AWS/SQS", line.sqs, "QueueName", queueName, options];
}

/** The dashboard body, with CloudFormation intrinsics (region, queue names) where values are. */
function dashboardBody(): Json {
  const widgets: Json[] = [];
  ROWS.forEach((row, r) => {
    let x = 0;
    for (const graph of row) {
      const properties: Record<string, Json> = {
        title: graph.title,
        view: "timeSeries",
        stacked: false,
        region: { Ref: "AWS::Region" },
        period: PERIOD_SECONDS,
        metrics: graph.lines.map(metricRow),
        yAxis: { left: { min: 0, label: graph.unit, showUnits: false } },
      };
      if (graph.threshold !== undefined) properties.annotations = { horizontal: [{ ...graph.threshold }] };
      widgets.push({
        type: "metric",
        x,
        y: r * ROW_HEIGHT,
        width: graph.width,
        height: ROW_HEIGHT,
        properties,
      });
      x += graph.width;
    }
  });
  return { start: "-PT3H", widgets };
}

/** `{ "Ref": ... }` or `{ "Fn::...": ... }`. */
function isIntrinsic(value: Json): value is { [key: string]: Json } {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return false;
  const keys = Object.keys(value);
  return keys.length === 1 && (keys[0] === "Ref" || String(keys[0]).startsWith("Fn::"));
}

/**
 * `value` as a JSON string for CloudFormation: a plain string when it holds no intrinsic, else an
 * `Fn::Join` of the JSON text around each intrinsic (each stands for a string value). Fn::Join, not
 * Fn::Sub: no `${...}` for osls's variable resolver to trip on.
 */
function jsonWithIntrinsics(value: Json): Json {
  const intrinsics: Json[] = [];
  const marker = (i: number): string => `@@intrinsic ${i}@@`;
  const text = JSON.stringify(value, (_key, v: Json) => {
    if (!isIntrinsic(v)) return v;
    intrinsics.push(v);
    return marker(intrinsics.length - 1);
  });
  if (intrinsics.length === 0) return text;
  const parts: Json[] = [];
  let rest = text;
  intrinsics.forEach((intrinsic, i) => {
    const [before, after] = rest.split(marker(i));
    parts.push(`${before}`, intrinsic);
    rest = after ?? "";
  });
  parts.push(rest);
  return { "Fn::Join": ["", parts] };
}

/** The dashboard resource for serverless.yml's `resources`. */
export function dashboardResources(): { Resources: Record<string, Json> } {
  return {
    Resources: {
      SyncDashboard: {
        Type: "AWS::CloudWatch::Dashboard",
        Properties: {
          DashboardName: stackScopedName("sync"),
          DashboardBody: jsonWithIntrinsics(dashboardBody()),
        },
      },
    },
  };
}
