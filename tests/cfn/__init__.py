"""Reading CloudFormation: values, conditions, transforms."""
