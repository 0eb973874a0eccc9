'use strict';

// [wallet attack] Stage-wide throttling of a REST API (custom.restStageThrottling): API Gateway answers 429 above
// rateLimit requests/s (burst: burstLimit) before any Lambda is invoked or billed. The framework creates the REST
// stage through an AWS::ApiGateway::Deployment whose logical id changes on every package, so
// `resources.extensions` cannot reach it: this sets the deployment's StageDescription.

function apply({ template, service }) {
  const config = service.custom.restStageThrottling;
  if (!config) return;
  const rate = Number(config.rateLimit);
  const burst = Number(config.burstLimit);
  if (!Number.isInteger(rate) || rate < 1 || !Number.isInteger(burst) || burst < 1) {
    throw new Error('custom.restStageThrottling needs whole numbers rateLimit >= 1 and burstLimit >= 1 (requests/s and burst).');
  }
  for (const resource of Object.values(template.Resources)) {
    if (resource.Type !== 'AWS::ApiGateway::Deployment') continue;
    resource.Properties.StageDescription = {
      ...(resource.Properties.StageDescription || {}),
      ThrottlingRateLimit: rate,
      ThrottlingBurstLimit: burst,
      MetricsEnabled: true,
      TracingEnabled: Boolean(service.apiGatewayTracing),
    };
  }
}

module.exports = { apply };
