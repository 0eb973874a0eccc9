'use strict';

// [observability] CloudWatch Logs Insights saved queries over every function's log group (Powertools JSON logs).

const QUERIES = {
  OneCorrelationIdQuery: {
    name: 'one-correlation-id',
    query: [
      'fields @timestamp, function_name, level, message, @requestId',
      '| filter correlation_id = "PUT-THE-CORRELATION-ID-HERE"',
      '| sort @timestamp asc',
      '| limit 1000',
    ],
  },
  ErrorsQuery: {
    name: 'errors',
    query: [
      'fields @timestamp, function_name, correlation_id, message, exception_name, exception',
      '| filter level = "ERROR" or @message like /Task timed out|Runtime\\.\\w+Error/',
      '| sort @timestamp desc',
      '| limit 200',
    ],
  },
  ColdStartsQuery: {
    name: 'cold-starts',
    query: [
      'filter @type = "REPORT" and ispresent(@initDuration)',
      '| stats count() as coldStarts, avg(@initDuration) as avgInitMs, pct(@initDuration, 95) as p95InitMs, max(@initDuration) as maxInitMs by bin(1h)',
    ],
  },
  SlowestRequestsQuery: {
    name: 'slowest-requests',
    query: [
      'filter @type = "REPORT"',
      '| fields @timestamp, @requestId, @duration, @billedDuration, @maxMemoryUsed / 1000000 as maxMemoryMB, @initDuration',
      '| sort @duration desc',
      '| limit 50',
    ],
  },
};

function apply({ functions, template, config, service }) {
  if (config.logQueries === false) return;
  const groups = functions.filter((fn) => !fn.warmer && !fn.disableLogs).map((fn) => `/aws/lambda/${fn.fullName}`);
  if (!groups.length) return;
  for (const [id, { name, query }] of Object.entries(QUERIES)) {
    template.Resources[id] = {
      Type: 'AWS::Logs::QueryDefinition',
      Properties: { Name: `${service.name}-${service.stage}/${name}`, LogGroupNames: groups, QueryString: query.join('\n') },
    };
  }
}

module.exports = { apply, QUERIES };
