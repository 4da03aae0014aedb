# Your answers, as .pipelines-oidc.json holds them: change them with pipelines-oidc update, which keeps every file in step.
aws_region                  = "eu-west-1"
account_id                  = "123456789012"
workspace                   = "phub"
workspace_uuid              = "7a3e5c1d-2b4f-4e6a-9c8d-1f2e3d4c5b6a"
repository_uuid             = "0b1c2d3e-4f50-4a6b-8c7d-9e0f1a2b3c4d"
role_name                   = "bitbucket-phub-site"
site_bucket_test            = "test.example.com"
site_bucket_production      = "www.example.com"
distribution_id_production  = "E2QWRUHAPOMQZL"
test_environment_uuid       = "1a2b3c4d-0001-4a00-8000-00000000000a"
production_environment_uuid = "1a2b3c4d-0003-4c00-a000-00000000000c"
create_oidc_provider        = true
