'use strict';

// [wallet attack] A monthly AWS Budgets cost budget that notifies the alarm topic (and the alarm e-mail when
// one is set) at 80 % of ACTUAL and 100 % of FORECASTED spend. It covers the whole account: a cost-allocation
// tag filter sees nothing until the tag is activated in Billing, and AWS recommends an account per workload.
// The topic's policy lets the Budgets service publish (and keeps CloudWatch alarms and the account able to).

const NOTIFICATIONS = [
  { NotificationType: 'ACTUAL', Threshold: 80 },
  { NotificationType: 'FORECASTED', Threshold: 100 },
];

function subscribers(topicId, emailCondition, emailParameter) {
  const list = [{ SubscriptionType: 'SNS', Address: { Ref: topicId } }];
  if (emailCondition) {
    list.push({
      'Fn::If': [emailCondition, { SubscriptionType: 'EMAIL', Address: { Ref: emailParameter } }, { Ref: 'AWS::NoValue' }],
    });
  }
  return list;
}

function topicPolicy(topicId) {
  const sourceAccount = { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } };
  return {
    Type: 'AWS::SNS::TopicPolicy',
    Properties: {
      Topics: [{ Ref: topicId }],
      PolicyDocument: {
        Version: '2012-10-17',
        Statement: [
          {
            Sid: 'AccountOwner',
            Effect: 'Allow',
            Principal: { AWS: { 'Fn::Sub': 'arn:${AWS::Partition}:iam::${AWS::AccountId}:root' } },
            Action: ['sns:Publish', 'sns:Subscribe', 'sns:GetTopicAttributes', 'sns:ListSubscriptionsByTopic'],
            Resource: { Ref: topicId },
          },
          ...['budgets.amazonaws.com', 'cloudwatch.amazonaws.com'].map((service) => ({
            Sid: service.split('.')[0],
            Effect: 'Allow',
            Principal: { Service: service },
            Action: 'sns:Publish',
            Resource: { Ref: topicId },
            Condition: sourceAccount,
          })),
        ],
      },
    },
  };
}

function budgetResources({ service, stage, monthlyUsd, topicId, emailCondition, emailParameter }) {
  return {
    SpendBudget: {
      Type: 'AWS::Budgets::Budget',
      Properties: {
        Budget: {
          BudgetName: `${service}-${stage}-monthly`,
          BudgetType: 'COST',
          TimeUnit: 'MONTHLY',
          BudgetLimit: { Amount: monthlyUsd, Unit: 'USD' },
        },
        NotificationsWithSubscribers: NOTIFICATIONS.map((n) => ({
          Notification: { ...n, ComparisonOperator: 'GREATER_THAN', ThresholdType: 'PERCENTAGE' },
          Subscribers: subscribers(topicId, emailCondition, emailParameter),
        })),
      },
    },
    [`${topicId}Policy`]: topicPolicy(topicId),
  };
}

// custom.rails.budget: {monthlyUsd: N}; the alarm e-mail is subscribed when the template has the AlarmEmail
// parameter and its HasAlarmEmail condition (as the generated serverless.yml does).
function apply({ template, config, service }) {
  const budget = config.budget;
  if (!budget) return;
  const topicId = config.alarmTopic;
  if (!template.Resources[topicId]) throw new Error(`custom.rails.budget notifies custom.rails.alarmTopic (${topicId}), which is not a resource of this service.`);
  const email = (template.Parameters || {}).AlarmEmail && (template.Conditions || {}).HasAlarmEmail;
  Object.assign(
    template.Resources,
    budgetResources({
      service: service.name,
      stage: service.stage,
      monthlyUsd: budget.monthlyUsd,
      topicId,
      emailCondition: email ? 'HasAlarmEmail' : null,
      emailParameter: email ? 'AlarmEmail' : null,
    })
  );
}

module.exports = { apply, budgetResources, NOTIFICATIONS };
