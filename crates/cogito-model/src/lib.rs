//! The embedded Cognito service model (botocore `cognito-idp` 2016-04-18, Apache-2.0 data).
