"""AWS JSON protocol endpoints: `POST /` with `X-Amz-Target: <Prefix>.<Operation>`.

Each AWS service paybus speaks (SQS, EventBridge, Step Functions, ...) registers an `AwsService`
with its target prefix and operation handlers; `aws_json_endpoint` dispatches to them and turns
paybus errors into the JSON error bodies botocore parses.
"""

from paybus.api.aws.protocol import AwsContext, AwsService, Operation, aws_json_endpoint

__all__ = ["AwsContext", "AwsService", "Operation", "aws_json_endpoint"]
