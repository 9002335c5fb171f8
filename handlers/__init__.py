"""What runs inside the Lambda functions (and, unchanged, inside the local engine). Standard library and boto3 only."""
