import { METRICS_NAMESPACE, type PassMetricName, SERVICE_NAME } from "../sync/pass-metrics.ts";
import { type Json, LOGICAL_IDS } from "./resources.ts";

/**
 * The CloudWatch alarms of the stack, each named for the runbook entry (README, "Operations runbook")
 * that says what to do. Pure data for serverless.yml's `resources`.
 */

/** osls's logical id of the `sync` function. */
const FUNCTION_LOGICAL_ID = "SyncLambdaFunction";

export const ALARM_DEFAULTS = {
  /** Oldest message older than this (s): the sync is not keeping up or not running. */
  oldestMessageAgeSeconds: 30 * 60,
  /** 429s per 5 minutes, three periods in a row: the budget is shared with someone else, or too high. */
  rateLimitedPer5Minutes: 20,
} as const;

export interface AlarmOptions {
  /** SNS topic ARN for notifications; empty: alarms without actions. */
  readonly topicArn?: string;
  readonly oldestMessageAgeSeconds?: number;
  readonly rateLimitedPer5Minutes?: number;
}

export function alarmResources(options: AlarmOptions = {}): { Resources: Record<string, Json> } {
  const actions: Record<string, Json> =
    options.topicArn && options.topicArn.length > 0
      ? { AlarmActions: [options.topicArn], OKActions: [options.topicArn] }
      : {};
  const alarm = (name: string, description: string, props: Record<string, Json>): Json => ({
    Type: "AWS::CloudWatch::Alarm",
    Properties: {
      AlarmName: { "Fn::Join": ["-", [{ Ref: "AWS::StackName" }, name]] },
      AlarmDescription: description,
      TreatMissingData: "notBreaching",
      ...actions,
      ...props,
    },
  });
  const queueName = (id: string): Json => ({ "Fn::GetAtt": [id, "QueueName"] });
  return {
    Resources: {
      DeadLetterQueueNotEmptyAlarm: alarm(
        "dlq-not-empty",
        "Changes were dead-lettered. Runbook: `genesys-user-sync dlq list`, fix the cause, then `dlq replay`.",
        {
          Namespace: "AWS/SQS",
          MetricName: "ApproximateNumberOfMessagesVisible",
          Dimensions: [{ Name: "QueueName", Value: queueName(LOGICAL_IDS.deadLetterQueue) }],
          Statistic: "Maximum",
          Period: 300,
          EvaluationPeriods: 1,
          Threshold: 0,
          ComparisonOperator: "GreaterThanThreshold",
        },
      ),
      OldestChangeTooOldAlarm: alarm(
        "queue-lag",
        "The oldest pending change waits too long: the sync is stopped (401/403), failing, or slower than the producers. Runbook: `genesys-user-sync status`, then the function's logs.",
        {
          Namespace: "AWS/SQS",
          MetricName: "ApproximateAgeOfOldestMessage",
          Dimensions: [{ Name: "QueueName", Value: queueName(LOGICAL_IDS.queue) }],
          Statistic: "Maximum",
          Period: 300,
          EvaluationPeriods: 2,
          Threshold: options.oldestMessageAgeSeconds ?? ALARM_DEFAULTS.oldestMessageAgeSeconds,
          ComparisonOperator: "GreaterThanThreshold",
        },
      ),
      SyncErrorsAlarm: alarm(
        "errors",
        "The sync function failed (a stopped run: wrong credentials, missing permission; or DynamoDB/SQS errors). Runbook: the function's logs, `reasonCode` of 'sync run stopped'.",
        {
          Namespace: "AWS/Lambda",
          MetricName: "Errors",
          Dimensions: [{ Name: "FunctionName", Value: { Ref: FUNCTION_LOGICAL_ID } }],
          Statistic: "Sum",
          Period: 300,
          EvaluationPeriods: 3,
          DatapointsToAlarm: 2,
          Threshold: 0,
          ComparisonOperator: "GreaterThanThreshold",
        },
      ),
      SustainedRateLimitAlarm: alarm(
        "sustained-429",
        "Genesys Cloud keeps answering 429: another integration shares the OAuth client, or the configured rate is above the real limit. Runbook: `genesys-user-sync status` (learned rate, last Retry-After).",
        {
          Namespace: METRICS_NAMESPACE,
          MetricName: "RateLimited" satisfies PassMetricName,
          Dimensions: [{ Name: "service", Value: SERVICE_NAME }],
          Statistic: "Sum",
          Period: 300,
          EvaluationPeriods: 3,
          Threshold: options.rateLimitedPer5Minutes ?? ALARM_DEFAULTS.rateLimitedPer5Minutes,
          ComparisonOperator: "GreaterThanThreshold",
        },
      ),
    },
  };
}
