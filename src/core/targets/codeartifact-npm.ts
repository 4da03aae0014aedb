import { STEP_IMAGES } from '../facts/index.js';
import type { TargetDefinition } from './definition.js';
import { CODEARTIFACT_LOGIN_STATEMENTS, codeartifactDomain, codeartifactRepository, DEBIAN_AWS_CLI } from './shared.js';

const NPM_NAME = '^[a-z0-9~-][a-z0-9._~-]{0,213}$';

/** Publish the version in package.json to CodeArtifact, then tag the commit with it. */
export const codeartifactNpm: TargetDefinition = {
  id: 'codeartifact-npm',
  title: 'Publish an npm package to CodeArtifact',
  description:
    "On every push to main: install through CodeArtifact, publish the version in package.json, and tag the commit `v<version>` (pushed with the pipeline's own repository access). Bump the version in the commit you release: publishing a version that exists fails the step.",
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
      'npm publish',
      'version="$(node -p \'require("./package.json").version\')"',
      'git tag "v$version"',
      'git push origin "v$version"',
    ],
  },
  statements: [
    ...CODEARTIFACT_LOGIN_STATEMENTS,
    {
      Sid: 'CodeArtifactPublishNpm',
      Effect: 'Allow',
      Action: 'codeartifact:PublishPackageVersion',
      Resource:
        'arn:{{partition}}:codeartifact:{{region}}:{{account}}:package/{{codeartifactDomain}}/{{codeartifactRepository}}/npm/{{npmScope}}/{{npmPackage}}',
    },
  ],
  notes: [
    '`codeartifact:GetAuthorizationToken` on the domain: `aws codeartifact login` fetches the token npm sends to the repository.',
    '`sts:GetServiceBearerToken` on `*`, only for `codeartifact.amazonaws.com`: CodeArtifact tokens are STS bearer tokens, and this action has no resource to narrow it to.',
    '`codeartifact:GetRepositoryEndpoint` and `codeartifact:ReadFromRepository` on the repository: login looks up the registry URL, and `npm ci` installs through it.',
    '`codeartifact:PublishPackageVersion` on this one package (scope and name; an unscoped package has an empty scope, `npm//<name>`): `npm publish` may publish this package and no other.',
  ],
  rehearsal: {
    files: [
      { path: 'package.json', json: { name: '@{{npmScope}}/{{npmPackage}}', version: '1.0.0' }, when: 'npmScope' },
      { path: 'package.json', json: { name: '{{npmPackage}}', version: '1.0.0' }, unless: 'npmScope' },
    ],
  },
};
