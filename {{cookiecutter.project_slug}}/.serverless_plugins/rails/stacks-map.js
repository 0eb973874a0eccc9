'use strict';

// serverless-plugin-split-stacks mapping (custom.splitStacks.custom): resource types that stay in the root stack.
// A function's published versions stay beside the function and the alias that provisioned concurrency or SnapStart
// point at, so the root template says what it runs (cfn-lint W2530 checks SnapStart has its version there).
// Versions already deployed in a nested stack stay where they are (split-stacks never moves deployed resources).

module.exports = { 'AWS::Lambda::Version': false };
