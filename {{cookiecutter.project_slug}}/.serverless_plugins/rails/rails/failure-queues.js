'use strict';

// A function that may be invoked asynchronously (schedule, SNS, S3, EventBridge, ... or no declared trigger) gets a
// failure queue of its own as its DeadLetterConfig: a failed run is kept 14 days, and alarmed, not lost.

const RETENTION_S = 1209600; // 14 days, SQS's maximum MessageRetentionPeriod

function needsQueue(fn) {
  return !fn.warmer && fn.trigger === 'async';
}

function queueId(fn) {
  return `${fn.prefix}FailureQueue`;
}

function apply({ functions, template }) {
  const resources = template.Resources;
  for (const fn of functions.filter(needsQueue)) {
    const lambda = resources[fn.functionId];
    if (!lambda || lambda.Properties.DeadLetterConfig) continue; // the user chose a destination (onError)
    resources[queueId(fn)] = {
      Type: 'AWS::SQS::Queue',
      Properties: { MessageRetentionPeriod: RETENTION_S, SqsManagedSseEnabled: true },
    };
    lambda.Properties.DeadLetterConfig = { TargetArn: { 'Fn::GetAtt': [queueId(fn), 'Arn'] } };
  }
}

module.exports = { apply, needsQueue, queueId };
