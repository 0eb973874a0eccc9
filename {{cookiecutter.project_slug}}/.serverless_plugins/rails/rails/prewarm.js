'use strict';

// [cold start] The pings right after a deploy (serverless-plugin-warmup's `prewarm`) on a framework without the AWS
// SDK v2 surface. serverless-plugin-warmup 8.4.1 prewarms through provider.request(), which osls 4 removed: there it
// logs an error, the deploy exits 0 and the first requests after every deploy hit cold functions. The rails replace
// the plugin's invokeWarmer with this (index.js, wherever the framework offers SDK v3 clients: osls 4 and 3.77.1,
// one code path on both lines; Serverless v4 keeps the plugin's own call): each function the warmer
// pings is invoked from the deploying machine with the SDK v3 Lambda client (provider.getAwsSdkV3Config()), exactly
// as the warmer's own code invokes it: its payload, client context, alias and concurrency. Invoking the functions
// directly, not the warmer, gives the same warm environments without depending on the warmer's first run.

/** The InvokeCommand input the warmer sends for one function (serverless-plugin-warmup's warmer.js). */
function invokeInput(fn, alias) {
  const clientContext = fn.config.clientContext !== undefined ? fn.config.clientContext : fn.config.payload;
  return {
    ClientContext: clientContext ? Buffer.from(`{"custom":${clientContext}}`).toString('base64') : undefined,
    FunctionName: fn.name,
    InvocationType: 'RequestResponse',
    LogType: 'None',
    Qualifier: fn.config.alias || alias || undefined,
    Payload: fn.config.payload === undefined ? undefined : Buffer.from(String(fn.config.payload)),
  };
}

/**
 * Ping every function of one warmer `concurrency` times; `invoke(input)` sends one InvokeCommand.
 * Resolves to {invoked, failed: [{name, error}]}; never throws (the stack is already updated), the caller reports.
 */
async function prewarm({ functions, invoke, alias }) {
  const failed = [];
  let invoked = 0;
  await Promise.all(
    functions.map(async (fn) => {
      const concurrency = Math.max(1, parseInt(fn.config.concurrency, 10) || 1);
      const input = invokeInput(fn, alias);
      const results = await Promise.allSettled(Array.from({ length: concurrency }, () => invoke(input)));
      const errors = results.filter((r) => r.status === 'rejected').map((r) => r.reason);
      const functionErrors = results
        .filter((r) => r.status === 'fulfilled' && r.value && r.value.FunctionError)
        .map((r) => new Error(`the function answered ${r.value.FunctionError}`));
      if (errors.length || functionErrors.length) failed.push({ name: fn.name, error: (errors[0] || functionErrors[0]).message });
      else invoked += 1;
    }),
  );
  return { invoked, failed };
}

/** One line per outcome, for the deploy's output. */
function report(warmerName, total, { invoked, failed }) {
  const lines = [`WarmUp: warmer "${warmerName}" prewarmed ${invoked} of ${total} function${total === 1 ? '' : 's'} (AWS SDK v3, from the rails)`];
  for (const { name, error } of failed) lines.push(`WarmUp: prewarming ${name} failed: ${error}; its first request will be a cold start`);
  return lines;
}

module.exports = { prewarm, invokeInput, report };
