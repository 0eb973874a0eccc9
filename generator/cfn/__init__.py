"""CloudFormation templates as slsguard reads them: bounded loading, the template model and what a deploy can make of each value."""
