'use strict';

// Two settings serverless.yml cannot express on its own, applied to the compiled CloudFormation:
//
// 1. [wallet attack] Stage-wide throttling of a REST API (custom.restStageThrottling): API Gateway answers
//    429 above rateLimit requests/s (burst: burstLimit) before any Lambda is invoked or billed. The framework
//    creates the REST stage through an AWS::ApiGateway::Deployment whose logical ID changes on every
//    package, so `resources.extensions` cannot reach it: this sets the deployment's StageDescription.
//    The usage plan (provider.apiGateway.usagePlan) throttles per API key on top.
//
// 2. The deployment bucket's extensions (resources.extensions.ServerlessDeploymentBucket: encryption and
//    the reasons for skipped scanner checks) also go into cloudformation-template-create-stack.json, the
//    template a first deploy creates the bucket with, so both templates describe the same bucket.

const path = require('path');

const BUCKET = 'ServerlessDeploymentBucket';

class TemplateHardening {
  constructor(serverless) {
    this.serverless = serverless;
    this.hooks = {
      'after:package:initialize': () => this.hardenCoreTemplate(),
      'before:package:finalize': () => this.throttleRestStage(),
    };
  }

  bucketExtension() {
    const resources = this.serverless.service.resources || {};
    return (resources.extensions || {})[BUCKET] || {};
  }

  hardenCoreTemplate() {
    const provider = this.serverless.service.provider;
    const bucket = provider.compiledCloudFormationTemplate.Resources[BUCKET];
    const extension = this.bucketExtension();
    if (!bucket || !Object.keys(extension).length) return;
    const apply = (resource) => {
      if (extension.Properties) Object.assign(resource.Properties, structuredClone(extension.Properties));
      if (extension.Metadata) resource.Metadata = { ...(resource.Metadata || {}), ...structuredClone(extension.Metadata) };
    };
    apply(bucket);
    if (provider.coreCloudFormationTemplate) {
      apply(provider.coreCloudFormationTemplate.Resources[BUCKET]);
      const name = this.serverless.getProvider('aws').naming.getCoreTemplateFileName();
      const file = path.join(this.serverless.serviceDir, '.serverless', name);
      this.serverless.utils.writeFileSync(file, provider.coreCloudFormationTemplate);
    }
  }

  throttleRestStage() {
    const config = (this.serverless.service.custom || {}).restStageThrottling;
    if (!config) return;
    const rate = Number(config.rateLimit);
    const burst = Number(config.burstLimit);
    if (!Number.isInteger(rate) || rate < 1 || !Number.isInteger(burst) || burst < 1) {
      throw new this.serverless.classes.Error(
        'custom.restStageThrottling needs whole numbers rateLimit >= 1 and burstLimit >= 1 (requests/s and burst).'
      );
    }
    const provider = this.serverless.service.provider;
    const tracing = Boolean((provider.tracing || {}).apiGateway);
    for (const resource of Object.values(provider.compiledCloudFormationTemplate.Resources)) {
      if (resource.Type !== 'AWS::ApiGateway::Deployment') continue;
      resource.Properties.StageDescription = {
        ...(resource.Properties.StageDescription || {}),
        ThrottlingRateLimit: rate,
        ThrottlingBurstLimit: burst,
        MetricsEnabled: true,
        TracingEnabled: tracing,
      };
    }
  }
}

module.exports = TemplateHardening;
