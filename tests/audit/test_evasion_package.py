"""Three everyday evasions added under `resources:` of a generated service stop `npm run package` (the command
its README gives): a bucket policy with Principal "*", a security group opening 5432 with `CidrIp: !Sub 0.0.0.0/0`
and a function URL whose AuthType is an `Fn::If`. Each finding names the resource and, for the URL, the branch.

Run alone with ``pytest -m slow tests/audit/test_evasion_package.py`` (one packaging, about 20 s).
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from generator import new_project as new
from tests.support.toolchain import MotoServer, link_node_modules, moto, package_env  # noqa: F401  (moto: session fixture)

pytestmark = pytest.mark.slow

EVASIONS = """
    EvasionBucket:
      Type: AWS::S3::Bucket
    EvasionBucketPolicy:
      Type: AWS::S3::BucketPolicy
      Properties:
        Bucket: !Ref EvasionBucket
        PolicyDocument:
          Statement:
            - Effect: Allow
              Principal: "*"
              Action: s3:GetObject
              Resource: !Sub "${EvasionBucket.Arn}/*"
    EvasionDbSecurityGroup:
      Type: AWS::EC2::SecurityGroup
      Properties:
        GroupDescription: database
        SecurityGroupIngress:
          - IpProtocol: tcp
            FromPort: 5432
            ToPort: 5432
            CidrIp: !Sub 0.0.0.0/0
    EvasionUrl:
      Type: AWS::Lambda::Url
      Properties:
        TargetFunctionArn: !GetAtt ApiLambdaFunction.Arn
        AuthType: !If [HasAlarmEmail, AWS_IAM, NONE]
"""


def test_three_evasions_under_resources_fail_npm_run_package(tmp_path: Path, moto: MotoServer) -> None:  # noqa: F811
    project = new({}, tmp_path / "out")
    sls = project / "serverless.yml"
    text = sls.read_text()
    assert text.count("\n  Resources:\n") == 1
    sls.write_text(text.replace("\n  Resources:\n", "\n  Resources:" + EVASIONS, 1))
    link_node_modules(project)
    result = subprocess.run(
        ["npm", "run", "package"],
        cwd=project,
        env=package_env(moto, tmp_path / "cache", tmp_path / "home"),
        capture_output=True,
        text=True,
        timeout=600,
    )
    out = f"{result.stdout}\n{result.stderr}"
    assert result.returncode != 0, out
    assert "s3-public" in out and "EvasionBucketPolicy" in out, out
    assert "security-group-open" in out and "EvasionDbSecurityGroup" in out and "port 5432 (tcp) from 0.0.0.0/0" in out, out
    assert "function-url-public" in out and "EvasionUrl" in out and "AuthType NONE (when HasAlarmEmail is false)" in out, out
