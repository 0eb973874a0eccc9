'use strict';

// [observability] Errors, Throttles and Duration alarms for every function, and an alarm on every dead-letter
// queue (a queue some queue's RedrivePolicy points at, and each function's failure queue), to the alarm topic.

const PERIOD_S = 300;

function alarm(description, namespace, metric, dimension, statistic, threshold, topic) {
  return {
    Type: 'AWS::CloudWatch::Alarm',
    Properties: {
      AlarmDescription: description,
      Namespace: namespace,
      MetricName: metric,
      Dimensions: [dimension],
      Statistic: statistic,
      Period: PERIOD_S,
      EvaluationPeriods: 1,
      Threshold: threshold,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
      AlarmActions: [{ Ref: topic }],
    },
  };
}

// Logical ids of the queues named as a queue's redrive target or a function's DeadLetterConfig (GetAtt [Id, Arn]).
function deadLetterQueues(resources) {
  const found = new Set();
  for (const resource of Object.values(resources)) {
    const props = resource.Properties || {};
    let target;
    if (resource.Type === 'AWS::SQS::Queue') target = (props.RedrivePolicy || {}).deadLetterTargetArn;
    else if (resource.Type === 'AWS::Lambda::Function') target = (props.DeadLetterConfig || {}).TargetArn;
    const id = target && target['Fn::GetAtt'] && target['Fn::GetAtt'][0];
    if (id && resources[id] && resources[id].Type === 'AWS::SQS::Queue') found.add(id);
  }
  return [...found];
}

function apply({ functions, template, config }) {
  const resources = template.Resources;
  const topic = config.alarmTopic;
  const percent = config.durationAlarmPercent;
  for (const fn of functions.filter((f) => !f.warmer)) {
    const dimension = { Name: 'FunctionName', Value: { Ref: fn.functionId } };
    resources[`${fn.prefix}ErrorsAlarm`] = alarm(`${fn.name} raised errors (see the "errors" saved query)`, 'AWS/Lambda', 'Errors', dimension, 'Sum', 1, topic);
    resources[`${fn.prefix}ThrottlesAlarm`] = alarm(`${fn.name} was throttled at its reserved concurrency`, 'AWS/Lambda', 'Throttles', dimension, 'Sum', 1, topic);
    resources[`${fn.prefix}DurationAlarm`] = alarm(
      `${fn.name} ran for more than ${percent}% of its ${fn.timeout} s timeout`,
      'AWS/Lambda',
      'Duration',
      dimension,
      'Maximum',
      Math.round(fn.timeout * 10 * percent),
      topic
    );
  }
  for (const queue of deadLetterQueues(resources)) {
    const dimension = { Name: 'QueueName', Value: { 'Fn::GetAtt': [queue, 'QueueName'] } };
    resources[`${queue}Alarm`] = alarm(`messages reached the dead-letter queue ${queue}`, 'AWS/SQS', 'ApproximateNumberOfMessagesVisible', dimension, 'Maximum', 1, topic);
  }
}

module.exports = { apply, deadLetterQueues };
