import { STEP_IMAGES } from '../facts/index.js';
import type { TargetDefinition } from './definition.js';
import { CODEARTIFACT_LOGIN_STATEMENTS, codeartifactDomain, codeartifactRepository, DEBIAN_AWS_CLI } from './shared.js';

const NPM_NAME = '^[a-z0-9~-][a-z0-9._~-]{0,213}$';

/** Publish the version in package.json to CodeArtifact, then tag the commit with it. */
export const codeartifactNpm: TargetDefinition = {
  id: 'codeartifact-npm',
  title: 'Publish an npm package to CodeArtifact',
  description:
    "On every push to main: install through CodeArtifact, publish the version in package.json, and tag the commit `v<version>` (pushed with the pipeline's own repository access). A push that does not bump the version publishes nothing: the step says the version is published already and passes.",
  release: 'a version can be published once: a second stage publishing it would fail',
  questions: [
    codeartifactDomain,
    codeartifactRepository,
    {
      name: 'npmScope',
      flag: 'npm-scope',
      description: 'npm scope of the package, without the @ (leave empty for an unscoped package)',
      example: 'acme',
      pattern: NPM_NAME,
      optional: true,
    },
    {
      name: 'npmPackage',
      flag: 'npm-package',
      description: 'npm package name without the scope, as in package.json',
      example: 'widgets',
      pattern: NPM_NAME,
    },
  ],
  pipeline: { trigger: 'branch', name: 'main' },
  step: {
    name: 'Publish the npm package to CodeArtifact',
    image: STEP_IMAGES.node.name,
    setup: DEBIAN_AWS_CLI,
    script: [
      'aws codeartifact login --tool npm --domain {{codeartifactDomain}} --domain-owner {{account}} --repository {{codeartifactRepository}}',
      'npm ci',
      'version="$(node -p \'require("./package.json").version\')"',
      { run: 'namespace=--namespace={{npmScope}}', when: 'npmScope' },
      // CodeArtifact refuses a version twice: a push without a new version releases nothing, and says so
      'found="$(aws codeartifact describe-package-version --domain {{codeartifactDomain}} --domain-owner {{account}} --repository {{codeartifactRepository}} --format npm $namespace --package {{npmPackage}} --package-version "$version" 2>&1)" && release=no || { release=yes; [ "${found#*ResourceNotFoundException}" != "$found" ] || { echo "$found" >&2; false; }; }',
      '[ "$release" = no ] && echo "Version $version is published already: nothing to release (bump the version in package.json to publish)" || npm publish',
      '[ "$release" = no ] || { git tag "v$version" && git push origin "v$version"; }',
    ],
  },
  statements: [
    ...CODEARTIFACT_LOGIN_STATEMENTS,
    {
      Sid: 'CodeArtifactPublishNpm',
      Effect: 'Allow',
      Action: ['codeartifact:DescribePackageVersion', 'codeartifact:PublishPackageVersion'],
      Resource:
        'arn:{{partition}}:codeartifact:{{region}}:{{account}}:package/{{codeartifactDomain}}/{{codeartifactRepository}}/npm/{{npmScope}}/{{npmPackage}}',
    },
  ],
  notes: [
    '`codeartifact:GetAuthorizationToken` on the domain: `aws codeartifact login` fetches the token npm sends to the repository.',
    '`sts:GetServiceBearerToken` on `*`, only for `codeartifact.amazonaws.com`: CodeArtifact tokens are STS bearer tokens, and this action has no resource to narrow it to.',
    '`codeartifact:GetRepositoryEndpoint` and `codeartifact:ReadFromRepository` on the repository: login looks up the registry URL, and `npm ci` installs through it.',
    '`codeartifact:DescribePackageVersion` and `codeartifact:PublishPackageVersion` on this one package (scope and name; an unscoped package has an empty scope, `npm//<name>`): the step looks up whether the version is published already, and `npm publish` may publish this package and no other.',
  ],
  rehearsal: {
    files: [
      { path: 'package.json', json: { name: '@{{npmScope}}/{{npmPackage}}', version: '1.0.0' }, when: 'npmScope' },
      { path: 'package.json', json: { name: '{{npmPackage}}', version: '1.0.0' }, unless: 'npmScope' },
      // npm ci installs only from a lockfile: made up with a made-up package.json, never beside the repository's own
      {
        path: 'package-lock.json',
        json: { name: '{{npmPackage}}', version: '1.0.0', lockfileVersion: 3, requires: true, packages: {} },
        alongside: 'package.json',
      },
    ],
  },
};
