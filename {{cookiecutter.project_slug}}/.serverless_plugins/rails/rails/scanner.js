'use strict';

// Scanner reasons (checkov Metadata.checkov.skip), chosen per function by what really holds for it: its trigger kind,
// whether it is in a VPC; log groups rely on CloudWatch Logs' own encryption; a queue encrypted with SSE-SQS (any
// queue of the service, the user's included) is encrypted, which the KMS-only check cannot see. A function with an asynchronous
// trigger gets a real failure queue instead (failure-queues.js), so CKV_AWS_116 passes without a skip.

const REASONS = {
  dlq: {
    http: 'Invoked synchronously by API Gateway: a Lambda DLQ only catches asynchronous invocations; errors reach the client and the errors alarm.',
    queue: "Fed by an event source mapping: failed messages go to the queue's own dead-letter queue (RedrivePolicy), not a Lambda DLQ.",
    warmer: 'A scheduled warm-up ping: a lost ping costs nothing, a DLQ would only collect noise.',
  },
  environment: 'The environment holds names and ARNs, no secrets (those stay in Secrets Manager); Lambda encrypts it at rest with an AWS-managed key.',
  outsideVpc: 'Reaches no private resource, so it runs outside a VPC: no NAT gateway to pay for (slsguard.database: true, or vpc, moves it in).',
  sseSqs:
    'Encrypted at rest with SSE-SQS (SqsManagedSseEnabled); this check recognises only KMS keys, which AWS services such as SNS cannot publish through when AWS-managed.',
  logGroup: 'CloudWatch Logs encrypts every log group at rest; a customer KMS key adds cost and a key policy. Add KmsKeyId when compliance asks for one.',
};

function skips(fn) {
  const list = [];
  const kind = fn.warmer ? 'warmer' : fn.trigger;
  if (REASONS.dlq[kind]) list.push({ id: 'CKV_AWS_116', comment: REASONS.dlq[kind] });
  list.push({ id: 'CKV_AWS_173', comment: REASONS.environment });
  if (!fn.inVpc) list.push({ id: 'CKV_AWS_117', comment: REASONS.outsideVpc });
  return list;
}

function addSkips(resource, list) {
  resource.Metadata = resource.Metadata || {};
  resource.Metadata.checkov = resource.Metadata.checkov || {};
  const current = resource.Metadata.checkov.skip || [];
  const have = new Set(current.map((s) => s.id));
  resource.Metadata.checkov.skip = current.concat(list.filter((s) => !have.has(s.id)));
}

function apply({ functions, template }) {
  const resources = template.Resources;
  for (const fn of functions) {
    if (resources[fn.functionId]) addSkips(resources[fn.functionId], skips(fn));
    if (resources[fn.logGroupId]) addSkips(resources[fn.logGroupId], [{ id: 'CKV_AWS_158', comment: REASONS.logGroup }]);
  }
  for (const resource of Object.values(resources)) {
    const props = resource.Properties || {};
    if (resource.Type === 'AWS::SQS::Queue' && props.SqsManagedSseEnabled === true && !props.KmsMasterKeyId) {
      addSkips(resource, [{ id: 'CKV_AWS_27', comment: REASONS.sseSqs }]);
    }
  }
}

module.exports = { apply, skips, addSkips, REASONS };
