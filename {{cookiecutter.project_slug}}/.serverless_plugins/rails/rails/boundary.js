'use strict';

// [least privilege] Every IAM role of the service carries provider.iam.role.permissionsBoundary when it is set (the
// deploy workflow sets SLSGUARD_ROLE_BOUNDARY to deploy/bootstrap.yml's <service>-role-boundary): the functions'
// roles, the warmer's, CodeDeploy's (rollout), the framework's custom-resource role and roles under `resources:`,
// including any added later. The CloudFormation execution role may create roles only with that boundary, so a role
// without it would stop the deploy; a role naming another boundary stops the package here instead.
// Unset (a laptop, an offline package) nothing changes.

function apply({ template, iam }) {
  const boundary = (iam || {}).permissionsBoundary;
  if (boundary === undefined || boundary === null || boundary === '') return;
  const resources = template.Resources || {};
  for (const [id, resource] of Object.entries(resources)) {
    if (!resource || resource.Type !== 'AWS::IAM::Role') continue;
    const props = (resource.Properties = resource.Properties || {});
    const own = props.PermissionsBoundary;
    if (own !== undefined && JSON.stringify(own) !== JSON.stringify(boundary)) {
      throw new Error(
        `resources.${id}: PermissionsBoundary ${JSON.stringify(own)} is not the service's (${JSON.stringify(boundary)}); remove it, the rails set the service's on every role.`,
      );
    }
    props.PermissionsBoundary = structuredClone(boundary);
  }
}

module.exports = { apply };
