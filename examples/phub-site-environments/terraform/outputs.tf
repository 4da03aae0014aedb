output "test_role_arn" {
  description = "Value for the deployment variable AWS_OIDC_ROLE_ARN of the role's deployment environment"
  value       = aws_iam_role.test.arn
}

output "production_role_arn" {
  description = "Value for the deployment variable AWS_OIDC_ROLE_ARN of the role's deployment environment"
  value       = aws_iam_role.production.arn
}

output "oidc_provider_arn" {
  description = "ARN of the Bitbucket identity provider for the workspace"
  value       = local.provider_arn
}
