variable "aws_region" {
  description = "AWS region of the provider (the pipeline's AWS_DEFAULT_REGION)"
  type        = string

  validation {
    condition     = can(regex("^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-[0-9]{1,2}$", var.aws_region))
    error_message = "The aws_region must be an AWS region code such as eu-west-1."
  }
}

variable "account_id" {
  description = "AWS account that holds the role; applying with credentials of another account fails"
  type        = string

  validation {
    condition     = can(regex("^[0-9]{12}$", var.account_id))
    error_message = "The account_id must be a 12-digit AWS account ID."
  }
}

variable "workspace" {
  description = "Bitbucket workspace slug: part of the identity provider URL"
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9_-]{0,61}$", var.workspace))
    error_message = "The workspace must be the workspace slug (the ID in bitbucket.org/<workspace>/), not its display name."
  }
}

variable "workspace_uuid" {
  description = "Bitbucket workspace UUID without braces: the token audience"
  type        = string

  validation {
    condition     = can(regex("^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", var.workspace_uuid))
    error_message = "The workspace_uuid must be a lowercase UUID without braces (Repository settings → Pipelines → OpenID Connect (the Audience ends with it), or Workspace settings → Settings)."
  }
}

variable "repository_uuid" {
  description = "Bitbucket repository UUID without braces: only this repository's pipelines may assume the role"
  type        = string

  validation {
    condition     = can(regex("^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", var.repository_uuid))
    error_message = "The repository_uuid must be the repository's UUID without braces (Repository settings → Pipelines → OpenID Connect (shown as the repository UUID), or $BITBUCKET_REPO_UUID in any pipeline). Until it is set the role trusts no pipeline."
  }
}

variable "role_name" {
  description = "Name of the IAM role the pipeline assumes"
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9+=,.@_-]{1,64}$", var.role_name))
    error_message = "The role_name must be 1-64 letters, digits or + = , . @ _ -."
  }
}

variable "create_oidc_provider" {
  description = "Create the workspace's identity provider; false to reuse the one that exists in the account"
  type        = bool
  default     = true
}

variable "oidc_thumbprints" {
  description = "Optional certificate thumbprints (40 hex characters each, at most 5); IAM no longer needs one"
  type        = list(string)
  default     = []

  validation {
    condition     = length(var.oidc_thumbprints) <= 5 && alltrue([for t in var.oidc_thumbprints : can(regex("^[0-9A-Fa-f]{40}$", t))])
    error_message = "The oidc_thumbprints must be at most 5 values of 40 hexadecimal characters."
  }
}

variable "max_session_duration" {
  description = "Longest session of the role, in seconds"
  type        = number
  default     = 3600

  validation {
    condition     = var.max_session_duration >= 3600 && var.max_session_duration <= 43200
    error_message = "The max_session_duration must be between 3600 and 43200 seconds."
  }
}

variable "site_bucket_test" {
  description = "S3 bucket that holds the site, in the test environment"
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.site_bucket_test))
    error_message = "The site_bucket_test must match ^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$ (e.g. www.example.com)."
  }
}

variable "site_bucket_production" {
  description = "S3 bucket that holds the site, in the production environment"
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.site_bucket_production))
    error_message = "The site_bucket_production must match ^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$ (e.g. www.example.com)."
  }
}

variable "distribution_id_production" {
  description = "ID of the CloudFront distribution serving the bucket (leave empty without CloudFront), in the production environment"
  type        = string

  validation {
    condition     = var.distribution_id_production == "" || can(regex("^[A-Z0-9]{8,20}$", var.distribution_id_production))
    error_message = "The distribution_id_production must match (^$)|(^[A-Z0-9]{8,20}$) (e.g. E2QWRUHAPOMQZL)."
  }
}

variable "test_environment_uuid" {
  description = "UUID of the test deployment environment, without braces: only its steps may assume its role"
  type        = string

  validation {
    condition     = can(regex("^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", var.test_environment_uuid))
    error_message = "The test_environment_uuid must match ^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$ (e.g. 0b1c2d3e-4f50-4a6b-8c7d-9e0f1a2b3c4d)."
  }
}

variable "production_environment_uuid" {
  description = "UUID of the production deployment environment, without braces: only its steps may assume its role"
  type        = string

  validation {
    condition     = can(regex("^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", var.production_environment_uuid))
    error_message = "The production_environment_uuid must match ^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$ (e.g. 0b1c2d3e-4f50-4a6b-8c7d-9e0f1a2b3c4d)."
  }
}
