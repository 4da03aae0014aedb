output "pipeline_role_arn" {
  description = "Value for the repository variable AWS_OIDC_ROLE_ARN"
  value       = aws_iam_role.pipeline.arn
}

output "oidc_provider_arn" {
  description = "ARN of the Bitbucket identity provider for the workspace"
  value       = local.provider_arn
}
