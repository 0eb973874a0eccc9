'use strict';

// A DependsOn entry the resource already references with Ref or Fn::GetAtt (or Fn::Sub) says nothing
// CloudFormation does not know: cfn-lint W3005 warns, and `npm run scan` must exit 0. The framework and
// serverless-plugin-split-stacks (nested stacks depend on what they pass as parameters) write such entries;
// this runs last, on the finished root template, and drops them.

function referenced(value, found = new Set()) {
  if (Array.isArray(value)) {
    for (const item of value) referenced(item, found);
  } else if (value && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      if (key === 'Ref' && typeof item === 'string') found.add(item);
      else if (key === 'Fn::GetAtt') found.add(Array.isArray(item) ? item[0] : String(item).split('.')[0]);
      else if (key === 'Fn::Sub') {
        const text = Array.isArray(item) ? item[0] : item;
        for (const match of String(text).matchAll(/\$\{([A-Za-z0-9]+)(?:\.[^}]*)?\}/g)) found.add(match[1]);
        referenced(item, found);
      } else referenced(item, found);
    }
  }
  return found;
}

function apply({ template }) {
  for (const resource of Object.values(template.Resources)) {
    if (resource.DependsOn === undefined) continue;
    const refs = referenced({ Properties: resource.Properties, Condition: resource.Condition });
    const kept = [].concat(resource.DependsOn).filter((dep) => !refs.has(dep));
    if (kept.length) resource.DependsOn = kept;
    else delete resource.DependsOn;
  }
}

module.exports = { apply, referenced };
