'use strict';

// [wallet attack] A per-client rate limit for a REST API: a regional AWS WAF web ACL with a rate-based rule
// (block with 429 above `rateLimit` requests per client IP per 5 minutes), the AWS managed common and
// known-bad-inputs rule groups, logging to a log group (WAF requires the `aws-waf-logs-` prefix) and the
// association with the REST API stage. Stage throttling caps the whole API; this stops one client using all of it.
// HTTP APIs cannot have a web ACL (AWS WAF attaches to REST API stages, CloudFront, ALB, AppSync, Cognito).

const WINDOW_S = 300; // generator.answers.limits.WAF_RATE_WINDOW_S
const BODY_KEY = 'too-many-requests';

function visibility(name) {
  return { CloudWatchMetricsEnabled: true, MetricName: name, SampledRequestsEnabled: true };
}

function managed(name, priority) {
  return {
    Name: name,
    Priority: priority,
    OverrideAction: { None: {} },
    Statement: { ManagedRuleGroupStatement: { VendorName: 'AWS', Name: name } },
    VisibilityConfig: visibility(name),
  };
}

// The resources, as plain data: `deploymentId` is the AWS::ApiGateway::Deployment that creates the stage.
function wafResources({ service, stage, restApiId, deploymentId, rateLimit, retentionDays }) {
  const prefix = `${service}-${stage}`.replace(/[^A-Za-z0-9-]/g, '-');
  const logGroupName = `aws-waf-logs-${prefix}`;
  return {
    WebAcl: {
      Type: 'AWS::WAFv2::WebACL',
      Properties: {
        Name: `${prefix}-api`,
        Description: `Per-client rate limit and AWS managed rules for ${prefix}`,
        Scope: 'REGIONAL',
        DefaultAction: { Allow: {} },
        CustomResponseBodies: {
          [BODY_KEY]: { ContentType: 'APPLICATION_JSON', Content: '{"message":"Too Many Requests"}' },
        },
        Rules: [
          {
            Name: 'rate-limit-per-ip',
            Priority: 0,
            Action: { Block: { CustomResponse: { ResponseCode: 429, CustomResponseBodyKey: BODY_KEY } } },
            Statement: { RateBasedStatement: { Limit: rateLimit, AggregateKeyType: 'IP', EvaluationWindowSec: WINDOW_S } },
            VisibilityConfig: visibility('rate-limit-per-ip'),
          },
          managed('AWSManagedRulesCommonRuleSet', 1),
          managed('AWSManagedRulesKnownBadInputsRuleSet', 2),
        ],
        VisibilityConfig: visibility(`${prefix}-api`),
      },
    },
    WebAclLogGroup: {
      Type: 'AWS::Logs::LogGroup',
      Metadata: {
        checkov: {
          skip: [
            {
              id: 'CKV_AWS_158',
              comment: 'CloudWatch Logs encrypts every log group at rest; WAF logs hold request metadata only.',
            },
          ],
        },
      },
      Properties: { LogGroupName: logGroupName, RetentionInDays: retentionDays },
    },
    WebAclLogging: {
      Type: 'AWS::WAFv2::LoggingConfiguration',
      Properties: {
        ResourceArn: { 'Fn::GetAtt': ['WebAcl', 'Arn'] },
        // The log group's ARN without the ":*" that GetAtt adds: WAF refuses that form.
        LogDestinationConfigs: [
          { 'Fn::Sub': `arn:\${AWS::Partition}:logs:\${AWS::Region}:\${AWS::AccountId}:log-group:${logGroupName}` },
        ],
      },
      DependsOn: ['WebAclLogGroup'],
    },
    WebAclAssociation: {
      Type: 'AWS::WAFv2::WebACLAssociation',
      Properties: {
        ResourceArn: {
          'Fn::Sub': [`arn:\${AWS::Partition}:apigateway:\${AWS::Region}::/restapis/\${RestApi}/stages/${stage}`, { RestApi: { Ref: restApiId } }],
        },
        WebACLArn: { 'Fn::GetAtt': ['WebAcl', 'Arn'] },
      },
      // The stage exists once the deployment that creates it does.
      DependsOn: [deploymentId],
    },
  };
}

const DECLINED = 'none';

// custom.rails.waf: {rateLimit: N} adds the web ACL to the service's REST API; `none` records the choice on the API
// (Metadata slsguard.waf), so `slsguard audit` reports the missing web ACL as information, not as a warning.
function apply({ template, config, service }) {
  const waf = config.waf;
  if (waf === undefined) return;
  const apis = Object.entries(template.Resources).filter(([, r]) => r.Type === 'AWS::ApiGateway::RestApi');
  if (waf === DECLINED) {
    for (const [, api] of apis) {
      api.Metadata = { ...(api.Metadata || {}), slsguard: { ...((api.Metadata || {}).slsguard || {}), waf: 'waf=none chosen in custom.rails' } };
    }
    return;
  }
  const deployment = Object.keys(template.Resources).find((id) => template.Resources[id].Type === 'AWS::ApiGateway::Deployment');
  if (apis.length !== 1 || !deployment) {
    throw new Error(
      `custom.rails.waf needs exactly one REST API (http events) in the service, found ${apis.length}: AWS WAF cannot attach to an HTTP API ` +
        '(put CloudFront with a web ACL in front of it), so set custom.rails.waf: none.'
    );
  }
  Object.assign(
    template.Resources,
    wafResources({
      service: service.name,
      stage: service.stage,
      restApiId: apis[0][0],
      deploymentId: deployment,
      rateLimit: waf.rateLimit,
      retentionDays: service.logRetentionInDays || 14,
    })
  );
}

module.exports = { apply, wafResources, WINDOW_S, DECLINED };
