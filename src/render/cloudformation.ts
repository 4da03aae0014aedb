/**
 * The CloudFormation template as data (rendered by the YAML emitter with intrinsic-function tags).
 * Markers become `!Ref`/`!Sub`; the workspace slug is written literally because IAM condition keys
 * contain it and CloudFormation cannot compute mapping keys.
 */
import {
  AWS_DEFAULT_SESSION,
  MAX_ROLE_SESSION,
  REPO_UUID_PLACEHOLDER,
  WHERE_TO_FIND,
  MANAGED_TAGS as TAGS,
  paramSpec,
  splitParams,
  type ParamValues,
  asJson,
  PATTERN,
} from '../core/facts/index.js';
import { type ExtraVariable, type RepoModel, type RoleModel } from '../core/repo/index.js';
import type { Json } from '../core/util/index.js';
import { Tagged, type YamlValue } from './yaml.js';

export const PROVIDER_ID = 'BitbucketOidcProvider';

/** CloudFormation's quotas on one template: parameters, outputs, and the body uploaded through S3. */
export const CLOUDFORMATION_LIMITS = { parameters: 200, outputs: 200, bodyBytes: 1_000_000 } as const;

/** What exceeds CloudFormation's quotas in a rendered template, one phrase each (none: it fits). */
export function overCloudFormationLimits(template: YamlValue, body: string): string[] {
  const { Parameters = {}, Outputs = {} } = template as { Parameters?: object; Outputs?: object };
  const counts = {
    parameters: Object.keys(Parameters).length,
    outputs: Object.keys(Outputs).length,
    bodyBytes: Buffer.byteLength(body, 'utf8'),
  };
  const units = { parameters: 'parameters', outputs: 'outputs', bodyBytes: 'bytes' } as const;
  return (Object.keys(counts) as Array<keyof typeof counts>)
    .filter((k) => counts[k] > CLOUDFORMATION_LIMITS[k])
    .map((k) => `${counts[k]} ${units[k]} (CloudFormation allows ${CLOUDFORMATION_LIMITS[k]})`);
}

/** The stack creates the provider only when asked: an account holds one per workspace. */
export const CREATE_PROVIDER_PARAMETER = {
  Type: 'String',
  Description:
    'false when the account already has the identity provider for this workspace (one per workspace and account)',
  AllowedValues: ['true', 'false'],
  Default: 'true',
};
export const CREATE_PROVIDER_CONDITION = new Tagged('!Equals', [new Tagged('!Ref', 'CreateOidcProvider'), 'true']);

/** The workspace's identity provider, under the CreateProvider condition; a repository's stack also takes thumbprints. */
export function oidcProvider(url: YamlValue, clientIds: YamlValue, thumbprints?: YamlValue): YamlValue {
  return {
    Type: 'AWS::IAM::OIDCProvider',
    Condition: 'CreateProvider',
    Properties: {
      Url: url,
      ClientIdList: clientIds,
      ...(thumbprints === undefined ? {} : { ThumbprintList: thumbprints }),
      Tags: TAGS,
    },
  };
}
const pascal = (key: string) => key.replace(/(^|_)([a-z0-9])/g, (_, __, c: string) => c.toUpperCase());
export const roleLogicalId = (role: RoleModel) => `${pascal(role.key)}Role`;

/** An optional answer may also be empty. */
export const optionalPattern = (v: ExtraVariable) => (v.optional ? `(^$)|(${v.pattern})` : v.pattern);

function extraParameter(v: ExtraVariable, values: ParamValues): YamlValue {
  const spec = paramSpec(v.param).cloudformation;
  if (spec === 'literal') throw new Error(`${v.param} cannot be a CloudFormation parameter`);
  return {
    Type: 'String',
    Description: v.description,
    Default: values[v.param] ?? '',
    AllowedPattern: optionalPattern(v),
    ConstraintDescription: `must match ${v.pattern} (e.g. ${v.example})`,
  };
}

/** Key text: literal parameters resolved, anything else refused (keys cannot be intrinsic functions). */
function cfnKey(s: string, values: ParamValues): string {
  return splitParams(s)
    .map((part) => {
      if (typeof part === 'string') return part;
      if (paramSpec(part.param).cloudformation !== 'literal')
        throw new Error(`${part.param} cannot appear in a CloudFormation key`);
      return values[part.param];
    })
    .join('');
}

