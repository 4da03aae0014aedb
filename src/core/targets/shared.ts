/** Pieces several built-in targets share, so a shared question keeps one flag and one rule everywhere. */
import { PATTERN } from '../facts/index.js';
import type { TargetQuestion, TargetStatement } from './definition.js';

/** A path inside the repository (a question using it also says `insideRepository: true`). */
export const RELATIVE_PATH = PATTERN.repositoryPath;

/** An IAM role name (the role is then in this account, without a path). */
export const ROLE_NAME = PATTERN.roleName;

export const codeartifactDomain: TargetQuestion = {
  name: 'codeartifactDomain',
  flag: 'codeartifact-domain',
  description: 'CodeArtifact domain, owned by this AWS account',
  example: 'acme',
  pattern: '^[a-z][a-z0-9-]{0,48}[a-z0-9]$',
};

export const codeartifactRepository: TargetQuestion = {
  name: 'codeartifactRepository',
  flag: 'codeartifact-repository',
  description:
    'CodeArtifact repository in that domain (installs go through it too: give it an upstream to the public registry)',
  example: 'internal',
  pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{1,99}$',
};

/** Debian-based images (node, python) lack the AWS CLI: Debian's own package needs no download URL or architecture. */
export const DEBIAN_AWS_CLI = [
  'apt-get update -qq',
  'DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends awscli',
];

/** What `aws codeartifact login` needs, for any package format: the token, and the repository's endpoint. */
export const CODEARTIFACT_LOGIN_STATEMENTS: TargetStatement[] = [
  {
    Sid: 'CodeArtifactToken',
    Effect: 'Allow',
    Action: 'codeartifact:GetAuthorizationToken',
    Resource: 'arn:{{partition}}:codeartifact:{{region}}:{{account}}:domain/{{codeartifactDomain}}',
  },
  {
    Sid: 'CodeArtifactBearerToken',
    Effect: 'Allow',
    Action: 'sts:GetServiceBearerToken',
    Resource: '*',
    Condition: { StringEquals: { 'sts:AWSServiceName': 'codeartifact.amazonaws.com' } },
  },
  {
    Sid: 'CodeArtifactRepository',
    Effect: 'Allow',
    Action: ['codeartifact:GetRepositoryEndpoint', 'codeartifact:ReadFromRepository'],
    Resource:
      'arn:{{partition}}:codeartifact:{{region}}:{{account}}:repository/{{codeartifactDomain}}/{{codeartifactRepository}}',
  },
];

/** The repository ecr-push pushes to, and ecs-deploy deploys from: one answer when both are chosen. */
export const ECR_REPOSITORY: TargetQuestion = {
  name: 'ecrRepository',
  flag: 'ecr-repository',
  description: 'ECR repository name (without the registry host)',
  example: 'acme/web',
  pattern: '^([a-z0-9]+([._-][a-z0-9]+)*/)*[a-z0-9]+([._-][a-z0-9]+)*$',
};