/** A value: plain string, `!Ref P` for a lone parameter, or `!Sub` with `${!` escaping literal `${`. */
export function cfnString(s: string, values: ParamValues): YamlValue {
  const parts = splitParams(s).map((part) => {
    if (typeof part === 'string') return part;
    const spec = paramSpec(part.param).cloudformation;
    if (spec !== 'literal') return { ref: spec.ref };
    const literal = values[part.param];
    if (literal === undefined) throw new Error(`no value for parameter ${part.param}`);
    return literal;
  });
  const refs = parts.filter((p) => typeof p !== 'string');
  if (refs.length === 0) return parts.join('');
  if (parts.length === 1 && typeof parts[0] !== 'string') return new Tagged('!Ref', parts[0]!.ref);
  return new Tagged(
    '!Sub',
    parts.map((p) => (typeof p === 'string' ? p.replace(/\$\{/g, '${!') : `\${${p.ref}}`)).join(''),
  );
}

function cfnValue(v: Json, values: ParamValues): YamlValue {
  if (typeof v === 'string') return cfnString(v, values);
  if (Array.isArray(v)) return v.map((x) => cfnValue(x, values));
  if (v && typeof v === 'object')
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [cfnKey(k, values), cfnValue(x, values)]));
  return v;
}

export function cloudFormationTemplate(model: RepoModel): YamlValue {
  const { answers, values } = model;
  const v = (x: Json) => cfnValue(x, values);
  const uuidParam = (description: string, value: string, where: string) => ({
    Type: 'String',
    Description: description,
    Default: value,
    AllowedPattern: PATTERN.uuid,
    ConstraintDescription: `must be a lowercase UUID without braces (${where})`,
  });
  const resources: Record<string, YamlValue> = {
    [PROVIDER_ID]: oidcProvider(
      v(model.provider.url),
      v(model.provider.clientIds),
      new Tagged('!If', ['HasThumbprint', [new Tagged('!Ref', 'OidcThumbprint')], new Tagged('!Ref', 'AWS::NoValue')]),
    ),
  };
  for (const role of model.roles) {
    resources[roleLogicalId(role)] = {
      Type: 'AWS::IAM::Role',
      Properties: {
        RoleName: v(role.name),
        Description: role.description,
        MaxSessionDuration: new Tagged('!Ref', 'MaxSessionDuration'),
        AssumeRolePolicyDocument: v(asJson(role.trustPolicy)),
        Policies: [{ PolicyName: role.policyName, PolicyDocument: v(asJson(role.permissions)) }],
        Tags: TAGS,
      },
    };
  }
  return {
    AWSTemplateFormatVersion: '2010-09-09',
    Description: `IAM role for Bitbucket Pipelines OIDC: ${answers.workspace}/${answers.name} (generated by pipelines-oidc)`,
    Parameters: {
      RoleName: {
        Type: 'String',
        Description: 'Name of the IAM role the pipeline assumes',
        Default: answers.roleName,
        AllowedPattern: PATTERN.roleName,
        ConstraintDescription: 'must be 1-64 letters, digits or + = , . @ _ -',
      },
      WorkspaceUuid: uuidParam(
        'UUID of the Bitbucket workspace (the token audience)',
        values.workspaceUuid,
        WHERE_TO_FIND.workspaceUuid,
      ),
      RepositoryUuid: uuidParam(
        `UUID of the Bitbucket repository whose pipelines may assume the role${model.repoUuidMissing ? ` (the default ${REPO_UUID_PLACEHOLDER} is refused on purpose)` : ''}`,
        values.repoUuid,
        WHERE_TO_FIND.repoUuid,
      ),
      CreateOidcProvider: CREATE_PROVIDER_PARAMETER,
      OidcThumbprint: {
        Type: 'String',
        Description: 'Optional certificate thumbprint; IAM no longer needs one for this issuer',
        Default: '',
        AllowedPattern: '^([0-9A-Fa-f]{40})?$',
      },
      MaxSessionDuration: {
        Type: 'Number',
        Description: 'Longest session in seconds',
        Default: model.sessionSeconds,
        MinValue: AWS_DEFAULT_SESSION,
        MaxValue: MAX_ROLE_SESSION,
      },
      ...Object.fromEntries(
        model.extraVariables.map((x) => {
          const spec = paramSpec(x.param).cloudformation;
          return [spec === 'literal' ? x.param : spec.ref, extraParameter(x, values)];
        }),
      ),
    },
    Conditions: {
      CreateProvider: CREATE_PROVIDER_CONDITION,
      HasThumbprint: new Tagged('!Not', [new Tagged('!Equals', [new Tagged('!Ref', 'OidcThumbprint'), ''])]),
    },
    Resources: resources,
    Outputs: {
      ...Object.fromEntries(
        model.roles.map((role) => [
          model.roles.length === 1 ? 'RoleArn' : `${roleLogicalId(role)}Arn`,
          {
            Description: role.environment
              ? `Value for AWS_OIDC_ROLE_ARN in the ${role.environment} deployment environment`
              : 'Value for the repository variable AWS_OIDC_ROLE_ARN',
            Value: new Tagged('!GetAtt', `${roleLogicalId(role)}.Arn`),
          },
        ]),
      ),
      OidcProviderArn: { Description: 'ARN of the identity provider for the workspace', Value: v(model.provider.arn) },
    },
  };
}
